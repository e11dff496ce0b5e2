// `dnnpart system FILE`: reads a system file and shows how dnnpart
// understands it (devices, media, routes), or the first error in it.
#include <iostream>
#include <memory>

#include "commands.h"
#include "common.h"
#include "dnnpart/system.h"

namespace dnnpart::cli {

Action RegisterSystem(CLI::App& app) {
  struct Flags {
    std::string path;
    SystemSummaryOptions summary;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = app.add_subcommand("system", "Check a system file and show its devices, media and routes");
  command->add_option("file", flags->path, "System file (docs/system.md)")->required();
  command->add_option("--bytes", flags->summary.payload_bytes,
                      "Payload of the transfer the routes are shown for (default 1000000)")
      ->check(IntegerIn(1, int64_t{1} << 40));
  command->add_flag("--all-routes", flags->summary.all_routes,
                    "Show the route between every ordered pair of devices (default: all pairs up to 16 devices; "
                    "beyond, only routes from the input and to the output device)");
  return [flags]() -> int {
    const System system = LoadSystem(flags->path);
    WriteSystemSummary(system, flags->summary, std::cout);
    return 0;
  };
}

}  // namespace dnnpart::cli
