// Cut finder: every way to split a LayerGraph into a head and a tail.
//
// A cut's head is a non-empty set of layers closed under predecessors; its tail
// (the rest) is non-empty too. The crossing tensors are the activations produced
// in the head, or graph inputs, that a tail layer consumes, plus graph outputs
// produced in the head (they must still reach the end). A cut is stored
// compactly as a prefix of the graph's topological order plus a few extra
// layers, so that 20,000-layer graphs stay cheap. Results are plain values.
// The algorithm and its complexity are described in docs/cuts.md.
#pragma once

#include <cstdint>
#include <vector>

#include "dnnpart/graph.h"

namespace dnnpart {

struct CutOptions {
  // Cuts with at most this many crossing tensors are reported (>= 1). 1 gives
  // the single-tensor cuts; 2 and more also find cuts inside residual and
  // inception blocks.
  int max_cut_tensors = 1;
};

struct Cut {
  // The head is the first `prefix_layers` layers of graph.topological_order()
  // plus `extra_layers` (ascending topological position, each at a position
  // >= prefix_layers).
  int32_t prefix_layers = 0;
  std::vector<LayerId> extra_layers;
  std::vector<TensorId> crossing;  // ascending id
  int64_t crossing_bytes = 0;

  size_t head_size() const { return static_cast<size_t>(prefix_layers) + extra_layers.size(); }
};

// Returns true when `layer` is in the head of `cut`.
bool InHead(const LayerGraph& graph, const Cut& cut, LayerId layer);

// Returns one flag per layer id: true for head layers.
std::vector<bool> HeadMask(const LayerGraph& graph, const Cut& cut);

// Returns the crossing tensors (ascending id) of an arbitrary head given as one
// flag per layer id. The head need not be closed under predecessors.
std::vector<TensorId> CrossingTensors(const LayerGraph& graph, const std::vector<bool>& in_head);

// Returns every distinct cut with at most options.max_cut_tensors crossing
// tensors, ordered by head size, then by the topological positions of the
// head's layers. Throws Error when max_cut_tensors < 1. Time is polynomial in
// the layers for a fixed max_cut_tensors, whatever the graph's width
// (docs/cuts.md).
std::vector<Cut> FindCuts(const LayerGraph& graph, const CutOptions& options);

}  // namespace dnnpart
