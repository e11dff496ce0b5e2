// ImportOrtIntoProfile: a mapped ORT trace as a platform profile's layers.table.
#define JSON_DIAGNOSTICS 1
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dnnpart/error.h"
#include "dnnpart/ort_import.h"
#include "nearest_names.h"
#include "profiles/trace_share.h"

namespace dnnpart {
namespace {

using nlohmann::ordered_json;

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// " (e.g. kernel 'x'; nearest nodes: 'a', 'b')" for the first unmatched kernel.
std::string UnmatchedExample(const LayerGraph& graph, const UnfusedMapping& unfused) {
  if (unfused.unmatched_kernels.empty()) return "";
  std::vector<std::string> names;
  for (size_t l = 0; l < graph.layer_count(); ++l) names.push_back(graph.layer(static_cast<LayerId>(l)).name);
  const std::string& example = unfused.unmatched_kernels.front();
  std::string nearest;
  for (const std::string& name : NearestNames(example, names, 3)) nearest += (nearest.empty() ? "'" : ", '") + name + "'";
  return " (e.g. kernel '" + example + "'; nearest nodes: " + nearest + ")";
}

// The unfused trace mapped by node name; refused when it is not a trace of
// this model run node by node.
UnfusedMapping ReadUnfused(const std::string& path, const LayerGraph& graph, const TraceMapping& fused,
                           const OrtImportOptions& options) {
  const UnfusedMapping unfused = MapUnfusedTrace(graph, ReadOrtTrace(path), fused);
  const std::string hint = "; --unfused-trace must be a trace of this model with graph optimisations disabled "
                           "(tools/profile_ort.mjs MODEL --opt disabled)";
  const auto unmatched = static_cast<int64_t>(unfused.unmatched_kernels.size());
  if (unmatched == unfused.kernels) {
    throw Error(path + ": none of its " + std::to_string(unfused.kernels) + " kernels is named after a node of the model" +
                UnmatchedExample(graph, unfused) + hint);
  }
  if (unfused.measured_layers == 0 && unfused.group_layers > 0) {
    throw Error(path + ": none of the " + std::to_string(unfused.group_layers) +
                " nodes in fused groups ran as a kernel of its own (e.g. '" +
                graph.layer(unfused.unmeasured_layers.front()).name + "')" + hint);
  }
  if (unfused.coverage < options.min_coverage && !options.force) {
    throw Error(path + ": kernels named after nodes of the model take " + Format("%.1f", 100.0 * unfused.coverage) +
                " % of a run (median over " + std::to_string(unfused.runs) + " runs), below " +
                Format("%.0f", 100.0 * options.min_coverage) + " %; " + std::to_string(unmatched) + " of " +
                std::to_string(unfused.kernels) + " kernels are named after no node" + UnmatchedExample(graph, unfused) +
                hint + "; --force imports anyway");
  }
  return unfused;
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
  MeasuredProfileSpec spec;
  spec.base_profile_path = base_profile_path;
  spec.missing = options.missing;
  spec.rename = options.rename;
  spec.output_path = options.output_path;
  spec.note = "Per-layer table imported from the ONNX Runtime trace " +
              std::filesystem::path(trace_path).filename().string() + " (" + std::to_string(trace.runs) +
              " runs, kernels mapped to ONNX nodes through tensor names).";
  ordered_json measured = ReadRunInfo(options.run_info_path);
  if (!measured.contains("runtime")) measured["runtime"] = "onnxruntime";
  measured["trace_runs"] = trace.runs;
  measured["trace_run_median_ms"] = trace.run_median_ms;
  measured["mapped_ms"] = m.mapped_ms;
  measured["coverage"] = m.coverage;
  measured["unmatched_kernels"] = static_cast<int64_t>(m.unmatched_kernels.size());
  measured["unmatched_ms"] = m.unmatched_ms;
  if (!options.unfused_trace_path.empty()) {
    result.unfused = ReadUnfused(options.unfused_trace_path, graph, m, options);
    const UnfusedMapping& u = *result.unfused;
    spec.unfused_latency_ms = u.latency_ms;
    spec.note += " Unfused costs of fused-group nodes from " +
                 std::filesystem::path(options.unfused_trace_path).filename().string() + " (" + std::to_string(u.runs) +
                 " runs, graph optimisations disabled).";
    measured["unfused_trace"] = ordered_json{{"runs", u.runs},
                                             {"run_median_ms", u.run_median_ms},
                                             {"coverage", u.coverage},
                                             {"group_nodes", u.group_layers},
                                             {"measured_nodes", u.measured_layers},
                                             {"unmatched_kernels", static_cast<int64_t>(u.unmatched_kernels.size())},
                                             {"unmatched_ms", u.unmatched_ms}};
  }
  spec.measured = std::move(measured);
  result.profile_text = MeasuredProfileText(graph, m, spec);
  return result;
}

}  // namespace dnnpart
