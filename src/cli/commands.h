// One registration function per subcommand: each adds its flags to `app` and
// returns the action to run when that subcommand is chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace dnnpart::cli {

using Action = std::function<void()>;

Action RegisterCuts(CLI::App& app);
Action RegisterInspect(CLI::App& app);

}  // namespace dnnpart::cli
