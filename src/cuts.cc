#include "dnnpart/cuts.h"

#include <algorithm>
#include <string>

#include "dnnpart/error.h"

namespace dnnpart {

bool InHead(const LayerGraph& graph, const Cut& cut, LayerId layer) {
  const int32_t pos = graph.topo_position(layer);
  if (pos < cut.prefix_layers) return true;
  return std::binary_search(cut.extra_layers.begin(), cut.extra_layers.end(), layer,
                            [&graph](LayerId a, LayerId b) { return graph.topo_position(a) < graph.topo_position(b); });
}

std::vector<bool> HeadMask(const LayerGraph& graph, const Cut& cut) {
  std::vector<bool> mask(graph.layer_count(), false);
  const auto& order = graph.topological_order();
  for (int32_t i = 0; i < cut.prefix_layers; ++i) mask[static_cast<size_t>(order[static_cast<size_t>(i)])] = true;
  for (LayerId layer : cut.extra_layers) mask[static_cast<size_t>(layer)] = true;
  return mask;
}

std::vector<TensorId> CrossingTensors(const LayerGraph& graph, const std::vector<bool>& in_head) {
  std::vector<TensorId> crossing;
  for (size_t t = 0; t < graph.tensor_count(); ++t) {
    const Tensor& tensor = graph.tensor(static_cast<TensorId>(t));
    const bool from_head = tensor.producer == kNoLayer ? tensor.is_graph_input
                                                       : in_head[static_cast<size_t>(tensor.producer)];
    if (!from_head) continue;
    bool needed_later = tensor.is_graph_output;
    for (LayerId consumer : tensor.consumers) needed_later = needed_later || !in_head[static_cast<size_t>(consumer)];
    if (needed_later) crossing.push_back(static_cast<TensorId>(t));
  }
  return crossing;
}

namespace {

int64_t BytesOf(const LayerGraph& graph, const std::vector<TensorId>& tensors) {
  int64_t bytes = 0;
  for (TensorId t : tensors) bytes += graph.tensor(t).bytes;
  return bytes;
}

// A tensor is "live" when something after its producer still needs it.
bool IsLive(const Tensor& tensor) { return tensor.is_graph_output || !tensor.consumers.empty(); }

// Single-tensor cuts: scans the topological order once, keeping the set of open
// (produced, still needed) tensors as a count and an id sum. Every head with one
// crossing tensor is a prefix of every topological order (docs/cuts.md), so
// one scan finds them all. Returns the prefix lengths; `singles` gets the cuts.
std::vector<int32_t> ScanSingleCuts(const LayerGraph& graph, std::vector<Cut>& singles) {
  const auto& order = graph.topological_order();
  std::vector<int32_t> remaining(graph.tensor_count(), 0);
  int64_t open_count = 0;
  int64_t open_sum = 0;
  for (size_t t = 0; t < graph.tensor_count(); ++t) {
    remaining[t] = static_cast<int32_t>(graph.tensor(static_cast<TensorId>(t)).consumers.size());
  }
  for (TensorId input : graph.graph_inputs()) {
    if (IsLive(graph.tensor(input))) ++open_count, open_sum += input;
  }
  std::vector<int32_t> boundaries{0};
  std::vector<TensorId> distinct_inputs;
  for (size_t i = 0; i + 1 < order.size(); ++i) {
    const Layer& layer = graph.layer(order[i]);
    distinct_inputs = layer.inputs;
    std::sort(distinct_inputs.begin(), distinct_inputs.end());
    distinct_inputs.erase(std::unique(distinct_inputs.begin(), distinct_inputs.end()), distinct_inputs.end());
    for (TensorId input : distinct_inputs) {
      if (--remaining[static_cast<size_t>(input)] == 0 && !graph.tensor(input).is_graph_output) {
        --open_count, open_sum -= input;
      }
    }
    for (TensorId output : layer.outputs) {
      if (IsLive(graph.tensor(output))) ++open_count, open_sum += output;
    }
    if (open_count == 1) {
      Cut cut;
      cut.prefix_layers = static_cast<int32_t>(i + 1);
      cut.crossing = {static_cast<TensorId>(open_sum)};
      cut.crossing_bytes = graph.tensor(cut.crossing[0]).bytes;
      boundaries.push_back(cut.prefix_layers);
      singles.push_back(std::move(cut));
    }
  }
  boundaries.push_back(static_cast<int32_t>(order.size()));
  return boundaries;
}

// Finds the multi-tensor cuts whose head ends inside one segment: the layers
// between two consecutive single-tensor cuts. Every cut's head either contains
// a single-tensor cut's head or lies inside it, so segments are independent.
// Within a segment, a depth-first search decides layer by layer (topological
// order) whether it joins the head, and prunes as soon as the tensors that must
// cross already exceed the limit: that set only grows as decisions are made.
class SegmentSearch {
 public:
  // `refs` has one zeroed counter per tensor and is shared by all segments (it
  // is zero again after each Run), so the search costs nothing per tensor.
  SegmentSearch(const LayerGraph& graph, int32_t begin, int32_t end, int max_tensors, std::vector<int32_t>& refs,
                int64_t& steps_left)
      : graph_(graph), order_(graph.topological_order()), begin_(begin), end_(end), max_tensors_(max_tensors),
        in_head_(static_cast<size_t>(end - begin), false), refs_(refs), steps_left_(steps_left) {}

  // `open_at_begin`: the tensors crossing the boundary before the segment. Those
  // still needed after the segment (graph outputs among them) cross every cut in it.
  void Run(const std::vector<TensorId>& open_at_begin, std::vector<Cut>& out) {
    std::vector<TensorId> always;
    for (TensorId t : open_at_begin) {
      const Tensor& tensor = graph_.tensor(t);
      bool needed_after = tensor.is_graph_output;
      for (LayerId consumer : tensor.consumers) needed_after = needed_after || graph_.topo_position(consumer) >= end_;
      if (needed_after) Require(t, always);
    }
    Visit(begin_, out);
    Release(always);
  }

 private:
  bool InSegment(LayerId layer) const {
    if (layer == kNoLayer) return false;
    const int32_t pos = graph_.topo_position(layer);
    return pos >= begin_ && pos < end_;
  }
  size_t Local(LayerId layer) const { return static_cast<size_t>(graph_.topo_position(layer) - begin_); }

  // True when `t` is available in the head: produced before the segment (or a
  // graph input), or produced by a head layer of the segment.
  bool FromHead(TensorId t) const {
    const LayerId producer = graph_.tensor(t).producer;
    return !InSegment(producer) || in_head_[Local(producer)];
  }

  // A tensor must cross when it comes from the head and is needed after it.
  void Require(TensorId t, std::vector<TensorId>& added) {
    if (refs_[static_cast<size_t>(t)]++ == 0) crossing_.push_back(t);
    added.push_back(t);
  }
  void Release(const std::vector<TensorId>& added) {
    for (TensorId t : added) {
      if (--refs_[static_cast<size_t>(t)] == 0) crossing_.erase(std::find(crossing_.begin(), crossing_.end(), t));
    }
  }

  void Visit(int32_t pos, std::vector<Cut>& out) {
    if (static_cast<int>(crossing_.size()) > max_tensors_) return;
    if (--steps_left_ < 0) {
      throw Error("the search for cuts with up to " + std::to_string(max_tensors_) +
                  " crossing tensors exceeds its budget in the block of " + std::to_string(end_ - begin_) +
                  " layers from '" + graph_.layer(order_[static_cast<size_t>(begin_)]).name + "' to '" +
                  graph_.layer(order_[static_cast<size_t>(end_ - 1)]).name +
                  "' (too many parallel branches); use a smaller --max-cut-tensors");
    }
    if (pos == end_) {
      Record(out);
      return;
    }
    const LayerId layer_id = order_[static_cast<size_t>(pos)];
    const Layer& layer = graph_.layer(layer_id);
    const size_t local = static_cast<size_t>(pos - begin_);
    std::vector<TensorId> added;
    // Option 1: the layer joins the head (only if all its predecessors did).
    bool can_join = true;
    for (LayerId pred : graph_.predecessors(layer_id)) can_join = can_join && (!InSegment(pred) || in_head_[Local(pred)]);
    if (can_join) {
      in_head_[local] = true;
      for (TensorId output : layer.outputs) {
        const Tensor& tensor = graph_.tensor(output);
        bool needed_after = tensor.is_graph_output;
        for (LayerId consumer : tensor.consumers) needed_after = needed_after || !InSegment(consumer);
        if (needed_after) Require(output, added);
      }
      Visit(pos + 1, out);
      Release(added);
      added.clear();
      in_head_[local] = false;
    }
    // Option 2: the layer stays in the tail; every input the head holds crosses.
    for (TensorId input : layer.inputs) {
      if (FromHead(input)) Require(input, added);
    }
    Visit(pos + 1, out);
    Release(added);
  }

  void Record(std::vector<Cut>& out) const {
    Cut cut;
    cut.prefix_layers = begin_;
    for (int32_t pos = begin_; pos < end_; ++pos) {
      if (in_head_[static_cast<size_t>(pos - begin_)]) cut.extra_layers.push_back(order_[static_cast<size_t>(pos)]);
    }
    const auto size = static_cast<size_t>(end_ - begin_);
    if (cut.extra_layers.empty() || cut.extra_layers.size() == size) return;  // the single-tensor cuts
    cut.crossing = crossing_;
    std::sort(cut.crossing.begin(), cut.crossing.end());
    cut.crossing_bytes = BytesOf(graph_, cut.crossing);
    out.push_back(std::move(cut));
  }

  const LayerGraph& graph_;
  const std::vector<LayerId>& order_;
  int32_t begin_;
  int32_t end_;
  int max_tensors_;
  std::vector<bool> in_head_;
  std::vector<int32_t>& refs_;     // per tensor: how many decisions require it to cross
  std::vector<TensorId> crossing_;  // the tensors with refs_ > 0 (at most K + a few)
  int64_t& steps_left_;             // shared by all segments
};

bool CutBefore(const LayerGraph& graph, const Cut& a, const Cut& b) {
  if (a.head_size() != b.head_size()) return a.head_size() < b.head_size();
  if (a.prefix_layers != b.prefix_layers) return a.prefix_layers > b.prefix_layers;
  return std::lexicographical_compare(
      a.extra_layers.begin(), a.extra_layers.end(), b.extra_layers.begin(), b.extra_layers.end(),
      [&graph](LayerId x, LayerId y) { return graph.topo_position(x) < graph.topo_position(y); });
}

}  // namespace

std::vector<Cut> FindCuts(const LayerGraph& graph, const CutOptions& options) {
  if (options.max_cut_tensors < 1) {
    throw Error("--max-cut-tensors must be at least 1, got " + std::to_string(options.max_cut_tensors));
  }
  std::vector<Cut> cuts;
  if (graph.layer_count() < 2) return cuts;
  const std::vector<int32_t> boundaries = ScanSingleCuts(graph, cuts);
  if (options.max_cut_tensors >= 2) {
    std::vector<int32_t> refs(graph.tensor_count(), 0);
    int64_t steps_left = options.max_search_steps;
    std::vector<TensorId> open;
    for (TensorId input : graph.graph_inputs()) {
      if (IsLive(graph.tensor(input))) open.push_back(input);
    }
    for (size_t s = 0; s + 1 < boundaries.size(); ++s) {
      if (s > 0) open = cuts[s - 1].crossing;  // boundary s is single cut s - 1 (singles come first)
      if (boundaries[s + 1] - boundaries[s] < 2) continue;
      SegmentSearch(graph, boundaries[s], boundaries[s + 1], options.max_cut_tensors, refs, steps_left).Run(open, cuts);
    }
    std::sort(cuts.begin(), cuts.end(), [&graph](const Cut& a, const Cut& b) { return CutBefore(graph, a, b); });
  }
  return cuts;
}

}  // namespace dnnpart
