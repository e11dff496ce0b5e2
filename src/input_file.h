// Private: the checks every input file passes before dnnpart reads it, and
// the size limits it reads within (docs/limits.md). Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace dnnpart {

// The value of environment variable `name` as a positive integer, or
// `fallback` when it is unset. Throws Error naming the variable when it is
// set to anything but a positive integer.
int64_t LimitFromEnv(const char* name, int64_t fallback);

// Checks that `path` names a regular file (symbolic links followed) of at
// most `max_bytes` bytes, and returns its size. Throws Error (without the
// path; the caller adds it) for a directory ("is a directory, not <what>"),
// a FIFO, socket or device (reading those may block forever or never end), a
// missing or unreadable file, and a file over the limit, naming `limit_env`,
// the environment variable that raises it.
int64_t CheckInputFile(const std::string& path, const std::string& what, int64_t max_bytes, const char* limit_env);

}  // namespace dnnpart
