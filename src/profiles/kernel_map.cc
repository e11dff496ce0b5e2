// Mapping ORT kernels back to the layers of the original model (MapTrace).
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "dnnpart/ort_import.h"
#include "profiles/trace_share.h"

namespace dnnpart {
namespace {

bool StripSuffix(std::string& name, const std::string& suffix) {
  if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return false;
  }
  name.resize(name.size() - suffix.size());
  return true;
}

// "..._token_12" → "...": the suffix ORT's GenerateNodeArgName adds on clashes.
bool StripToken(std::string& name) {
  const size_t at = name.rfind("_token_");
  if (at == std::string::npos || at + 7 == name.size()) return false;
  if (name.find_first_not_of("0123456789", at + 7) != std::string::npos) return false;
  name.resize(at);
  return true;
}

// The original tensor an optimised-model value name stands for, if any.
std::optional<TensorId> ResolveTensor(const LayerGraph& graph, std::string name) {
  for (int step = 0; step < 4 && !name.empty(); ++step) {
    if (auto id = graph.FindTensor(name)) return id;
    if (!StripSuffix(name, "_nchwc") && !StripToken(name)) return std::nullopt;
  }
  return std::nullopt;
}

// The first output of the original layer `name` names, or of the layer named
// by the part of `name` before a "/...Fusion" suffix ORT appends.
std::optional<TensorId> OutputOfLayerNamed(const LayerGraph& graph, std::string name) {
  for (int step = 0; step < 2; ++step) {
    if (auto l = graph.FindLayer(name)) {
      if (!graph.layer(*l).outputs.empty()) return graph.layer(*l).outputs.front();
    }
    const size_t fusion = name.rfind("Fusion");
    if (fusion == std::string::npos) return std::nullopt;
    const size_t slash = name.rfind('/', fusion);
    if (slash == std::string::npos || slash == 0) return std::nullopt;
    name.resize(slash);
  }
  return std::nullopt;
}

bool IsConversionOp(const std::string& op_type) {
  return op_type == "ReorderInput" || op_type == "ReorderOutput";
}

// Median over runs of the time of the kernels flagged in `matched` over the
// run's duration: the share of each run a mapping explains.
double RunCoverage(const OrtTrace& trace, const std::vector<bool>& matched) {
  std::vector<double> shares;
  for (size_t run = 0; run < trace.run_ms.size(); ++run) {
    double matched_ms = 0;
    for (size_t k = 0; k < trace.kernels.size(); ++k) matched_ms += matched[k] ? trace.kernels[k].run_ms[run] : 0.0;
    if (trace.run_ms[run] > 0) shares.push_back(matched_ms / trace.run_ms[run]);
  }
  if (shares.empty()) return 0;
  std::sort(shares.begin(), shares.end());
  const size_t mid = shares.size() / 2;
  return shares.size() % 2 ? shares[mid] : (shares[mid - 1] + shares[mid]) / 2;
}

}  // namespace

// Claims for kernel `k` the unclaimed layers from the producers of `outputs`
// back to (not including) the producers of `inputs`.
std::vector<LayerId> ClaimGroup(const LayerGraph& graph, const std::set<TensorId>& inputs,
                                const std::set<TensorId>& outputs, int k, std::vector<int>& owner) {
  std::vector<LayerId> group;
  std::vector<LayerId> stack;
  for (TensorId t : outputs) {
    if (graph.tensor(t).producer != kNoLayer) stack.push_back(graph.tensor(t).producer);
  }
  while (!stack.empty()) {
    const LayerId l = stack.back();
    stack.pop_back();
    if (owner[static_cast<size_t>(l)] != -1) continue;
    owner[static_cast<size_t>(l)] = k;
    group.push_back(l);
    for (TensorId t : graph.layer(l).inputs) {
      const Tensor& tensor = graph.tensor(t);
      if (inputs.count(t) != 0 || tensor.producer == kNoLayer) continue;
      stack.push_back(tensor.producer);
    }
  }
  std::sort(group.begin(), group.end());
  return group;
}

LayerId ConvertedLayer(const LayerGraph& graph, TensorId t) {
  const Tensor& tensor = graph.tensor(t);
  if (tensor.producer != kNoLayer) return tensor.producer;
  return tensor.consumers.empty() ? kNoLayer : tensor.consumers.front();
}

void ShareKernelTime(const LayerGraph& graph, const std::vector<LayerId>& layers, double ms,
                     std::vector<double>& latency_ms) {
  double total_macs = 0;
  for (LayerId l : layers) total_macs += static_cast<double>(graph.layer(l).macs);
  for (LayerId l : layers) {
    const double share = total_macs > 0 ? static_cast<double>(graph.layer(l).macs) / total_macs
                                        : 1.0 / static_cast<double>(layers.size());
    latency_ms[static_cast<size_t>(l)] += ms * share;
  }
}

TraceMapping MapTrace(const LayerGraph& graph, const OrtTrace& trace, const std::vector<KernelNode>& nodes) {
  TraceMapping mapping;
  mapping.layer_latency_ms.assign(graph.layer_count(), 0.0);
  mapping.layer_kernel.assign(graph.layer_count(), -1);
  std::map<std::string, size_t> trace_index;
  for (size_t i = 0; i < trace.kernels.size(); ++i) {
    trace_index.emplace(trace.kernels[i].name, i);
    const TraceKernel& k = trace.kernels[i];
    mapping.kernels.push_back({k.name, k.op_type, k.median_ms, {}, kNoLayer});
  }
  // Optimised-model values renamed by ORT ("reorder_token_3"), by the
  // original tensor they hold.
  std::map<std::string, TensorId> alias;
  auto resolve = [&](const std::string& name) -> std::optional<TensorId> {
    if (auto t = ResolveTensor(graph, name)) return t;
    auto it = alias.find(name);
    return it != alias.end() ? std::optional<TensorId>(it->second) : std::nullopt;
  };
  // The optimised model lists nodes in topological order: earlier kernels
  // claim their layers first, so a walk never runs past them.
  for (const KernelNode& node : nodes) {
    std::set<TensorId> inputs, outputs;
    for (const std::string& name : node.inputs) {
      if (auto t = resolve(name)) inputs.insert(*t);
    }
    for (const std::string& name : node.outputs) {
      if (auto t = resolve(name)) outputs.insert(*t);
    }
    // NCHWc kernels are named after the original tensor they compute
    // ("<tensor>_nchwc") while their output is renamed.
    // Other rewritten nodes keep an original node name ("/features.3/Concat"),
    // maybe with the fusion that made them ("/block/Mul/QuickGeluFusion/").
    if (outputs.empty() && node.outputs.size() == 1 && !IsConversionOp(node.op_type)) {
      std::optional<TensorId> t = ResolveTensor(graph, node.name);
      if (!t) t = OutputOfLayerNamed(graph, node.name);
      if (t) {
        alias.emplace(node.outputs.front(), *t);
        outputs.insert(*t);
      }
    }
    auto found = trace_index.find(node.name);
    if (found == trace_index.end()) continue;
    KernelAssignment& kernel = mapping.kernels[found->second];
    const bool conversion = IsConversionOp(node.op_type) ||
                            (!outputs.empty() && std::includes(inputs.begin(), inputs.end(), outputs.begin(), outputs.end()));
    if (conversion) {
      const std::set<TensorId>& converted = outputs.empty() ? inputs : outputs;
      if (!converted.empty()) kernel.converts_for = ConvertedLayer(graph, *converted.begin());
      continue;
    }
    kernel.layers = ClaimGroup(graph, inputs, outputs, static_cast<int>(found->second), mapping.layer_kernel);
  }
  for (const KernelAssignment& kernel : mapping.kernels) {
    if (!kernel.layers.empty()) {
      ShareKernelTime(graph, kernel.layers, kernel.median_ms, mapping.layer_latency_ms);
      mapping.mapped_ms += kernel.median_ms;
    } else if (kernel.converts_for != kNoLayer) {
      mapping.layer_latency_ms[static_cast<size_t>(kernel.converts_for)] += kernel.median_ms;
      mapping.mapped_ms += kernel.median_ms;
    } else {
      mapping.unmatched_kernels.push_back(kernel.kernel);
      mapping.unmatched_ms += kernel.median_ms;
    }
  }
  for (int owner : mapping.layer_kernel) mapping.matched_layers += owner != -1 ? 1 : 0;
  std::vector<bool> matched;
  for (const KernelAssignment& kernel : mapping.kernels) {
    matched.push_back(!kernel.layers.empty() || kernel.converts_for != kNoLayer);
  }
  mapping.coverage = RunCoverage(trace, matched);
  return mapping;
}

UnfusedMapping MapUnfusedTrace(const LayerGraph& graph, const OrtTrace& trace, const TraceMapping& fused) {
  UnfusedMapping unfused;
  unfused.latency_ms.assign(graph.layer_count(), std::nullopt);
  unfused.kernels = static_cast<int64_t>(trace.kernels.size());
  unfused.runs = trace.runs;
  unfused.run_median_ms = trace.run_median_ms;
  std::vector<size_t> group_size(fused.kernels.size(), 0);
  for (const int kernel : fused.layer_kernel) {
    if (kernel != -1) ++group_size[static_cast<size_t>(kernel)];
  }
  auto in_group = [&](LayerId l) {
    const int kernel = fused.layer_kernel[static_cast<size_t>(l)];
    return kernel != -1 && group_size[static_cast<size_t>(kernel)] >= 2;
  };
  for (size_t l = 0; l < graph.layer_count(); ++l) unfused.group_layers += in_group(static_cast<LayerId>(l)) ? 1 : 0;
  std::vector<bool> matched(trace.kernels.size(), false);
  for (size_t k = 0; k < trace.kernels.size(); ++k) {
    const TraceKernel& kernel = trace.kernels[k];
    const std::optional<LayerId> layer = graph.FindLayer(kernel.name);
    if (!layer) {
      unfused.unmatched_kernels.push_back(kernel.name);
      unfused.unmatched_ms += kernel.median_ms;
      continue;
    }
    matched[k] = true;
    unfused.matched_ms += kernel.median_ms;
    if (!in_group(*layer)) continue;
    unfused.latency_ms[static_cast<size_t>(*layer)] = kernel.median_ms;
    ++unfused.measured_layers;
  }
  for (LayerId l : graph.topological_order()) {
    if (in_group(l) && !unfused.latency_ms[static_cast<size_t>(l)]) unfused.unmeasured_layers.push_back(l);
  }
  unfused.coverage = RunCoverage(trace, matched);
  return unfused;
}

}  // namespace dnnpart
