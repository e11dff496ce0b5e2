// Private: runs a child process and collects what it prints. Used by split
// verification (Node runner) and the plan accuracy hook (a user's command).
// The child inherits the environment and no stdin (/dev/null). Thread-safe
// (no shared state), but blocks until the child exits.
#pragma once

#include <string>
#include <vector>

namespace dnnpart {

struct ProcessResult {
  int exit_code = 0;   // the child's exit status; 128 + N when killed by signal N
  std::string out;     // everything it wrote to stdout
  std::string err;     // everything it wrote to stderr
};

// Runs argv[0] (searched in PATH when it has no '/') with `argv`. Throws
// Error naming the program when it cannot be started (not found, not
// executable).
ProcessResult RunProcess(const std::vector<std::string>& argv);

// Runs `command` with /bin/sh -c.
ProcessResult RunShell(const std::string& command);

// `text` quoted for /bin/sh: in single quotes, each ' written as '\''.
std::string ShellQuote(const std::string& text);

}  // namespace dnnpart
