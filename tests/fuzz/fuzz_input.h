// Private to the fuzz targets: hands a libFuzzer input to the library as a
// regular file (the library reads paths). One file per process under /dev/shm
// (or $TMPDIR), rewritten for each input. Not thread-safe.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace dnnpart::fuzz {

// Writes the input to `path`, replacing what was there.
inline void WriteFile(const std::string& path, const uint8_t* data, size_t size) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, file) != size) std::abort();
  std::fclose(file);
}

inline std::string WriteInput(const char* suffix, const uint8_t* data, size_t size) {
  const char* dir = std::getenv("TMPDIR");
  const std::string path = std::string(dir != nullptr ? dir : "/dev/shm") + "/dnnpart_fuzz_" +
                           std::to_string(::getpid()) + suffix;
  WriteFile(path, data, size);
  return path;
}

}  // namespace dnnpart::fuzz
