// Writing a result file the user names (-o): never half-written, never
// through a symlink, nothing replaced without force. Not thread-safe for the
// same path.
#pragma once

#include <string>
#include <string_view>

namespace dnnpart {

// Writes `text` to `path` atomically: a temporary file in the same folder,
// every write checked, fsync, rename. Refuses (Error naming the path) an
// existing path unless `force`, and always a path that exists but is not a
// regular file (a folder, a device such as /dev/full, a symlink).
void WriteOutputFile(const std::string& path, std::string_view text, bool force);

}  // namespace dnnpart
