// ImportTrtIntoProfile: a mapped trtexec profile as a platform profile's layers.table.
#define JSON_DIAGNOSTICS 1
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "dnnpart/error.h"
#include "dnnpart/trt_import.h"
#include "profiles/trace_share.h"

namespace dnnpart {
namespace {

using nlohmann::ordered_json;

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

std::string FileName(const std::string& path) { return std::filesystem::path(path).filename().string(); }

ordered_json Measured(const TrtImportResult& r, const TrtImportOptions& options, const std::string& profile_path,
                      const std::string& layer_info_path) {
  ordered_json measured = ReadRunInfo(options.run_info_path);
  measured["runtime"] = "TensorRT";
  if (!measured.contains("precision") && !r.mapping.precisions.empty()) measured["precision"] = r.mapping.precisions;
  const TraceMapping& m = r.mapping.mapping;
  measured["trtexec_profile"] = FileName(profile_path);
  measured["trtexec_layer_info"] = FileName(layer_info_path);
  measured["profiled_runs"] = r.runs;
  measured["statistic"] = r.statistic;
  measured["profiled_layers"] = static_cast<int64_t>(m.kernels.size());
  measured["layer_time_sum_ms"] = r.mapping.total_ms;
  measured["mapped_ms"] = m.mapped_ms;
  measured["coverage"] = m.coverage;
  measured["unmatched_layers"] = static_cast<int64_t>(m.unmatched_kernels.size());
  measured["unmatched_ms"] = m.unmatched_ms;
  return measured;
}

}  // namespace

TrtImportResult ImportTrtIntoProfile(const std::string& profile_path, const std::string& layer_info_path,
                                     const LayerGraph& graph, const std::string& base_profile_path,
                                     const TrtImportOptions& options) {
  const TrtProfile profile = ReadTrtProfile(profile_path);
  const TrtLayerInfo info = ReadTrtLayerInfo(layer_info_path);
  const bool use_median = options.statistic == TrtImportOptions::Statistic::kMedian && profile.has_median;
  TrtImportResult result;
  result.mapping = MapTrtProfile(graph, profile, info, use_median);
  result.statistic = use_median ? "median" : "average";
  result.runs = profile.runs;
  result.layers = static_cast<int64_t>(graph.layer_count());
  const TraceMapping& m = result.mapping.mapping;
  const std::string model = options.model_path.empty() ? "the model" : options.model_path;
  if (m.matched_layers == 0 && result.mapping.conversions == 0) {
    throw Error(layer_info_path + ": no layer of this engine names a node or tensor of " + model +
                "; was the engine built from this model?");
  }
  if (m.coverage < options.min_coverage && !options.force) {
    throw Error(profile_path + ": layers mapped to nodes of " + model + " take " + Format("%.1f", 100.0 * m.coverage) +
                " % of the profiled time (" + result.statistic + " per layer), below " +
                Format("%.0f", 100.0 * options.min_coverage) + " % (" + std::to_string(m.unmatched_kernels.size()) +
                " unmatched layers, " + Format("%.3f", m.unmatched_ms) + " ms); --force imports anyway");
  }
  MeasuredProfileSpec spec;
  spec.base_profile_path = base_profile_path;
  spec.missing = options.missing;
  spec.rename = options.rename;
  spec.output_path = options.output_path;
  spec.note = "Per-layer table imported from the TensorRT profile " + FileName(profile_path) + " (" +
              std::to_string(profile.runs) + " runs, " + result.statistic +
              " per layer, engine layers mapped to ONNX nodes through their names and " + FileName(layer_info_path) +
              ").";
  spec.measured = Measured(result, options, profile_path, layer_info_path);
  result.profile_text = MeasuredProfileText(graph, m, spec);
  return result;
}

}  // namespace dnnpart
