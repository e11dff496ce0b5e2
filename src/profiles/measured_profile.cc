// A mapped trace (ORT or TensorRT) written as a platform profile's layers.table.
#define JSON_DIAGNOSTICS 1
#include <map>
#include <nlohmann/json.hpp>

#include "dnnpart/error.h"
#include "profiles/profile_edit.h"
#include "profiles/trace_share.h"

namespace dnnpart {
namespace {

using nlohmann::ordered_json;

ordered_json MakeTable(const LayerGraph& graph, const TraceMapping& mapping,
                       const std::vector<std::optional<double>>& unfused_latency_ms) {
  ordered_json table = ordered_json::object();
  for (LayerId l : graph.topological_order()) {
    const auto i = static_cast<size_t>(l);
    if (mapping.layer_kernel[i] == -1 && mapping.layer_latency_ms[i] == 0) continue;
    ordered_json entry{{"latency_ms", mapping.layer_latency_ms[i]}};
    if (i < unfused_latency_ms.size() && unfused_latency_ms[i]) entry["unfused_latency_ms"] = *unfused_latency_ms[i];
    table[graph.layer(l).name] = std::move(entry);
  }
  return table;
}

// Nodes that one kernel ran, for each kernel that ran at least two: the
// planner charges a cut through such a group (docs/planning.md). Groups in
// the topological order of their first node, nodes in topological order.
ordered_json MakeFusedGroups(const LayerGraph& graph, const TraceMapping& mapping) {
  std::vector<std::vector<std::string>> groups;
  std::map<int, size_t> group_of_kernel;
  for (LayerId l : graph.topological_order()) {
    const int kernel = mapping.layer_kernel[static_cast<size_t>(l)];
    if (kernel == -1) continue;
    const auto [it, added] = group_of_kernel.emplace(kernel, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(graph.layer(l).name);
  }
  ordered_json fused = ordered_json::array();
  for (const auto& group : groups) {
    if (group.size() >= 2) fused.push_back(group);
  }
  return fused;
}

}  // namespace

ordered_json ReadRunInfo(const std::string& path) {
  if (path.empty()) return ordered_json::object();
  const ordered_json info = ReadOrderedJsonFile(path, "a JSON run-info file");
  if (!info.is_object()) throw Error(path + ": /: must be an object");
  ordered_json kept = ordered_json::object();
  for (const char* key : {"runtime", "runtime_version", "binding", "optimization_level", "intra_op_threads",
                          "execution_provider", "device", "power_mode", "precision", "timed_runs", "run_median_ms",
                          "load_average_1min", "date_utc"}) {
    if (info.contains(key)) kept[key] = info[key];
  }
  return kept;
}

std::string MeasuredProfileText(const LayerGraph& graph, const TraceMapping& mapping, const MeasuredProfileSpec& spec) {
  ordered_json profile = ReadProfileJson(spec.base_profile_path);
  if (!spec.rename.empty()) profile["name"] = spec.rename;
  profile["source"] = profile.value("source", std::string()) + (profile.contains("source") ? " " : "") + spec.note;
  profile["layers"] = ordered_json{{"missing", spec.missing == MissingLayers::kZero ? "zero" : "estimate"},
                                   {"table", MakeTable(graph, mapping, spec.unfused_latency_ms)}};
  ordered_json fused = MakeFusedGroups(graph, mapping);
  if (!fused.empty()) profile["layers"]["fused_groups"] = std::move(fused);
  AddEnergyFromPower(profile);
  if (!profile.contains("provenance") || !profile["provenance"].is_object()) profile["provenance"] = ordered_json::object();
  profile["provenance"]["measured"] = spec.measured;
  RebaseDefaultLink(profile, spec.base_profile_path, spec.output_path);
  return FinishProfile(profile, spec.base_profile_path);
}

}  // namespace dnnpart
