#include "input_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "dnnpart/error.h"

namespace dnnpart {

int64_t LimitFromEnv(const char* name, int64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr) return fallback;
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text, &end, 10);
  if (*text == '\0' || *end != '\0' || errno != 0 || value <= 0) {
    throw Error(std::string("environment variable ") + name + "='" + text + "' is not a positive integer");
  }
  return static_cast<int64_t>(value);
}

int64_t CheckInputFile(const std::string& path, const std::string& what, int64_t max_bytes, const char* limit_env) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw Error("cannot open the file (" + std::string(std::strerror(errno)) + ")");
  if (S_ISDIR(info.st_mode)) throw Error("is a directory, not " + what);
  if (!S_ISREG(info.st_mode)) {
    const char* kind = S_ISFIFO(info.st_mode)   ? "a FIFO (named pipe)"
                       : S_ISSOCK(info.st_mode) ? "a socket"
                       : S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode) ? "a device"
                                                                        : "not a regular file";
    throw Error(std::string("is ") + kind + ", not " + what + "; dnnpart reads only regular files");
  }
  const auto size = static_cast<int64_t>(info.st_size);
  if (size > max_bytes) {
    throw Error("is " + std::to_string(size) + " bytes, more than the " + std::to_string(max_bytes) + "-byte limit for " +
                what + " (raise it with the environment variable " + limit_env + ", docs/limits.md)");
  }
  return size;
}

}  // namespace dnnpart
