// ImportOrtIntoProfile: a mapped ORT trace as a platform profile's layers.table.
#define JSON_DIAGNOSTICS 1
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dnnpart/error.h"
#include "dnnpart/ort_import.h"
#include "profiles/profile_edit.h"

namespace dnnpart {
namespace {

using nlohmann::ordered_json;

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// The settings profile_ort.mjs recorded, if given: runtime, version, level, ...
ordered_json ReadRunInfo(const std::string& path) {
  if (path.empty()) return ordered_json::object();
  const ordered_json info = ReadOrderedJsonFile(path, "a JSON run-info file");
  if (!info.is_object()) throw Error(path + ": /: must be an object");
  ordered_json kept = ordered_json::object();
  for (const char* key : {"runtime", "runtime_version", "binding", "optimization_level", "intra_op_threads",
                          "execution_provider", "timed_runs", "run_median_ms", "load_average_1min", "date_utc"}) {
    if (info.contains(key)) kept[key] = info[key];
  }
  return kept;
}

ordered_json MakeTable(const LayerGraph& graph, const TraceMapping& mapping) {
  ordered_json table = ordered_json::object();
  for (LayerId l : graph.topological_order()) {
    const auto i = static_cast<size_t>(l);
    if (mapping.layer_kernel[i] == -1 && mapping.layer_latency_ms[i] == 0) continue;
    table[graph.layer(l).name] = ordered_json{{"latency_ms", mapping.layer_latency_ms[i]}};
  }
  return table;
}

}  // namespace

OrtImportResult ImportOrtIntoProfile(const std::string& trace_path, const std::string& optimized_model_path,
                                     const LayerGraph& graph, const std::string& base_profile_path,
                                     const OrtImportOptions& options) {
  const OrtTrace trace = ReadOrtTrace(trace_path);
  const std::vector<KernelNode> nodes = ReadKernelNodes(optimized_model_path);
  OrtImportResult result;
  result.mapping = MapTrace(graph, trace, nodes);
  result.run_median_ms = trace.run_median_ms;
  result.layers = static_cast<int64_t>(graph.layer_count());
  const TraceMapping& m = result.mapping;
  if (m.coverage < options.min_coverage && !options.force) {
    throw Error(trace_path + ": kernels mapped to layers of the model take " + Format("%.1f", 100.0 * m.coverage) +
                " % of a run (median over " + std::to_string(trace.runs) + " runs), below " +
                Format("%.0f", 100.0 * options.min_coverage) + " % (" +
                std::to_string(m.unmatched_kernels.size()) + " unmatched kernels, " +
                Format("%.3f", m.unmatched_ms) + " ms); is --optimized-model the model this trace ran? --force imports anyway");
  }
  ordered_json profile = ReadProfileJson(base_profile_path);
  if (!options.rename.empty()) profile["name"] = options.rename;
  const std::string note = "Per-layer table imported from the ONNX Runtime trace " +
                           std::filesystem::path(trace_path).filename().string() + " (" +
                           std::to_string(trace.runs) + " runs, kernels mapped to ONNX nodes through tensor names).";
  profile["source"] = profile.value("source", std::string()) + (profile.contains("source") ? " " : "") + note;
  profile["layers"] = ordered_json{{"missing", options.missing == MissingLayers::kZero ? "zero" : "estimate"},
                                   {"table", MakeTable(graph, m)}};
  AddEnergyFromPower(profile);
  ordered_json measured = ReadRunInfo(options.run_info_path);
  if (!measured.contains("runtime")) measured["runtime"] = "onnxruntime";
  measured["trace_runs"] = trace.runs;
  measured["trace_run_median_ms"] = trace.run_median_ms;
  measured["mapped_ms"] = m.mapped_ms;
  measured["coverage"] = m.coverage;
  measured["unmatched_kernels"] = static_cast<int64_t>(m.unmatched_kernels.size());
  measured["unmatched_ms"] = m.unmatched_ms;
  if (!profile.contains("provenance") || !profile["provenance"].is_object()) profile["provenance"] = ordered_json::object();
  profile["provenance"]["measured"] = measured;
  RebaseDefaultLink(profile, base_profile_path, options.output_path);
  result.profile_text = FinishProfile(profile, base_profile_path);
  return result;
}

}  // namespace dnnpart
