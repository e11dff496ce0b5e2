// `dnnpart profile calibrate --base BASE.json --trace T --model M [...] -o OUT.json`:
// fit the roofline parameters of a platform profile to measured ORT traces.
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.h"
#include "dnnpart/calibrate.h"
#include "dnnpart/error.h"
#include "dnnpart/model.h"
#include "dnnpart/output_file.h"

namespace dnnpart::cli {
namespace {

struct CalibrateFlags {
  std::string base_path;
  std::vector<std::string> traces;
  std::vector<std::string> models;
  std::vector<std::string> optimized;
  std::string output_path;
  bool force = false;
};

// X.trace.json → X.optimized.onnx (the names tools/profile_ort.mjs writes).
std::string OptimizedFor(const std::string& trace) {
  const std::string suffix = ".trace.json";
  if (trace.size() > suffix.size() && trace.compare(trace.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return trace.substr(0, trace.size() - suffix.size()) + ".optimized.onnx";
  }
  throw Error(trace + ": cannot tell its optimised model from the name; give --optimized-model for every --trace");
}

std::string Percent(double predicted, double measured) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%+.1f %%", 100.0 * (predicted - measured) / measured);
  return buffer;
}

void PrintErrors(const CalibrationResult& result) {
  std::fprintf(stderr, "%-28s %10s %10s %9s %10s %9s %10s %9s\n", "network", "measured", "before", "error",
               "after", "error", "leave-out", "error");
  for (const NetworkError& n : result.networks) {
    std::fprintf(stderr, "%-28s %10.3f %10.3f %9s %10.3f %9s %10.3f %9s\n", n.name.c_str(), n.measured_ms,
                 n.before_ms, Percent(n.before_ms, n.measured_ms).c_str(), n.after_ms,
                 Percent(n.after_ms, n.measured_ms).c_str(), n.leave_one_out_ms,
                 result.networks.size() > 1 ? Percent(n.leave_one_out_ms, n.measured_ms).c_str() : "-");
  }
}

}  // namespace

Action RegisterCalibrate(CLI::App& profile) {
  auto flags = std::make_shared<CalibrateFlags>();
  CLI::App* cmd = profile.add_subcommand("calibrate", "Fit a platform profile's roofline parameters to ORT traces");
  cmd->add_option("--base", flags->base_path, "Platform profile to start from")->required();
  cmd->add_option("--trace", flags->traces, "ORT profile trace (repeatable, one per --model)")->required();
  cmd->add_option("--model", flags->models, "Original ONNX model of each --trace, in the same order")->required();
  cmd->add_option("--optimized-model", flags->optimized,
                  "Optimised model of each --trace (default: X.optimized.onnx for X.trace.json)");
  cmd->add_option("-o,--output", flags->output_path, "Write the calibrated profile here")->required();
  cmd->add_flag("--force", flags->force, "Allow --output to replace an existing file");
  return [flags]() -> int {
    if (flags->traces.size() != flags->models.size()) {
      throw Error("--trace was given " + std::to_string(flags->traces.size()) + " times and --model " +
                  std::to_string(flags->models.size()) + " times; give one model per trace");
    }
    if (!flags->optimized.empty() && flags->optimized.size() != flags->traces.size()) {
      throw Error("--optimized-model must be given once per --trace or not at all");
    }
    const PlatformProfile base = LoadPlatformProfile(flags->base_path);
    std::vector<CalibrationNetwork> networks;
    for (size_t i = 0; i < flags->traces.size(); ++i) {
      const std::string& trace_path = flags->traces[i];
      const std::string optimized = flags->optimized.empty() ? OptimizedFor(trace_path) : flags->optimized[i];
      Model model = Model::Load(flags->models[i], LoadOptions{});
      const OrtTrace trace = ReadOrtTrace(trace_path);
      TraceMapping mapping = MapTrace(model.graph(), trace, ReadKernelNodes(optimized));
      spdlog::info("{}: {} kernels, {} unmatched; mapped {:.1f} % of {:.3f} ms", trace_path, mapping.kernels.size(),
                   mapping.unmatched_kernels.size(), 100.0 * mapping.mapped_ms / trace.run_median_ms,
                   trace.run_median_ms);
      networks.push_back({model.info().graph_name.empty() ? flags->models[i] : flags->models[i], model.graph(),
                          std::move(mapping), trace.run_median_ms});
    }
    const CalibrationResult result = Calibrate(base, networks);
    for (const std::string& warning : result.warnings) spdlog::warn("{}", warning);
    PrintErrors(result);
    WriteOutputFile(flags->output_path, CalibratedProfileText(flags->base_path, result, flags->output_path),
                    flags->force);
    return 0;
  };
}

}  // namespace dnnpart::cli
