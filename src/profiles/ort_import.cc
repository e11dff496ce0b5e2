// ImportOrtIntoProfile: a mapped ORT trace as a platform profile's layers.table.
#define JSON_DIAGNOSTICS 1
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dnnpart/error.h"
#include "dnnpart/ort_import.h"
#include "profiles/trace_share.h"

namespace dnnpart {
namespace {

using nlohmann::ordered_json;

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
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
  spec.measured = std::move(measured);
  result.profile_text = MeasuredProfileText(graph, m, spec);
  return result;
}

}  // namespace dnnpart
