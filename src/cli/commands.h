// One registration function per subcommand: each adds its flags to `app` and
// returns the action to run when that subcommand is chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace dnnpart::cli {

// Runs the chosen subcommand; returns the process exit code.
using Action = std::function<int()>;

inline constexpr int kExitNoPlan = 3;      // `plan`: no plan meets the constraints
inline constexpr int kExitIncomplete = 4;  // `plan`: --time-limit stopped the search (best so far printed)
inline constexpr int kExitMismatch = 4;    // `verify`: some output differs beyond the tolerance

Action RegisterCuts(CLI::App& app);
Action RegisterInspect(CLI::App& app);
Action RegisterPlan(CLI::App& app);
Action RegisterProfile(CLI::App& app);
Action RegisterCalibrate(CLI::App& profile);  // a subcommand of `profile`
Action RegisterSplit(CLI::App& app);
Action RegisterSystem(CLI::App& app);
Action RegisterSweep(CLI::App& app);
Action RegisterVerify(CLI::App& app);

}  // namespace dnnpart::cli
