// Finds node and tools/run_split.mjs, runs the runner, reads its JSON.
#define JSON_DIAGNOSTICS 1
#include "dnnpart/verify.h"

#include <cstdlib>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dnnpart/error.h"
#include "process.h"

namespace dnnpart {
namespace {

constexpr const char* kRunner = "run_split.mjs";

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

std::string FindRunner(const VerifyOptions& options) {
  namespace fs = std::filesystem;
  if (!options.runner.empty()) return options.runner;
  std::error_code ec;
  if (const char* tools = std::getenv("DNNPART_TOOLS"); tools != nullptr && *tools != '\0') {
    const fs::path path = fs::path(tools) / kRunner;
    if (!fs::is_regular_file(path, ec)) {
      throw Error("DNNPART_TOOLS is '" + std::string(tools) + "', which holds no " + kRunner);
    }
    return path.string();
  }
  const fs::path exe(options.executable_dir);
  for (const fs::path& candidate : {exe / ".." / "tools" / kRunner, exe / ".." / "share" / "dnnpart" / "tools" / kRunner}) {
    if (fs::is_regular_file(candidate, ec)) return candidate.lexically_normal().string();
  }
  throw Error(std::string("cannot find the runner ") + kRunner + " (looked in ../tools and ../share/dnnpart/tools next to "
              "the dnnpart binary); set DNNPART_TOOLS to the folder holding it, or pass --runner");
}

std::string ToText(double value) {
  std::ostringstream text;
  text.precision(17);
  text << value;
  return text.str();
}

double Number(const nlohmann::json& value) {
  return value.is_null() ? std::numeric_limits<double>::infinity() : value.get<double>();
}

VerifyResult ReadReport(const std::string& text) {
  const nlohmann::json report = nlohmann::json::parse(text);
  VerifyResult result;
  result.runs = report.at("runs").get<int>();
  result.stages = report.at("stages").get<int>();
  result.ok = report.at("ok").get<bool>();
  for (const auto& [name, entry] : report.at("outputs").items()) {
    OutputCheck check;
    check.name = name;
    check.max_abs_diff = Number(entry.at("max_abs_diff"));
    check.max_abs = Number(entry.at("max_abs"));
    check.ok = entry.at("ok").get<bool>();
    check.missing = entry.value("missing", false);
    result.outputs.push_back(check);
  }
  return result;
}

}  // namespace

VerifyResult VerifySplit(const VerifyOptions& options) {
  if (options.runs < 1) throw Error("--runs must be at least 1");
  const std::string node = options.node.empty() ? EnvOr("DNNPART_NODE", "node") : options.node;
  const std::string runner = FindRunner(options);
  ProcessResult run;
  try {
    run = RunProcess({node, runner, options.split_dir, "--model", options.model_path, "--runs",
                      std::to_string(options.runs), "--tolerance", ToText(options.tolerance)});
  } catch (const Error& e) {
    throw e.WithContext("node is needed to verify (install Node.js, or set DNNPART_NODE or --node)");
  }
  if (run.exit_code != 0 && run.exit_code != 1) {
    std::string message = run.err.empty() ? run.out : run.err;
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
    for (char& c : message) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    throw Error(runner + " failed (exit " + std::to_string(run.exit_code) + "): " + message);
  }
  try {
    return ReadReport(run.out);
  } catch (const nlohmann::json::exception& e) {
    throw Error(runner + ": unexpected output (" + e.what() + ")");
  }
}

}  // namespace dnnpart
