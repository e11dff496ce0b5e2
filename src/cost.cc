#include "dnnpart/cost.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <unordered_map>

#include "dnnpart/error.h"
#include "nearest_names.h"

namespace dnnpart {
namespace {

bool IsActivation(const std::string& op_type) {
  return op_type == "Relu" || op_type == "Clip" || op_type == "LeakyRelu" || op_type == "Sigmoid" ||
         op_type == "Tanh" || op_type == "HardSigmoid" || op_type == "HardSwish";
}

}  // namespace

std::string CostClass(const LayerGraph& graph, LayerId id) {
  const Layer& layer = graph.layer(id);
  if (layer.op_type != "Conv") return layer.op_type;
  if (layer.depthwise) return "Conv.depthwise";
  if (!layer.inputs.empty() && !layer.outputs.empty()) {
    const Shape& in = graph.tensor(layer.inputs.front()).shape;
    const int64_t out_elements = ElementCount(graph.tensor(layer.outputs.front()).shape);
    if (in.size() >= 2 && in[1] > 0 && layer.macs == out_elements * in[1]) return "Conv.pointwise";
  }
  return "Conv";
}

double EfficiencyOf(const LayerGraph& graph, LayerId id, const PlatformProfile& platform) {
  const Layer& layer = graph.layer(id);
  auto it = platform.efficiency.find(CostClass(graph, id));
  if (it == platform.efficiency.end()) it = platform.efficiency.find(layer.op_type);
  return it != platform.efficiency.end() ? it->second : platform.default_efficiency;
}

bool IsFusedActivation(const LayerGraph& graph, LayerId id) {
  const Layer& layer = graph.layer(id);
  if (!IsActivation(layer.op_type) || layer.inputs.empty()) return false;
  const Tensor& input = graph.tensor(layer.inputs.front());
  if (input.producer == kNoLayer || input.consumers.size() != 1 || input.is_graph_output) return false;
  const std::string& producer = graph.layer(input.producer).op_type;
  return producer == "Conv" || producer == "Gemm" || producer == "MatMul" || producer == "ConvTranspose";
}

int64_t BytesPerElementOn(const Tensor& tensor, DType platform_type) {
  return IsFloating(tensor.dtype) ? DTypeBytes(platform_type) : DTypeBytes(tensor.dtype);
}

LayerCost EstimateLayer(const LayerGraph& graph, LayerId id, const PlatformProfile& platform) {
  const Layer& layer = graph.layer(id);
  const int64_t element_bytes = DTypeBytes(platform.data_type);
  int64_t bytes_moved = layer.param_count * element_bytes;
  for (TensorId t : layer.inputs) bytes_moved += ElementCount(graph.tensor(t).shape) * BytesPerElementOn(graph.tensor(t), platform.data_type);
  for (TensorId t : layer.outputs) bytes_moved += ElementCount(graph.tensor(t).shape) * BytesPerElementOn(graph.tensor(t), platform.data_type);
  const double compute_s = static_cast<double>(layer.macs) / (platform.peak() * EfficiencyOf(graph, id, platform));
  const double memory_s = static_cast<double>(bytes_moved) / platform.memory_bandwidth_bytes_per_s;
  LayerCost cost;
  cost.source = CostSource::kEstimated;
  if (platform.fuse_activations && IsFusedActivation(graph, id)) return cost;  // runs inside its producer's kernel
  cost.latency_ms = 1000.0 * std::max(compute_s, memory_s) + platform.layer_overhead_ms;
  cost.energy_mj = platform.power_in_watts
                       ? platform.active_w * cost.latency_ms
                       : (static_cast<double>(layer.macs) * platform.energy_per_mac_pj +
                          static_cast<double>(bytes_moved) * platform.energy_per_byte_pj) * 1e-9;
  return cost;
}

std::vector<LayerCost> CostLayers(const LayerGraph& graph, const PlatformProfile& platform) {
  std::vector<LayerCost> costs(graph.layer_count());
  int64_t unknown_names = 0;
  std::string example;
  for (const auto& [name, measurement] : platform.layer_table) {
    if (!graph.FindLayer(name)) {
      if (unknown_names++ == 0) example = name;
    }
  }
  if (unknown_names > 0) {
    std::vector<std::string> names;
    for (size_t l = 0; l < graph.layer_count(); ++l) names.push_back(graph.layer(static_cast<LayerId>(l)).name);
    std::string nearest;
    for (const std::string& name : NearestNames(example, names, 3)) nearest += (nearest.empty() ? "'" : ", '") + name + "'";
    spdlog::warn("{}: {} layer table entr{} name{} no layer of the model (e.g. '{}'; nearest layers: {}); ignored",
                 platform.path, unknown_names, unknown_names == 1 ? "y" : "ies", unknown_names == 1 ? "s" : "",
                 example, nearest);
  }
  for (size_t l = 0; l < graph.layer_count(); ++l) {
    const Layer& layer = graph.layer(static_cast<LayerId>(l));
    auto measured = platform.layer_table.find(layer.name);
    if (measured != platform.layer_table.end()) {
      costs[l] = {measured->second.latency_ms, measured->second.energy_mj, CostSource::kMeasured};
    } else if (platform.missing_layers == MissingLayers::kZero) {
      costs[l] = {0, 0, CostSource::kZero};
    } else {
      costs[l] = EstimateLayer(graph, static_cast<LayerId>(l), platform);
    }
  }
  return costs;
}

LayerCost UnfusedLayerCost(const LayerGraph& graph, LayerId layer, const PlatformProfile& platform) {
  auto measured = platform.layer_table.find(graph.layer(layer).name);
  if (measured != platform.layer_table.end() && measured->second.unfused_latency_ms) {
    return {*measured->second.unfused_latency_ms, measured->second.unfused_energy_mj, CostSource::kMeasured};
  }
  if (!platform.fuse_activations) return EstimateLayer(graph, layer, platform);
  PlatformProfile alone = platform;  // copied only for profiles that fuse activations
  alone.fuse_activations = false;
  return EstimateLayer(graph, layer, alone);
}

std::vector<std::vector<LayerId>> FusedGroupLayers(const LayerGraph& graph, const PlatformProfile& platform) {
  std::vector<std::vector<LayerId>> groups;
  int64_t unknown = 0;
  std::string example;
  for (const std::vector<std::string>& names : platform.fused_groups) {
    std::vector<LayerId> group;
    for (const std::string& name : names) {
      if (const auto layer = graph.FindLayer(name)) {
        group.push_back(*layer);
      } else if (unknown++ == 0) {
        example = name;
      }
    }
    std::sort(group.begin(), group.end(),
              [&graph](LayerId a, LayerId b) { return graph.topo_position(a) < graph.topo_position(b); });
    if (group.size() >= 2) groups.push_back(std::move(group));
  }
  if (unknown > 0) {
    std::vector<std::string> names;
    for (size_t l = 0; l < graph.layer_count(); ++l) names.push_back(graph.layer(static_cast<LayerId>(l)).name);
    std::string nearest;
    for (const std::string& name : NearestNames(example, names, 3)) nearest += (nearest.empty() ? "'" : ", '") + name + "'";
    spdlog::warn("{}: {} node name{} in layers.fused_groups name{} no layer of the model (e.g. '{}'; nearest layers: "
                 "{}); ignored",
                 platform.path, unknown, unknown == 1 ? "" : "s", unknown == 1 ? "s" : "", example, nearest);
  }
  return groups;
}

LayerCost BrokenFusionExtra(const std::vector<LayerId>& part, const std::vector<LayerCost>& charged,
                            const std::vector<LayerCost>& unfused) {
  double latency = 0, energy = 0;
  for (LayerId l : part) {
    latency += unfused[static_cast<size_t>(l)].latency_ms - charged[static_cast<size_t>(l)].latency_ms;
    energy += unfused[static_cast<size_t>(l)].energy_mj - charged[static_cast<size_t>(l)].energy_mj;
  }
  return {std::max(0.0, latency), std::max(0.0, energy), CostSource::kEstimated};
}

std::vector<OpTypeCount> UncostedOpTypes(const LayerGraph& graph, const std::vector<PlatformProfile>& platforms) {
  std::map<std::string, int64_t> counts;
  for (size_t l = 0; l < graph.layer_count(); ++l) {
    const Layer& layer = graph.layer(static_cast<LayerId>(l));
    if (layer.macs_modelled) continue;
    const bool measured_everywhere = std::all_of(platforms.begin(), platforms.end(), [&](const PlatformProfile& p) {
      return p.layer_table.count(layer.name) != 0;
    });
    if (!measured_everywhere) ++counts[layer.op_type];
  }
  std::vector<OpTypeCount> result;
  for (const auto& [op_type, layers] : counts) result.push_back({op_type, layers});
  return result;
}

int64_t PayloadBytes(const LayerGraph& graph, const std::vector<TensorId>& tensors, DType sender_type,
                     const LinkProfile& link) {
  const DType wire_type = link.transfer_data_type.value_or(sender_type);
  int64_t bytes = 0;
  for (TensorId t : tensors) {
    const Tensor& tensor = graph.tensor(t);
    bytes += ElementCount(tensor.shape) * BytesPerElementOn(tensor, wire_type);
  }
  return bytes;
}

Transfer TransferCost(const LinkProfile& link, int64_t payload_bytes) {
  Transfer transfer;
  transfer.payload_bytes = payload_bytes;
  if (payload_bytes == 0) return transfer;
  int64_t wire = std::max(payload_bytes, link.min_payload_bytes);
  if (link.payload_bytes_per_frame > 0) {
    const int64_t frames = (payload_bytes - 1) / link.payload_bytes_per_frame + 1;
    int64_t overhead = 0;
    if (__builtin_mul_overflow(frames, link.overhead_bytes_per_frame, &overhead) ||
        __builtin_add_overflow(wire, overhead, &wire)) {
      throw Error(link.path + ": link '" + link.name + "': the wire bytes of a " + std::to_string(payload_bytes) +
                  "-byte transfer (" + std::to_string(frames) +
                  " frames times framing.overhead_bytes_per_frame) overflow 64-bit integers");
    }
  }
  transfer.wire_bytes = wire;
  transfer.latency_ms = 1000.0 * static_cast<double>(wire) / link.bandwidth_bytes_per_s + link.propagation_delay_ms +
                        link.latency_ms;
  transfer.energy_mj = link.energy_from_power ? link.power_w * transfer.latency_ms
                                              : static_cast<double>(wire) * link.energy_per_byte_nj * 1e-6;
  return transfer;
}

int64_t PeakActivationBytes(const LayerGraph& graph, const std::vector<LayerId>& stage_layers,
                            const std::vector<TensorId>& incoming, const std::vector<TensorId>& outgoing,
                            DType platform_type) {
  const auto steps = static_cast<int64_t>(stage_layers.size());
  std::unordered_map<LayerId, int64_t> position;
  for (int64_t i = 0; i < steps; ++i) position.emplace(stage_layers[static_cast<size_t>(i)], i);
  std::vector<TensorId> kept = outgoing;
  std::sort(kept.begin(), kept.end());
  // Tensor alive from step `birth` to step `death` (inclusive): +bytes at
  // birth, -bytes after death.
  std::vector<int64_t> delta(static_cast<size_t>(steps) + 1, 0);
  auto live = [&](TensorId t, int64_t birth) {
    const Tensor& tensor = graph.tensor(t);
    int64_t death = birth;
    for (LayerId consumer : tensor.consumers) {
      auto it = position.find(consumer);
      if (it != position.end()) death = std::max(death, it->second);
    }
    if (std::binary_search(kept.begin(), kept.end(), t)) death = steps - 1;
    const int64_t bytes = ElementCount(tensor.shape) * BytesPerElementOn(tensor, platform_type);
    delta[static_cast<size_t>(std::max<int64_t>(birth, 0))] += bytes;
    delta[static_cast<size_t>(death) + 1] -= bytes;
  };
  for (TensorId t : incoming) live(t, 0);
  for (int64_t i = 0; i < steps; ++i) {
    for (TensorId t : graph.layer(stage_layers[static_cast<size_t>(i)]).outputs) live(t, i);
  }
  int64_t current = 0, peak = 0;
  for (int64_t i = 0; i < steps; ++i) {
    current += delta[static_cast<size_t>(i)];
    peak = std::max(peak, current);
  }
  return peak;
}

}  // namespace dnnpart
