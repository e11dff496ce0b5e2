// The dnnpart command line: parses flags, sets up logging, runs one
// subcommand, and maps errors to exit codes (0 ok, 1 bad input, 2 internal).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <map>

#include "commands.h"
#include "dnnpart/error.h"

namespace {

constexpr int kExitBadInput = 1;
constexpr int kExitInternal = 2;

void SetUpLogging(int verbose, bool quiet) {
  auto logger = spdlog::stderr_color_st("dnnpart");
  logger->set_pattern("dnnpart: %l: %v");
  logger->set_level(quiet ? spdlog::level::err : verbose >= 2 ? spdlog::level::trace
                                                 : verbose == 1 ? spdlog::level::debug
                                                                : spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);  // reports can be megabytes; no C stdio mixing here
  CLI::App app{"dnnpart: split DNN inference across embedded platforms"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "dnnpart 0.1.0");
  int verbose = 0;
  bool quiet = false;
  app.add_flag("-v,--verbose", verbose, "More log output on stderr (repeat for more)");
  app.add_flag("-q,--quiet", quiet, "Only errors on stderr");
  std::map<std::string, dnnpart::cli::Action> actions{
      {"cuts", dnnpart::cli::RegisterCuts(app)},
      {"inspect", dnnpart::cli::RegisterInspect(app)},
      {"plan", dnnpart::cli::RegisterPlan(app)},
      {"profile", dnnpart::cli::RegisterProfile(app)},
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "dnnpart: error: " << e.what() << " (run with --help for usage)\n";
    return kExitBadInput;
  }
  SetUpLogging(verbose, quiet);
  try {
    const auto start = std::chrono::steady_clock::now();
    int code = 0;
    for (const auto* command : app.get_subcommands()) code = actions.at(command->get_name())();
    spdlog::debug("command took {:.1f} ms",
                  std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    return code;
  } catch (const dnnpart::Error& e) {
    std::cerr << "dnnpart: error: " << e.what() << '\n';
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "dnnpart: internal error: " << e.what() << '\n';
    return kExitInternal;
  } catch (...) {
    std::cerr << "dnnpart: internal error: unknown exception\n";
    return kExitInternal;
  }
}
