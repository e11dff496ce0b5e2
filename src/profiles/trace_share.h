// Private: the parts of a measured-trace import that ONNX Runtime and
// TensorRT share — how a fused kernel's time is split over the ONNX nodes it
// ran, which node a layout conversion is charged to, and how the mapped times
// become a platform profile. Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dnnpart/graph.h"
#include "dnnpart/ort_import.h"
#include "dnnpart/profiles.h"

namespace dnnpart {

// Adds `ms` to latency_ms of `layers` (non-empty), shared in proportion to
// their MACs, equally when none has MACs.
void ShareKernelTime(const LayerGraph& graph, const std::vector<LayerId>& layers, double ms,
                     std::vector<double>& latency_ms);

// Claims for kernel `k` the layers on the paths from the producers of
// `outputs` back to (not including) the producers of `inputs`, stopping at
// graph inputs and at layers `owner` already gives another kernel (owner -1:
// unclaimed). Returns the claimed layers, ascending.
std::vector<LayerId> ClaimGroup(const LayerGraph& graph, const std::set<TensorId>& inputs,
                                const std::set<TensorId>& outputs, int k, std::vector<int>& owner);

// The layer charged for converting tensor `t` between layouts or precisions:
// its producer, else (a graph input) its first consumer; kNoLayer if neither.
LayerId ConvertedLayer(const LayerGraph& graph, TensorId t);

// The run settings a user or tools/profile_ort.mjs recorded in a JSON object
// (runtime, runtime_version, device, ...; unknown keys are dropped). "" gives
// an empty object. Throws Error naming the file.
nlohmann::ordered_json ReadRunInfo(const std::string& path);

// Everything a measured profile needs besides the mapping.
struct MeasuredProfileSpec {
  std::string base_profile_path;
  MissingLayers missing = MissingLayers::kEstimate;
  std::string rename;       // "" keeps the base's name
  std::string output_path;  // default_link is rebased to it ("" → absolute)
  std::string note;         // appended to "source"
  nlohmann::ordered_json measured;  // becomes provenance.measured
  // By LayerId, the measured unfused latencies to write (empty: none).
  std::vector<std::optional<double>> unfused_latency_ms;
};

// The base profile with layers.table = the mapped per-layer latencies (and
// unfused_latency_ms where spec has one; energies from power.active_w), validated. Throws Error naming the base file.
std::string MeasuredProfileText(const LayerGraph& graph, const TraceMapping& mapping, const MeasuredProfileSpec& spec);

}  // namespace dnnpart
