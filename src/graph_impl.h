// Private: the Boost.Graph representation behind LayerGraph. Only graph.cc
// includes this header; nothing of Boost leaves the graph module.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dnnpart/graph.h"
#include "name_map.h"

namespace dnnpart {

// One vertex per layer (vertex index == LayerId); one edge per (producer,
// consumer, tensor) triple, carrying the tensor id.
struct EdgeData {
  TensorId tensor = -1;
};
using BoostDag = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS,
                                       boost::no_property, EdgeData>;

struct LayerGraph::Impl {
  std::vector<Layer> layers;
  std::vector<Tensor> tensors;
  std::vector<TensorId> graph_inputs;
  std::vector<TensorId> graph_outputs;
  BoostDag dag;
  std::vector<LayerId> topo_order;
  std::vector<int32_t> topo_position;
  std::vector<std::vector<LayerId>> predecessors;
  std::vector<std::vector<LayerId>> successors;
  // Views into layers[].name and tensors[].name, filled by Build() once the
  // vectors no longer change.
  NameMap layer_by_name;
  NameMap tensor_by_name;
};

}  // namespace dnnpart
