#include "dnnpart/output_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "dnnpart/error.h"
#include "split/atomic_file.h"

namespace dnnpart {

void WriteOutputFile(const std::string& path, std::string_view text, bool force) {
  struct stat info {};
  if (lstat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) throw Error(path + ": is a directory; give a file name");
    if (!S_ISREG(info.st_mode)) throw Error(path + ": exists and is not a regular file; refusing to replace it");
    if (!force) throw Error(path + ": already exists; pass --force to replace it");
  } else if (errno != ENOENT) {
    throw Error(path + ": cannot check the path (" + std::string(std::strerror(errno)) + ")");
  }
  const std::filesystem::path target(path);
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  AtomicFile file(dir, target.filename().string());
  file.Write(text);
  file.Commit();
}

}  // namespace dnnpart
