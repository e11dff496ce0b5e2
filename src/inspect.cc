#include <algorithm>
#include <set>

#include "dnnpart/report.h"

namespace dnnpart {

InspectReport MakeInspectReport(const Model& model) {
  const LayerGraph& graph = model.graph();
  InspectReport report;
  report.model = model.info();
  std::set<std::string> unmodelled;
  for (LayerId id : graph.topological_order()) {
    const Layer& layer = graph.layer(id);
    LayerRow row;
    row.id = id;
    row.name = layer.name;
    row.op_type = layer.op_type;
    if (!layer.outputs.empty()) {
      const Tensor& first = graph.tensor(layer.outputs.front());
      row.output_shape = first.shape;
      row.dtype = first.dtype;
    }
    for (TensorId output : layer.outputs) {
      const Tensor& tensor = graph.tensor(output);
      row.activation_bytes += tensor.bytes;
      row.outputs.push_back({tensor.name, tensor.shape, tensor.dtype, tensor.bytes, tensor.bounded});
    }
    row.param_count = layer.param_count;
    row.param_bytes = layer.param_bytes;
    row.macs = layer.macs;
    row.macs_modelled = layer.macs_modelled;
    if (!layer.macs_modelled) unmodelled.insert(layer.op_type);
    report.total_param_count += row.param_count;
    report.total_param_bytes += row.param_bytes;
    report.total_macs += row.macs;
    report.total_activation_bytes += row.activation_bytes;
    report.layers.push_back(std::move(row));
  }
  report.unmodelled_ops.assign(unmodelled.begin(), unmodelled.end());
  return report;
}

CutsReport MakeCutsReport(const Model& model, const std::vector<Cut>& cuts, int max_cut_tensors) {
  const LayerGraph& graph = model.graph();
  const auto& order = graph.topological_order();
  // Prefix sums of MACs over the topological order make each cut O(extra layers).
  std::vector<int64_t> prefix_macs(order.size() + 1, 0);
  for (size_t i = 0; i < order.size(); ++i) prefix_macs[i + 1] = prefix_macs[i] + graph.layer(order[i]).macs;
  CutsReport report;
  report.model = model.info();
  report.max_cut_tensors = max_cut_tensors;
  report.layer_count = static_cast<int64_t>(graph.layer_count());
  report.total_macs = prefix_macs.back();
  for (size_t i = 0; i < cuts.size(); ++i) {
    const Cut& cut = cuts[i];
    CutRow row;
    row.id = static_cast<int64_t>(i);
    row.head_layers = static_cast<int64_t>(cut.head_size());
    row.head_macs = prefix_macs[static_cast<size_t>(cut.prefix_layers)];
    for (LayerId extra : cut.extra_layers) row.head_macs += graph.layer(extra).macs;
    row.tail_macs = report.total_macs - row.head_macs;
    const LayerId last = cut.extra_layers.empty() ? order[static_cast<size_t>(cut.prefix_layers) - 1]
                                                  : cut.extra_layers.back();
    row.last_head_layer = graph.layer(last).name;
    for (TensorId t : cut.crossing) {
      const Tensor& tensor = graph.tensor(t);
      row.tensors.push_back({tensor.name, tensor.shape, tensor.dtype, tensor.bytes, tensor.bounded});
    }
    row.total_bytes = cut.crossing_bytes;
    report.cuts.push_back(std::move(row));
  }
  return report;
}

}  // namespace dnnpart
