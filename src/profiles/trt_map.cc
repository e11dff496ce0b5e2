// MapTrtProfile: TensorRT layers back to the nodes of the original ONNX model.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "dnnpart/error.h"
#include "dnnpart/trt_import.h"
#include "nearest_names.h"
#include "profiles/trace_share.h"

namespace dnnpart {
namespace {

constexpr size_t kHintedLayers = 5;  // nearest-name hints for the first unmatched layers only
constexpr size_t kHintedNameBytes = 1024;  // longer names get none (edit distance is quadratic)

// A name in a TensorRT layer name or Metadata: a node of the model, else a
// tensor of it (constants and weights are folded away and resolve to nothing).
std::optional<LayerId> ResolveNode(const LayerGraph& graph, const std::string& name) {
  if (auto l = graph.FindLayer(name)) return *l;
  if (auto t = graph.FindTensor(name)) {
    const LayerId l = ConvertedLayer(graph, *t);
    if (l != kNoLayer) return l;
  }
  return std::nullopt;
}

// The layer charged for the first of `tensors` that is a tensor of the model.
LayerId ConvertedByTensors(const LayerGraph& graph, const std::vector<const std::vector<std::string>*>& lists) {
  for (const auto* names : lists) {
    for (const std::string& name : *names) {
      if (auto t = graph.FindTensor(name)) {
        const LayerId l = ConvertedLayer(graph, *t);
        if (l != kNoLayer) return l;
      }
    }
  }
  return kNoLayer;
}

struct Pending {
  TrtNameParts parts;
  const TrtEngineLayer* info = nullptr;
  std::set<LayerId> nodes;
  std::vector<std::string> unresolved;
  bool conversion = false;
};

// The nodes of an ONNX-file-order range [first, last] that no named part of
// another layer claimed (TensorRT's parser reads nodes in file order).
// `by_index` holds the layers sorted by onnx_node_index.
void AddRange(const LayerGraph& graph, LayerId first, LayerId last, const std::vector<LayerId>& by_index,
              const std::vector<bool>& named, std::set<LayerId>& nodes) {
  int32_t lo = graph.layer(first).onnx_node_index, hi = graph.layer(last).onnx_node_index;
  if (lo > hi) std::swap(lo, hi);
  auto index_of = [&](LayerId l) { return graph.layer(l).onnx_node_index; };
  auto begin = std::lower_bound(by_index.begin(), by_index.end(), lo,
                                [&](LayerId l, int32_t index) { return index_of(l) < index; });
  for (auto it = begin; it != by_index.end() && index_of(*it) <= hi; ++it) {
    if (!named[static_cast<size_t>(*it)]) nodes.insert(*it);
  }
}

void ResolveNames(const LayerGraph& graph, const std::string& name, Pending& p, int64_t& from_metadata) {
  if (p.info != nullptr && !p.info->onnx_nodes.empty()) {
    for (const std::string& node : p.info->onnx_nodes) {
      if (auto l = ResolveNode(graph, node)) p.nodes.insert(*l);
    }
    if (!p.nodes.empty()) {
      ++from_metadata;
      p.parts.ranges.clear();  // Metadata lists a ForeignNode's nodes one by one
      return;
    }
  }
  if (auto l = graph.FindLayer(name)) {
    p.nodes.insert(*l);
    p.parts.ranges.clear();
    return;
  }
  for (const std::string& part : p.parts.names) {
    if (auto l = ResolveNode(graph, part)) {
      p.nodes.insert(*l);
    } else {
      p.unresolved.push_back(part);
    }
  }
}

// A range whose ends are not nodes (a weight, a folded constant): the nodes
// between the layer's input and output tensors, as the ORT import walks a
// fused kernel. Only when every input is a tensor of the model, so the walk
// cannot run past the region.
bool WalkBetweenTensors(const LayerGraph& graph, const TrtEngineLayer& info, const std::vector<bool>& named,
                        std::set<LayerId>& nodes) {
  std::set<TensorId> inputs, outputs;
  for (const std::string& name : info.inputs) {
    const auto t = graph.FindTensor(name);
    if (!t) return false;
    inputs.insert(*t);
  }
  for (const std::string& name : info.outputs) {
    if (auto t = graph.FindTensor(name)) outputs.insert(*t);
  }
  if (outputs.empty()) return false;
  std::vector<int> owner(graph.layer_count(), -1);
  for (size_t l = 0; l < owner.size(); ++l) owner[l] = named[l] ? 0 : -1;
  for (LayerId l : ClaimGroup(graph, inputs, outputs, 1, owner)) nodes.insert(l);
  return true;
}

void ResolveRanges(const LayerGraph& graph, const std::vector<LayerId>& by_index, const std::vector<bool>& named,
                   Pending& p) {
  for (const auto& [first_name, last_name] : p.parts.ranges) {
    const auto first = ResolveNode(graph, first_name);
    const auto last = ResolveNode(graph, last_name);
    if (first && last) {
      AddRange(graph, *first, *last, by_index, named, p.nodes);
    } else if (p.info == nullptr || !WalkBetweenTensors(graph, *p.info, named, p.nodes)) {
      if (!first) p.unresolved.push_back(first_name);
      if (!last) p.unresolved.push_back(last_name);
    }
  }
}

// A reformat layer: the node producing the tensor it converts (its own tensors
// first, then the target layer's tensor it names), else the target's group.
LayerId ResolveConversion(const LayerGraph& graph, const Pending& p, const std::map<std::string, size_t>& by_name,
                          const std::vector<Pending>& all, const std::map<std::string, const TrtEngineLayer*>& infos) {
  if (p.info != nullptr) {
    const LayerId l = ConvertedByTensors(graph, {&p.info->inputs, &p.info->outputs});
    if (l != kNoLayer) return l;
  }
  const bool output = p.parts.reformat == TrtNameParts::Reformat::kOutput;
  auto target_info = infos.find(p.parts.reformat_target);
  if (target_info != infos.end()) {
    const auto& tensors = output ? target_info->second->outputs : target_info->second->inputs;
    const auto k = static_cast<size_t>(p.parts.reformat_index);
    if (k < tensors.size()) {
      const std::vector<std::string> tensor{tensors[k]};
      const LayerId l = ConvertedByTensors(graph, {&tensor});
      if (l != kNoLayer) return l;
    }
  }
  auto target = by_name.find(p.parts.reformat_target);
  if (target == by_name.end() || all[target->second].nodes.empty()) return kNoLayer;
  const std::set<LayerId>& group = all[target->second].nodes;
  auto by_topo = [&](LayerId a, LayerId b) { return graph.topo_position(a) < graph.topo_position(b); };
  return output ? *std::max_element(group.begin(), group.end(), by_topo)
                : *std::min_element(group.begin(), group.end(), by_topo);
}

std::vector<std::string> Precisions(const TrtLayerInfo& info) {
  static const std::vector<std::pair<std::string, std::string>> kTokens = {
      {"FP32", "float32"}, {"Float", "float32"}, {"FP16", "float16"}, {"Half", "float16"},
      {"BF16", "bfloat16"}, {"BFloat16", "bfloat16"}, {"Int8", "int8"}, {"INT8", "int8"},
      {"FP8", "float8"}, {"Int32", "int32"}, {"INT32", "int32"}};
  std::set<std::string> seen;
  for (const TrtEngineLayer& layer : info.layers) {
    for (const std::string& format : layer.formats) {
      for (const auto& [token, type] : kTokens) {
        if (format.find(token) != std::string::npos) seen.insert(type);
      }
    }
  }
  return {seen.begin(), seen.end()};
}

}  // namespace

TrtMapping MapTrtProfile(const LayerGraph& graph, const TrtProfile& profile, const TrtLayerInfo& info,
                         bool use_median) {
  TrtMapping result;
  TraceMapping& m = result.mapping;
  m.layer_latency_ms.assign(graph.layer_count(), 0.0);
  m.layer_kernel.assign(graph.layer_count(), -1);
  std::map<std::string, const TrtEngineLayer*> infos;
  for (const TrtEngineLayer& layer : info.layers) infos.emplace(layer.name, &layer);
  std::map<std::string, size_t> by_name;
  std::vector<Pending> pending(profile.layers.size());
  std::vector<bool> named(graph.layer_count(), false);
  for (size_t i = 0; i < profile.layers.size(); ++i) {
    const TrtProfileLayer& layer = profile.layers[i];
    by_name.emplace(layer.name, i);
    Pending& p = pending[i];
    auto found = infos.find(layer.name);
    if (found != infos.end()) p.info = found->second, ++result.profile_layers_in_info;
    p.parts = ParseTrtLayerName(layer.name);
    p.conversion = p.parts.reformat != TrtNameParts::Reformat::kNone || (p.info && p.info->layer_type == "Reformat");
    const double ms = use_median && layer.median_ms ? *layer.median_ms : layer.average_ms;
    m.kernels.push_back({layer.name, p.info ? p.info->layer_type : "", ms, {}, kNoLayer});
    result.total_ms += ms;
    if (p.conversion) continue;
    ResolveNames(graph, layer.name, p, result.from_metadata);
    for (LayerId l : p.nodes) named[static_cast<size_t>(l)] = true;
  }
  if (result.profile_layers_in_info == 0) {
    throw Error(info.path + ": none of the " + std::to_string(profile.layers.size()) + " layers of " + profile.path +
                " is in this layer-information file; were both exported from the same engine?");
  }
  std::vector<LayerId> by_index(graph.layer_count());
  for (size_t l = 0; l < by_index.size(); ++l) by_index[l] = static_cast<LayerId>(l);
  std::stable_sort(by_index.begin(), by_index.end(), [&](LayerId a, LayerId b) {
    return graph.layer(a).onnx_node_index < graph.layer(b).onnx_node_index;
  });
  for (Pending& p : pending) {
    if (!p.conversion) ResolveRanges(graph, by_index, named, p);
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    Pending& p = pending[i];
    KernelAssignment& kernel = m.kernels[i];
    kernel.layers.assign(p.nodes.begin(), p.nodes.end());
    if (p.conversion) {
      kernel.converts_for = ResolveConversion(graph, p, by_name, pending, infos);
    } else if (kernel.layers.empty() && p.info != nullptr) {
      // A layer TensorRT added ("reshape_after_X", an unnamed Shuffle): charged
      // like a conversion, to the node producing the tensor it works on.
      kernel.converts_for = ConvertedByTensors(graph, {&p.info->outputs, &p.info->inputs});
    }
  }
  std::vector<std::string> all_names;
  for (size_t l = 0; l < graph.layer_count(); ++l) all_names.push_back(graph.layer(static_cast<LayerId>(l)).name);
  for (size_t i = 0; i < m.kernels.size(); ++i) {
    const KernelAssignment& kernel = m.kernels[i];
    if (!kernel.layers.empty()) {
      ShareKernelTime(graph, kernel.layers, kernel.median_ms, m.layer_latency_ms);
      for (LayerId l : kernel.layers) {
        if (m.layer_kernel[static_cast<size_t>(l)] == -1) m.layer_kernel[static_cast<size_t>(l)] = static_cast<int>(i);
      }
      m.mapped_ms += kernel.median_ms;
    } else if (kernel.converts_for != kNoLayer) {
      m.layer_latency_ms[static_cast<size_t>(kernel.converts_for)] += kernel.median_ms;
      m.mapped_ms += kernel.median_ms;
      ++result.conversions;
    } else {
      m.unmatched_kernels.push_back(kernel.kernel);
      m.unmatched_ms += kernel.median_ms;
      std::string hint;
      // Hints for a name that should have been a node; none for TensorRT's own
      // unnamed layers.
      if (result.unmatched_hints.size() < kHintedLayers && !pending[i].unresolved.empty() &&
          pending[i].unresolved.front().size() <= kHintedNameBytes) {
        for (const std::string& name : NearestNames(pending[i].unresolved.front(), all_names, 3)) {
          hint += (hint.empty() ? "" : ", ") + name;
        }
      }
      result.unmatched_hints.push_back(hint);
    }
  }
  for (int owner : m.layer_kernel) m.matched_layers += owner != -1 ? 1 : 0;
  m.coverage = result.total_ms > 0 ? m.mapped_ms / result.total_ms : (m.unmatched_kernels.empty() ? 1.0 : 0.0);
  result.precisions = Precisions(info);
  return result;
}

}  // namespace dnnpart
