#include "split/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "dnnpart/error.h"

namespace dnnpart {
namespace {

std::string Errno() { return std::strerror(errno); }

}  // namespace

AtomicFile::AtomicFile(const std::string& dir, const std::string& name) : final_path_(dir + "/" + name) {
  std::string pattern = dir + "/." + name + ".tmp.XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  fd_ = mkstemp(buffer.data());
  if (fd_ < 0) throw Error(final_path_ + ": cannot create a temporary file (" + Errno() + ")");
  temp_path_ = buffer.data();
  // mkstemp makes the file 0600; give it the usual mode under the umask.
  const mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd_, 0666 & ~mask) != 0) throw Error(final_path_ + ": cannot set the file mode (" + Errno() + ")");
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) close(fd_);
  if (!temp_path_.empty()) unlink(temp_path_.c_str());
}

void AtomicFile::Write(std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = write(fd_, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) throw Error(final_path_ + ": write failed (" + Errno() + ")");
    data.remove_prefix(static_cast<size_t>(written));
    Wrote(written);
  }
}

// Starts writeback every 16 MiB, so that the disk works while the rest is
// copied and Commit's fsync has little left to wait for.
void AtomicFile::Wrote(int64_t bytes) {
  constexpr int64_t kWritebackBytes = int64_t{16} << 20;
  size_ += bytes;
  unflushed_ += bytes;
  if (unflushed_ < kWritebackBytes) return;
  sync_file_range(fd_, size_ - unflushed_, unflushed_, SYNC_FILE_RANGE_WRITE);  // a hint; errors show at fsync
  unflushed_ = 0;
}

void AtomicFile::CopyFrom(int fd, int64_t offset, int64_t length, const std::string& what) {
  constexpr int64_t kStepBytes = int64_t{16} << 20;
  bool in_kernel = true;
  std::vector<char> buffer;
  while (length > 0) {
    const auto want = static_cast<size_t>(std::min(length, kStepBytes));
    ssize_t n = 0;
    if (in_kernel) {
      loff_t from = offset;
      n = copy_file_range(fd, &from, fd_, nullptr, want, 0);
      if (n > 0) {
        offset += n;
        length -= n;
        Wrote(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
        in_kernel = false;  // not between these files: copy through a buffer
        buffer.resize(size_t{1} << 20);
        continue;
      }
    } else {
      n = pread(fd, buffer.data(), std::min(want, buffer.size()), offset);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        Write(std::string_view(buffer.data(), static_cast<size_t>(n)));
        offset += n;
        length -= n;
        continue;
      }
    }
    throw Error(what + ": cannot be copied (" + (n == 0 ? std::string("the file ends early") : Errno()) + ")");
  }
}

void AtomicFile::Commit() {
  if (fsync(fd_) != 0) throw Error(final_path_ + ": fsync failed (" + Errno() + ")");
  const int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0) throw Error(final_path_ + ": close failed (" + Errno() + ")");
  if (rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    throw Error(final_path_ + ": cannot rename the temporary file into place (" + Errno() + ")");
  }
  temp_path_.clear();
}

void CheckOutputDir(const std::string& dir, bool force) {
  struct stat info {};
  if (lstat(dir.c_str(), &info) != 0) {
    if (errno != ENOENT) throw Error(dir + ": cannot read the output folder (" + Errno() + ")");
    return;
  }
  if (S_ISLNK(info.st_mode)) throw Error(dir + ": the output folder is a symlink; refused");
  if (!S_ISDIR(info.st_mode)) throw Error(dir + ": exists and is not a folder");
  DIR* handle = opendir(dir.c_str());
  if (handle == nullptr) throw Error(dir + ": cannot open the output folder (" + Errno() + ")");
  bool empty = true;
  while (const dirent* entry = readdir(handle)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") empty = false;
  }
  closedir(handle);
  if (!empty && !force) throw Error(dir + ": the output folder is not empty (use --force to write into it)");
}

void PrepareOutputDir(const std::string& dir, bool force) {
  CheckOutputDir(dir, force);
  if (mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
    throw Error(dir + ": cannot create the output folder (" + Errno() + ")");
  }
  // Created just now, or a folder CheckOutputDir accepted; refuse a symlink
  // someone put there in between.
  struct stat info {};
  if (lstat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    throw Error(dir + ": the output folder changed while being prepared; refused");
  }
}

void SyncDir(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd < 0) throw Error(dir + ": cannot open the output folder to sync it (" + Errno() + ")");
  const int synced = fsync(fd);
  close(fd);
  if (synced != 0) throw Error(dir + ": fsync of the folder failed (" + Errno() + ")");
}

}  // namespace dnnpart
