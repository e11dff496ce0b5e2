#include "dnnpart/graph.h"

#include <algorithm>

#include "dnnpart/error.h"
#include "graph_impl.h"
#include "topological_order.h"

namespace dnnpart {

LayerGraph::LayerGraph(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

size_t LayerGraph::layer_count() const { return impl_->layers.size(); }
size_t LayerGraph::tensor_count() const { return impl_->tensors.size(); }
const Layer& LayerGraph::layer(LayerId id) const { return impl_->layers.at(static_cast<size_t>(id)); }
const Tensor& LayerGraph::tensor(TensorId id) const { return impl_->tensors.at(static_cast<size_t>(id)); }
const std::vector<LayerId>& LayerGraph::topological_order() const { return impl_->topo_order; }
int32_t LayerGraph::topo_position(LayerId id) const {
  return impl_->topo_position.at(static_cast<size_t>(id));
}
const std::vector<TensorId>& LayerGraph::graph_inputs() const { return impl_->graph_inputs; }
const std::vector<TensorId>& LayerGraph::graph_outputs() const { return impl_->graph_outputs; }
const std::vector<LayerId>& LayerGraph::predecessors(LayerId id) const {
  return impl_->predecessors.at(static_cast<size_t>(id));
}
const std::vector<LayerId>& LayerGraph::successors(LayerId id) const {
  return impl_->successors.at(static_cast<size_t>(id));
}

std::optional<LayerId> LayerGraph::FindLayer(std::string_view name) const {
  const int32_t id = impl_->layer_by_name.Find(name);
  if (id < 0) return std::nullopt;
  return id;
}

std::optional<TensorId> LayerGraph::FindTensor(std::string_view name) const {
  const int32_t id = impl_->tensor_by_name.Find(name);
  if (id < 0) return std::nullopt;
  return id;
}

LayerGraph::Builder::Builder() : impl_(std::make_unique<Impl>()) {}
LayerGraph::Builder::~Builder() = default;
LayerGraph::Builder::Builder(Builder&&) noexcept = default;
LayerGraph::Builder& LayerGraph::Builder::operator=(Builder&&) noexcept = default;

void LayerGraph::Builder::Reserve(size_t layers, size_t tensors) {
  impl_->layers.reserve(layers);
  impl_->tensors.reserve(tensors);
}

TensorId LayerGraph::Builder::AddTensor(std::string name, DType dtype, Shape shape, bool bounded) {
  const auto id = static_cast<TensorId>(impl_->tensors.size());
  Tensor tensor;
  tensor.bytes = ElementCount(shape) * DTypeBytes(dtype);
  tensor.name = std::move(name);
  tensor.dtype = dtype;
  tensor.shape = std::move(shape);
  tensor.bounded = bounded;
  impl_->tensors.push_back(std::move(tensor));
  return id;
}

namespace {

void CheckTensorId(const std::vector<Tensor>& tensors, TensorId id, const std::string& layer) {
  if (id < 0 || static_cast<size_t>(id) >= tensors.size()) {
    throw Error("layer '" + layer + "' refers to an unknown tensor id " + std::to_string(id));
  }
}

}  // namespace

LayerId LayerGraph::Builder::AddLayer(Layer layer) {
  const auto id = static_cast<LayerId>(impl_->layers.size());
  for (TensorId input : layer.inputs) CheckTensorId(impl_->tensors, input, layer.name);
  for (TensorId output : layer.outputs) {
    CheckTensorId(impl_->tensors, output, layer.name);
    Tensor& tensor = impl_->tensors[static_cast<size_t>(output)];
    if (tensor.producer != kNoLayer) {
      throw Error("tensor '" + tensor.name + "' is produced by both '" +
                  impl_->layers[static_cast<size_t>(tensor.producer)].name + "' and '" + layer.name + "'");
    }
    tensor.producer = id;
  }
  impl_->layers.push_back(std::move(layer));
  return id;
}

void LayerGraph::Builder::MarkGraphInput(TensorId id) {
  CheckTensorId(impl_->tensors, id, "<graph input>");
  Tensor& tensor = impl_->tensors[static_cast<size_t>(id)];
  if (!tensor.is_graph_input) impl_->graph_inputs.push_back(id);
  tensor.is_graph_input = true;
}

void LayerGraph::Builder::MarkGraphOutput(TensorId id) {
  CheckTensorId(impl_->tensors, id, "<graph output>");
  Tensor& tensor = impl_->tensors[static_cast<size_t>(id)];
  if (!tensor.is_graph_output) impl_->graph_outputs.push_back(id);
  tensor.is_graph_output = true;
}

namespace {

// Name lookups and the uniqueness of names, checked once the graph is complete.
void IndexNames(LayerGraph::Impl& g) {
  g.tensor_by_name.Reserve(g.tensors.size());
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (!g.tensor_by_name.Emplace(g.tensors[t].name, static_cast<TensorId>(t)).second) {
      throw Error("tensor '" + g.tensors[t].name + "' is defined twice");
    }
  }
  g.layer_by_name.Reserve(g.layers.size());
  for (size_t l = 0; l < g.layers.size(); ++l) {
    if (!g.layer_by_name.Emplace(g.layers[l].name, static_cast<LayerId>(l)).second) {
      throw Error("node name '" + g.layers[l].name + "' is used twice");
    }
  }
}

void ConnectEdges(LayerGraph::Impl& g) {
  for (size_t l = 0; l < g.layers.size(); ++l) boost::add_vertex(g.dag);
  for (size_t l = 0; l < g.layers.size(); ++l) {
    const Layer& layer = g.layers[l];
    if (layer.inputs.empty()) {
      throw Error("node '" + layer.name + "' (" + layer.op_type + ") has no activation input");
    }
    for (TensorId input : layer.inputs) {
      Tensor& tensor = g.tensors[static_cast<size_t>(input)];
      if (tensor.producer == kNoLayer && !tensor.is_graph_input) {
        throw Error("node '" + layer.name + "' reads tensor '" + tensor.name +
                    "', which no node produces and which is not a graph input or initializer");
      }
      tensor.consumers.push_back(static_cast<LayerId>(l));
      if (tensor.producer != kNoLayer) {
        boost::add_edge(static_cast<size_t>(tensor.producer), l, EdgeData{input}, g.dag);
      }
    }
  }
  for (Tensor& tensor : g.tensors) {
    std::sort(tensor.consumers.begin(), tensor.consumers.end());
    tensor.consumers.erase(std::unique(tensor.consumers.begin(), tensor.consumers.end()),
                           tensor.consumers.end());
  }
}

void CacheNeighbours(LayerGraph::Impl& g) {
  const size_t n = g.layers.size();
  g.predecessors.assign(n, {});
  g.successors.assign(n, {});
  for (auto [it, end] = boost::edges(g.dag); it != end; ++it) {
    const auto from = static_cast<LayerId>(boost::source(*it, g.dag));
    const auto to = static_cast<LayerId>(boost::target(*it, g.dag));
    g.successors[static_cast<size_t>(from)].push_back(to);
    g.predecessors[static_cast<size_t>(to)].push_back(from);
  }
  for (size_t l = 0; l < n; ++l) {
    for (auto* list : {&g.predecessors[l], &g.successors[l]}) {
      std::sort(list->begin(), list->end());
      list->erase(std::unique(list->begin(), list->end()), list->end());
    }
  }
}

// Returns a layer on a cycle among the layers Kahn's algorithm could not place.
LayerId LayerOnCycle(const LayerGraph::Impl& g, const std::vector<int32_t>& pending_inputs) {
  LayerId current = kNoLayer;
  for (size_t l = 0; l < pending_inputs.size(); ++l) {
    if (pending_inputs[l] > 0) {
      current = static_cast<LayerId>(l);
      break;
    }
  }
  // Walking to an unplaced predecessor forever must revisit a layer: that one is on a cycle.
  std::vector<bool> seen(g.layers.size(), false);
  while (!seen[static_cast<size_t>(current)]) {
    seen[static_cast<size_t>(current)] = true;
    for (LayerId pred : g.predecessors[static_cast<size_t>(current)]) {
      if (pending_inputs[static_cast<size_t>(pred)] > 0) {
        current = pred;
        break;
      }
    }
  }
  return current;
}

void SortTopologically(LayerGraph::Impl& g) {
  const size_t n = g.layers.size();
  std::vector<int32_t> pending(n, 0);
  for (size_t l = 0; l < n; ++l) pending[l] = static_cast<int32_t>(g.predecessors[l].size());
  g.topo_order = StableTopologicalOrder(g.successors, pending);
  if (g.topo_order.size() != n) {
    const LayerId on_cycle = LayerOnCycle(g, pending);
    throw Error("the graph has a cycle through node '" + g.layers[static_cast<size_t>(on_cycle)].name + "'");
  }
  g.topo_position.assign(n, 0);
  for (size_t i = 0; i < n; ++i) g.topo_position[static_cast<size_t>(g.topo_order[i])] = static_cast<int32_t>(i);
}

}  // namespace

LayerGraph LayerGraph::Builder::Build() && {
  IndexNames(*impl_);
  ConnectEdges(*impl_);
  CacheNeighbours(*impl_);
  SortTopologically(*impl_);
  return LayerGraph(std::shared_ptr<const Impl>(std::move(impl_)));
}

}  // namespace dnnpart
