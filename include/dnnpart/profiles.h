// Platform and link profiles: what a device computes and how a link moves
// bytes (docs/profiles.md). Loaded once from JSON, validated at the boundary,
// then plain immutable values. Thread-safe to share after loading.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dnnpart/dtype.h"

namespace dnnpart {

struct LayerMeasurement {
  double latency_ms = 0;
  double energy_mj = 0;
  // The node measured running as its own kernel (when a trace has it): what
  // it costs once a cut separates it from its fused group (docs/planning.md).
  std::optional<double> unfused_latency_ms = std::nullopt;
  double unfused_energy_mj = 0;
};

// What a platform's measured table says about layers it lacks.
enum class MissingLayers { kEstimate, kZero };

struct PlatformProfile {
  std::string path;  // the file it was loaded from
  std::string name;
  std::string description;
  std::string source;
  std::map<DType, double> peak_macs_per_s;  // per data type
  DType data_type = DType::kFloat32;        // the type the model runs in here
  std::map<std::string, double> efficiency; // by op type or cost class ("Conv.depthwise")
  double default_efficiency = 1.0;
  double layer_overhead_ms = 0;
  bool fuse_activations = false;  // activations fused into their Conv/Gemm cost 0 when estimated
  // Converting a sensor's frame to the model's input type (uint8 camera
  // pixels to float32, ...) per element; unset: estimated from memory
  // bandwidth (docs/system.md).
  std::optional<double> input_conversion_ns_per_element;
  double memory_capacity_bytes = 0;
  double memory_bandwidth_bytes_per_s = 0;
  // Energy model: watts (active_w, idle_w) or per-operation energies.
  bool power_in_watts = true;
  double active_w = 0;
  double idle_w = 0;
  double energy_per_mac_pj = 0;
  double energy_per_byte_pj = 0;
  std::string default_link;  // path of the link leaving this platform ("" if none)
  MissingLayers missing_layers = MissingLayers::kEstimate;
  std::map<std::string, LayerMeasurement> layer_table;  // by ONNX node name
  // Nodes that run as one kernel here (layers.fused_groups): each group holds
  // ≥ 2 ONNX node names, and no node is in two groups.
  std::vector<std::vector<std::string>> fused_groups;

  double peak() const { return peak_macs_per_s.at(data_type); }
};

struct LinkProfile {
  std::string path;
  std::string name;
  std::string description;
  std::string source;
  double bandwidth_bytes_per_s = 0;
  double latency_ms = 0;            // fixed cost per transfer
  double propagation_delay_ms = 0;
  bool energy_from_power = true;
  double power_w = 0;
  double energy_per_byte_nj = 0;
  int64_t payload_bytes_per_frame = 0;  // 0: no framing
  int64_t overhead_bytes_per_frame = 0;
  int64_t min_payload_bytes = 0;
  std::optional<DType> transfer_data_type;  // element type on the wire
};

// Loads and validates a platform profile. Throws Error naming the file and the
// JSON path at fault; warns (stderr log) about unknown keys.
PlatformProfile LoadPlatformProfile(const std::string& path);

// Loads and validates a link profile; same error rules.
LinkProfile LoadLinkProfile(const std::string& path);

// Returns the link leaving each platform: `link_paths` override hop by hop in
// platform order (a single path applies to every platform), the rest use each
// platform's default_link. A platform that needs none (it is last in every
// order considered) may have none: its entry is then nullopt. Throws Error when
// a needed link is missing.
std::vector<std::optional<LinkProfile>> ResolveLinks(const std::vector<PlatformProfile>& platforms,
                                                     const std::vector<std::string>& link_paths);

// Parses "int8", "float16", ... (the names DTypeName gives); nullopt otherwise.
std::optional<DType> DTypeFromName(const std::string& name);

}  // namespace dnnpart
