// The dnnpart command line: parses flags, sets up logging, runs one
// subcommand, and maps errors to exit codes (0 ok, 1 bad input, 2 internal).
#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <string_view>

#include "commands.h"
#include "dnnpart/error.h"
#include "dnnpart/model.h"

namespace {

constexpr int kExitBadInput = 1;
constexpr int kExitInternal = 2;

// Names inside messages come from the user's files and may hold any byte;
// control characters are written as \xNN so that every message stays one line.
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out.push_back(c);
      continue;
    }
    char escaped[5];
    std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
    out += escaped;
  }
  return out;
}

// Log lines on stderr, one line each (see OneLine).
class OneLineStderrSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    std::string_view text(formatted.data(), formatted.size());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    std::cerr << OneLine(text) << '\n';
  }
  void flush_() override { std::cerr.flush(); }
};

void SetUpLogging(int verbose, bool quiet) {
  auto logger = std::make_shared<spdlog::logger>("dnnpart", std::make_shared<OneLineStderrSink>());
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
      {"split", dnnpart::cli::RegisterSplit(app)},
      {"system", dnnpart::cli::RegisterSystem(app)},
      {"sweep", dnnpart::cli::RegisterSweep(app)},
      {"verify", dnnpart::cli::RegisterVerify(app)},
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "dnnpart: error: " << OneLine(e.what()) << " (run with --help for usage)\n";
    return kExitBadInput;
  }
  SetUpLogging(verbose, quiet);
  dnnpart::EnableOnnxFaultGuard();  // a last line of defence behind the loader's checks
  try {
    const auto start = std::chrono::steady_clock::now();
    int code = 0;
    for (const auto* command : app.get_subcommands()) code = actions.at(command->get_name())();
    spdlog::debug("command took {:.1f} ms",
                  std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    return code;
  } catch (const dnnpart::Error& e) {
    std::cerr << "dnnpart: error: " << OneLine(e.message()) << '\n';
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "dnnpart: internal error: " << OneLine(e.what()) << '\n';
    return kExitInternal;
  } catch (...) {
    std::cerr << "dnnpart: internal error: unknown exception\n";
    return kExitInternal;
  }
}
