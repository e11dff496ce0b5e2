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
//
// Within a segment, a head is the down-closure of its maximal layers, and each
// maximal layer has a crossing output of its own (docs/cuts.md), so a head with
// at most K crossing tensors is the down-closure of an antichain of at most K
// layers. The search enumerates those antichains, choosing members in
// decreasing topological position, and keeps the crossing set up to date as
// whole ancestor sets join the head. A tensor that crosses because a tail
// layer later than the last chosen member reads it can never stop crossing
// (later members and their ancestors all come earlier), so once those
// tensors plus one per further member exceed K the branch stops.
class SegmentSearch {
 public:
  // The per-tensor vectors are shared by all segments and are back at their
  // initial state after each Run, so a segment costs nothing per tensor.
  struct TensorState {
    std::vector<int32_t> head_consumers;  // distinct segment consumers in the head
    std::vector<int32_t> seg_consumers;   // distinct segment consumers
    std::vector<char> outside;            // graph output, or read after the segment
    std::vector<char> always_from_head;   // produced before the segment
    std::vector<int32_t> crossing_index;  // position in crossing_, or -1
  };

  SegmentSearch(const LayerGraph& graph, int32_t begin, int32_t end, int max_tensors, TensorState& state)
      : graph_(graph), order_(graph.topological_order()), begin_(begin), end_(end), max_tensors_(max_tensors),
        in_head_(static_cast<size_t>(end - begin), false), state_(state) {}

  // `open_at_begin`: the tensors crossing the boundary before the segment. Those
  // still needed after the segment (graph outputs among them) cross every cut in it.
  void Run(const std::vector<TensorId>& open_at_begin, std::vector<Cut>& out) {
    Prepare(open_at_begin);
    for (int32_t pos = end_ - 1; pos >= begin_; --pos) Choose(pos, 1, out);
    Finish();
  }

 private:
  bool InSegment(LayerId layer) const {
    if (layer == kNoLayer) return false;
    const int32_t pos = graph_.topo_position(layer);
    return pos >= begin_ && pos < end_;
  }
  size_t Local(LayerId layer) const { return static_cast<size_t>(graph_.topo_position(layer) - begin_); }
  const Layer& LayerAt(int32_t pos) const { return graph_.layer(order_[static_cast<size_t>(pos)]); }

  void Touch(TensorId t) {
    touched_.push_back(t);
    const Tensor& tensor = graph_.tensor(t);
    const auto i = static_cast<size_t>(t);
    state_.outside[i] = tensor.is_graph_output;
    for (LayerId consumer : tensor.consumers) {
      if (InSegment(consumer)) {
        ++state_.seg_consumers[i];
      } else if (graph_.topo_position(consumer) >= end_) {
        state_.outside[i] = true;
      }
    }
  }

  void Prepare(const std::vector<TensorId>& open_at_begin) {
    for (TensorId t : open_at_begin) {
      Touch(t);
      state_.always_from_head[static_cast<size_t>(t)] = true;
    }
    every_layer_has_live_output_ = true;
    for (int32_t pos = begin_; pos < end_; ++pos) {
      bool live = false;
      for (TensorId t : LayerAt(pos).outputs) {
        Touch(t);
        live = live || state_.outside[static_cast<size_t>(t)] || state_.seg_consumers[static_cast<size_t>(t)] > 0;
      }
      every_layer_has_live_output_ = every_layer_has_live_output_ && live;
    }
    for (TensorId t : open_at_begin) Update(t);
  }

  void Finish() {
    for (TensorId t : touched_) {
      const auto i = static_cast<size_t>(t);
      state_.head_consumers[i] = 0;
      state_.seg_consumers[i] = 0;
      state_.outside[i] = false;
      state_.always_from_head[i] = false;
      state_.crossing_index[i] = -1;
    }
    touched_.clear();
    crossing_.clear();
  }

  bool FromHead(TensorId t) const {
    const LayerId producer = graph_.tensor(t).producer;
    return state_.always_from_head[static_cast<size_t>(t)] || (InSegment(producer) && in_head_[Local(producer)]);
  }

  // Brings t's membership in crossing_ up to date.
  void Update(TensorId t) {
    const auto i = static_cast<size_t>(t);
    const bool crosses =
        FromHead(t) && (state_.outside[i] || state_.head_consumers[i] < state_.seg_consumers[i]);
    const int32_t index = state_.crossing_index[i];
    if (crosses && index < 0) {
      state_.crossing_index[i] = static_cast<int32_t>(crossing_.size());
      crossing_.push_back(t);
    } else if (!crosses && index >= 0) {
      const TensorId last = crossing_.back();
      crossing_[static_cast<size_t>(index)] = last;
      state_.crossing_index[static_cast<size_t>(last)] = index;
      crossing_.pop_back();
      state_.crossing_index[i] = -1;
    }
  }

  // Moves one layer into (join) or out of the head.
  void SetInHead(int32_t pos, bool join) {
    const Layer& layer = LayerAt(pos);
    in_head_[static_cast<size_t>(pos - begin_)] = join;
    for (auto it = layer.inputs.begin(); it != layer.inputs.end(); ++it) {
      const TensorId t = *it;
      if (std::find(layer.inputs.begin(), it, t) != it) continue;  // a layer reading t twice counts once
      state_.head_consumers[static_cast<size_t>(t)] += join ? 1 : -1;
      Update(t);
    }
    for (TensorId t : layer.outputs) Update(t);
  }

  // Adds `pos` and its ancestors inside the segment that are not in the head
  // yet; returns their positions.
  std::vector<int32_t> JoinWithAncestors(int32_t pos) {
    std::vector<int32_t> added{pos};
    in_head_[static_cast<size_t>(pos - begin_)] = true;
    for (size_t i = 0; i < added.size(); ++i) {
      for (LayerId pred : graph_.predecessors(order_[static_cast<size_t>(added[i])])) {
        if (!InSegment(pred) || in_head_[Local(pred)]) continue;
        in_head_[Local(pred)] = true;
        added.push_back(graph_.topo_position(pred));
      }
    }
    for (int32_t p : added) in_head_[static_cast<size_t>(p - begin_)] = false;
    for (int32_t p : added) SetInHead(p, true);
    return added;
  }

  // Tensors that cross now and in every head grown from this one by members
  // earlier than `last_pos`: graph outputs, tensors read after the segment, and
  // those read by a tail layer later than `last_pos`.
  int PermanentCrossing(int32_t last_pos) const {
    int count = 0;
    for (TensorId t : crossing_) {
      bool permanent = state_.outside[static_cast<size_t>(t)] != 0;
      for (LayerId consumer : graph_.tensor(t).consumers) {
        if (permanent) break;
        permanent = InSegment(consumer) && graph_.topo_position(consumer) > last_pos && !in_head_[Local(consumer)];
      }
      if (permanent) ++count;
    }
    return count;
  }

  // Adds the member at `pos` (not in the head: the members stay an antichain),
  // records the head if it is a cut, then tries every further member earlier
  // than `pos`.
  void Choose(int32_t pos, int members, std::vector<Cut>& out) {
    const std::vector<int32_t> added = JoinWithAncestors(pos);
    head_size_ += added.size();
    if (static_cast<int>(crossing_.size()) <= max_tensors_) Record(out);
    // Each further member is maximal in the grown head and adds a crossing output of its own.
    const int gain = every_layer_has_live_output_ ? 1 : 0;
    if ((gain == 0 || members < max_tensors_) && PermanentCrossing(pos) + gain <= max_tensors_) {
      for (int32_t next = pos - 1; next >= begin_; --next) {
        if (!in_head_[static_cast<size_t>(next - begin_)]) Choose(next, members + 1, out);
      }
    }
    for (auto it = added.rbegin(); it != added.rend(); ++it) SetInHead(*it, false);
    head_size_ -= added.size();
  }

  void Record(std::vector<Cut>& out) const {
    if (head_size_ == in_head_.size()) return;  // the single-tensor cut after the segment
    Cut cut;
    cut.prefix_layers = begin_;
    for (int32_t pos = begin_; pos < end_; ++pos) {
      if (in_head_[static_cast<size_t>(pos - begin_)]) cut.extra_layers.push_back(order_[static_cast<size_t>(pos)]);
    }
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
  size_t head_size_ = 0;
  bool every_layer_has_live_output_ = true;
  TensorState& state_;
  std::vector<TensorId> crossing_;  // the tensors crossing the current head
  std::vector<TensorId> touched_;   // tensors whose state Finish resets
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
    const size_t tensors = graph.tensor_count();
    SegmentSearch::TensorState state{std::vector<int32_t>(tensors, 0), std::vector<int32_t>(tensors, 0),
                                     std::vector<char>(tensors, 0), std::vector<char>(tensors, 0),
                                     std::vector<int32_t>(tensors, -1)};
    std::vector<TensorId> open;
    for (TensorId input : graph.graph_inputs()) {
      if (IsLive(graph.tensor(input))) open.push_back(input);
    }
    for (size_t s = 0; s + 1 < boundaries.size(); ++s) {
      if (s > 0) open = cuts[s - 1].crossing;  // boundary s is single cut s - 1 (singles come first)
      if (boundaries[s + 1] - boundaries[s] < 2) continue;
      SegmentSearch(graph, boundaries[s], boundaries[s + 1], options.max_cut_tensors, state).Run(open, cuts);
    }
    std::sort(cuts.begin(), cuts.end(), [&graph](const Cut& a, const Cut& b) { return CutBefore(graph, a, b); });
  }
  return cuts;
}

}  // namespace dnnpart
