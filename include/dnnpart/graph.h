// LayerGraph — the layer DAG of a model, in domain terms.
//
// Layers are the compute nodes that survive loading (constant and
// shape-computing nodes are folded away); tensors are the activations that flow
// between them, plus graph inputs. Ids are dense integers starting at 0, in the
// order the loader added them (the ONNX node order). A LayerGraph is built once
// through LayerGraph::Builder, checked for cycles, then frozen: it is immutable,
// cheap to copy (shared), and safe to read from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dnnpart/dtype.h"

namespace dnnpart {

using LayerId = int32_t;
using TensorId = int32_t;
inline constexpr LayerId kNoLayer = -1;

struct Tensor {
  std::string name;  // the original ONNX value name
  DType dtype = DType::kUnknown;
  Shape shape;
  int64_t bytes = 0;                // ElementCount(shape) * DTypeBytes(dtype)
  LayerId producer = kNoLayer;      // kNoLayer for graph inputs
  std::vector<LayerId> consumers;   // distinct, ascending; filled by Build()
  bool is_graph_input = false;
  bool is_graph_output = false;
  // The size depends on the data (NonZero, NonMaxSuppression, ...): `shape`
  // and `bytes` are the upper bound the operator gives (docs/loading.md).
  bool bounded = false;
};

struct Layer {
  std::string name;     // the original ONNX node name (made unique by the loader)
  std::string op_type;  // e.g. "Conv"
  std::vector<TensorId> inputs;   // activation inputs in node order (no constants)
  std::vector<TensorId> outputs;  // activation outputs in node order
  int64_t macs = 0;               // multiply-accumulates (see docs/costs.md)
  bool macs_modelled = false;     // false: the op has no MAC model and counts 0
  bool depthwise = false;         // a grouped Conv with one input channel per group
  int64_t param_count = 0;        // elements of constant inputs (weights, biases, ...)
  int64_t param_bytes = 0;
  int32_t onnx_node_index = -1;   // position in the ONNX graph's node list
};

class LayerGraph {
 public:
  class Builder;
  struct Impl;  // opaque; defined inside the graph module

  size_t layer_count() const;
  size_t tensor_count() const;
  const Layer& layer(LayerId id) const;
  const Tensor& tensor(TensorId id) const;

  // All layers, each after all of its predecessors; ties go to the lower id, so a
  // model whose nodes are already sorted keeps its file order.
  const std::vector<LayerId>& topological_order() const;
  // Position of `id` in topological_order().
  int32_t topo_position(LayerId id) const;

  const std::vector<TensorId>& graph_inputs() const;
  const std::vector<TensorId>& graph_outputs() const;

  // Distinct neighbouring layers, ascending by id.
  const std::vector<LayerId>& predecessors(LayerId id) const;
  const std::vector<LayerId>& successors(LayerId id) const;

  std::optional<LayerId> FindLayer(std::string_view name) const;
  std::optional<TensorId> FindTensor(std::string_view name) const;

 private:
  explicit LayerGraph(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

// Collects tensors and layers, then freezes them into a LayerGraph.
class LayerGraph::Builder {
 public:
  Builder();
  ~Builder();
  Builder(Builder&&) noexcept;
  Builder& operator=(Builder&&) noexcept;

  // Makes room for this many layers and tensors (an optimisation only).
  void Reserve(size_t layers, size_t tensors);
  // Adds a tensor; Build() throws Error if the name is used twice.
  TensorId AddTensor(std::string name, DType dtype, Shape shape, bool bounded = false);
  // Adds a layer whose inputs/outputs name tensors already added; throws Error
  // if an output already has a producer or an id is out of range.
  LayerId AddLayer(Layer layer);
  void MarkGraphInput(TensorId id);
  void MarkGraphOutput(TensorId id);

  // Freezes the graph. Throws Error when a layer input has no producer and is not
  // a graph input, when a layer has no activation input, or when the layers form
  // a cycle (naming one layer on it).
  LayerGraph Build() &&;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnnpart
