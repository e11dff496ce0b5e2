// Private: the MAC count of a control-flow node's subgraphs — a Loop body
// run a known number of times, or the costlier branch of an If whose
// condition is not known at load time.
//
// Shapes inside a subgraph come from what ONNX's graph inferencer recorded
// in it during loading (its value_info), its inputs and initializers, and the
// enclosing graph's static shapes. Stateless; reads the graph only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include <onnx/onnx_pb.h>

#include "dnnpart/dtype.h"

namespace dnnpart {

struct SubgraphMacs {
  int64_t macs = 0;
  bool modelled = true;   // false: a node inside has no MAC model or no static shapes
  bool overflow = false;  // the count does not fit in int64
};

// The static shape of an outer-scope value by name, or nullptr.
using OuterShape = std::function<const Shape*(std::string_view)>;

// Sums CountMacs over `graph`'s nodes, nested subgraphs included (a nested
// Loop counts its trip count only when it is a constant of the subgraph).
SubgraphMacs CountSubgraphMacs(const onnx::GraphProto& graph, const OuterShape& outer);

// A Loop node: `trip_count` × its body, or not modelled when the trip count
// is unknown. An If node: the larger branch (an upper bound: which branch
// runs is known only at run time).
SubgraphMacs ControlFlowMacs(const onnx::NodeProto& node, std::optional<int64_t> trip_count, const OuterShape& outer);

}  // namespace dnnpart
