// Private: files written atomically into one folder. The data goes to a new
// temporary file in the same folder (created with O_EXCL, so never through a
// symlink), is synced, and renamed over the final name on Commit; a file not
// committed is removed. Every write is checked. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dnnpart {

class AtomicFile {
 public:
  // Creates the temporary file for `dir`/`name`; throws Error on failure.
  AtomicFile(const std::string& dir, const std::string& name);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void Write(std::string_view data);
  // Appends `length` bytes of the open file `fd` from `offset`, in the kernel
  // (copy_file_range) where the file systems allow it. Throws Error naming
  // `what` when the source ends early or a write fails.
  void CopyFrom(int fd, int64_t offset, int64_t length, const std::string& what);
  int64_t size() const { return size_; }
  // Syncs, closes and renames into place; throws Error on failure.
  void Commit();

 private:
  std::string final_path_;
  std::string temp_path_;
  int fd_ = -1;
  int64_t size_ = 0;
  int64_t unflushed_ = 0;  // bytes written since writeback was last started

  void Wrote(int64_t bytes);
};

// Makes `dir` ready for writing: creates it when absent (its parent must
// exist), refuses a symlink or a non-folder, and a non-empty folder unless
// `force`. Throws Error naming the folder.
void PrepareOutputDir(const std::string& dir, bool force);

// The checks of PrepareOutputDir without creating anything; an absent
// folder passes.
void CheckOutputDir(const std::string& dir, bool force);

// Syncs the folder's entries (the renames) to disk; throws Error on failure.
void SyncDir(const std::string& dir);

}  // namespace dnnpart
