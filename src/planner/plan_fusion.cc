// Fusion-aware stage costs (docs/planning.md, "Fusion-aware costs"): a stage
// that runs some but not all layers of a fused group pays, on top of the
// layers' charges, max(0, Σ unfused − Σ charged) over its part. Stage costs
// stay O(1) differences of head sums plus this extra.
#include "plan_fusion.h"

#include <algorithm>
#include <numeric>

#include "planner.h"

namespace dnnpart::planner_detail {
namespace {

Fixed Positive(Fixed value) { return std::max<Fixed>(0, value); }

void Add(FixedCost& sum, const FixedCost& value) {
  sum.latency += value.latency;
  sum.energy += value.energy;
}

// The sweep's state: the position up to which layers have been passed, how
// many layers of each group lie below it, and the groups with layers on both
// sides of it ("open"), each remembering its place in `open`.
class GroupSweep {
 public:
  GroupSweep(const FusedGroupCosts& groups, int32_t positions) : groups_(groups) {
    group_at_.assign(static_cast<size_t>(positions), -1);
    for (size_t g = 0; g < groups.positions.size(); ++g) {
      for (const int32_t pos : groups.positions[g]) group_at_[static_cast<size_t>(pos)] = static_cast<int32_t>(g);
    }
    below_.assign(groups.positions.size(), 0);
    slot_.assign(groups.positions.size(), -1);
  }

  // Passes every layer below `pos` (positions only grow).
  void AdvanceTo(int32_t pos) {
    for (; next_ < pos; ++next_) {
      const int32_t g = group_at_[static_cast<size_t>(next_)];
      if (g < 0) continue;
      const auto i = static_cast<size_t>(g);
      const size_t count = ++below_[i];
      if (count == 1) slot_[i] = static_cast<int32_t>(open_.size()), open_.push_back(g);
      if (count == groups_.positions[i].size()) {  // closed: swap it out of `open`
        const int32_t last = open_.back();
        open_[static_cast<size_t>(slot_[i])] = last;
        slot_[static_cast<size_t>(last)] = slot_[i];
        open_.pop_back();
        slot_[i] = -1;
      }
    }
  }

  int32_t GroupAt(int32_t pos) const { return group_at_[static_cast<size_t>(pos)]; }
  size_t Below(int32_t g) const { return below_[static_cast<size_t>(g)]; }
  const std::vector<int32_t>& Open() const { return open_; }

 private:
  const FusedGroupCosts& groups_;
  std::vector<int32_t> group_at_;  // per position: its group, or -1
  std::vector<size_t> below_;
  std::vector<int32_t> slot_;
  std::vector<int32_t> open_;
  int32_t next_ = 0;
};

// The groups boundary b splits, by group. Candidates are the open groups
// (layers below begin[b] are in the head) and the groups with a layer in b's
// partial range; any other group lies wholly in or out of the head.
class BoundarySplitter {
 public:
  BoundarySplitter(const FusedGroupCosts& groups, const std::vector<std::vector<FixedCost>>& prefix)
      : groups_(groups), prefix_(prefix), seen_(groups.positions.size(), false),
        partial_inside_(groups.positions.size(), 0), partial_head_(groups.positions.size()) {}

  std::vector<FusionSplit> Splits(const HeadLayout& heads, size_t b, const GroupSweep& sweep) {
    const int32_t begin = heads.begin[b];
    for (int32_t pos = begin; pos < heads.end[b]; ++pos) {
      const int32_t g = sweep.GroupAt(pos);
      if (g < 0) continue;
      Touch(g);
      if (!heads.partial[b][static_cast<size_t>(pos - begin)]) continue;
      const auto i = static_cast<size_t>(g);
      ++partial_inside_[i];
      const auto k = static_cast<size_t>(std::lower_bound(groups_.positions[i].begin(), groups_.positions[i].end(), pos) -
                                         groups_.positions[i].begin());
      Add(partial_head_[i], groups_.differences[i][k]);
    }
    for (const int32_t g : sweep.Open()) Touch(g);
    std::sort(touched_.begin(), touched_.end());
    std::vector<FusionSplit> splits;
    for (const int32_t g : touched_) {
      const auto i = static_cast<size_t>(g);
      const size_t below = sweep.Below(g);
      const size_t inside = below + partial_inside_[i];
      if (inside > 0 && inside < groups_.positions[i].size()) {
        FixedCost head = prefix_[i][below];
        Add(head, partial_head_[i]);
        splits.push_back(FusionSplit{g, head});
      }
      seen_[i] = false, partial_inside_[i] = 0, partial_head_[i] = FixedCost{};
    }
    touched_.clear();
    return splits;
  }

 private:
  void Touch(int32_t g) {
    if (seen_[static_cast<size_t>(g)]) return;
    seen_[static_cast<size_t>(g)] = true;
    touched_.push_back(g);
  }

  const FusedGroupCosts& groups_;
  const std::vector<std::vector<FixedCost>>& prefix_;  // per group: Σ over its first k layers
  std::vector<bool> seen_;
  std::vector<size_t> partial_inside_;    // per group: its layers in the head's partial range
  std::vector<FixedCost> partial_head_;   // per group: their Σ (unfused − charged)
  std::vector<int32_t> touched_;
};

}  // namespace

bool FusionSplits::SameCosts(const FusionSplits& o) const {
  if (begin != o.begin || splits != o.splits) return false;
  if (total.size() != o.total.size()) return false;
  for (size_t g = 0; g < total.size(); ++g) {
    if (total[g].latency != o.total[g].latency || total[g].energy != o.total[g].energy) return false;
  }
  return true;
}

FusionSplits SplitFusedGroups(const HeadLayout& heads, const FusedGroupCosts& groups, int32_t positions) {
  const size_t count = heads.begin.size();
  FusionSplits table;
  table.begin.assign(count + 1, 0);
  table.in.assign(count, FixedCost{});
  table.out = table.in;
  std::vector<std::vector<FixedCost>> prefix;
  for (const auto& differences : groups.differences) {
    std::vector<FixedCost> sums(1);
    for (const FixedCost& d : differences) sums.push_back(sums.back()), Add(sums.back(), d);
    table.total.push_back(sums.back());
    prefix.push_back(std::move(sums));
  }
  if (groups.positions.empty()) return table;
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return heads.begin[a] < heads.begin[b]; });
  GroupSweep sweep(groups, positions);
  BoundarySplitter splitter(groups, prefix);
  std::vector<std::vector<FusionSplit>> by_boundary(count);
  for (const size_t b : order) {
    sweep.AdvanceTo(heads.begin[b]);
    by_boundary[b] = splitter.Splits(heads, b, sweep);
  }
  for (size_t b = 0; b < count; ++b) {
    table.begin[b] = static_cast<int32_t>(table.splits.size());
    for (const FusionSplit& split : by_boundary[b]) {
      const FixedCost& total = table.total[static_cast<size_t>(split.group)];
      table.in[b].latency += Positive(split.head.latency);
      table.in[b].energy += Positive(split.head.energy);
      table.out[b].latency += Positive(total.latency - split.head.latency);
      table.out[b].energy += Positive(total.energy - split.head.energy);
      table.splits.push_back(split);
    }
  }
  table.begin[count] = static_cast<int32_t>(table.splits.size());
  return table;
}

FixedCost FusionSplits::StageExtra(int from, int to) const {
  if (splits.empty()) return {};
  const auto f = static_cast<size_t>(from), t = static_cast<size_t>(to);
  FixedCost extra{in[t].latency + out[f].latency, in[t].energy + out[f].energy};
  // A group split at both ends: the stage runs the layers in head(to) but not
  // head(from), so it pays max(0, D_to − D_from) instead of in + out.
  int32_t i = begin[f];
  int32_t j = begin[t];
  while (i < begin[f + 1] && j < begin[t + 1]) {
    const FusionSplit& a = splits[static_cast<size_t>(i)];
    const FusionSplit& c = splits[static_cast<size_t>(j)];
    if (a.group < c.group) {
      ++i;
    } else if (c.group < a.group) {
      ++j;
    } else {
      const FixedCost& sum = total[static_cast<size_t>(a.group)];
      extra.latency += Positive(c.head.latency - a.head.latency) - Positive(c.head.latency) -
                       Positive(sum.latency - a.head.latency);
      extra.energy += Positive(c.head.energy - a.head.energy) - Positive(c.head.energy) -
                      Positive(sum.energy - a.head.energy);
      ++i, ++j;
    }
  }
  return extra;
}

bool Planner::FusionTable::SameCosts(const FusionTable& o) const {
  return groups == o.groups && table.SameCosts(o.table);
}

void Planner::PrepareFusionGroups() {
  fusion_.assign(platforms_.size(), {});
  for (size_t p = 0; p < platforms_.size(); ++p) {
    FusionTable& fusion = fusion_[p];
    fusion.groups = FusedGroupLayers(graph_, platforms_[p]);
    if (fusion.groups.empty()) continue;
    fusion.unfused.assign(graph_.layer_count(), LayerCost{});
    for (const auto& group : fusion.groups) {
      for (LayerId l : group) fusion.unfused[static_cast<size_t>(l)] = UnfusedLayerCost(graph_, l, platforms_[p]);
    }
  }
}

void Planner::PrepareFusionTables() {
  any_fusion_splits_ = false;
  const HeadLayout heads{range_begin_, range_end_, partial_};
  for (size_t p = 0; p < platforms_.size(); ++p) {
    FusionTable& fusion = fusion_[p];
    FusedGroupCosts costs;
    for (const auto& group : fusion.groups) {
      std::vector<int32_t> positions;
      std::vector<FixedCost> differences;
      for (LayerId l : group) {
        const LayerCost& charged = layer_costs_[p][static_cast<size_t>(l)];
        const LayerCost& alone = fusion.unfused[static_cast<size_t>(l)];
        positions.push_back(graph_.topo_position(l));
        differences.push_back(FixedCost{latency_q_.To(alone.latency_ms) - latency_q_.To(charged.latency_ms),
                                        energy_q_.To(alone.energy_mj) - energy_q_.To(charged.energy_mj)});
      }
      costs.positions.push_back(std::move(positions));
      costs.differences.push_back(std::move(differences));
    }
    fusion.table = SplitFusedGroups(heads, costs, static_cast<int32_t>(graph_.layer_count()));
    if (!fusion.table.splits.empty()) any_fusion_splits_ = true;
  }
}

FixedCost Planner::FusionExtra(int p, int from, int to) const {
  return fusion_[static_cast<size_t>(p)].table.StageExtra(from, to);
}

std::vector<BrokenFusion> Planner::BrokenFusions(int p, int from, int to) const {
  const FusionTable& fusion = fusion_[static_cast<size_t>(p)];
  // A stage runs part of a group only if one of its boundaries splits it.
  std::vector<int32_t> candidates;
  for (const int b : {from, to}) {
    const auto i = static_cast<size_t>(b);
    for (int32_t s = fusion.table.begin[i]; s < fusion.table.begin[i + 1]; ++s) {
      candidates.push_back(fusion.table.splits[static_cast<size_t>(s)].group);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<BrokenFusion> broken;
  for (const int32_t g : candidates) {
    const auto& group = fusion.groups[static_cast<size_t>(g)];
    std::vector<LayerId> part;
    for (LayerId l : group) {
      const int32_t pos = graph_.topo_position(l);
      if (InHeadAt(to, pos) && !InHeadAt(from, pos)) part.push_back(l);
    }
    if (part.empty() || part.size() == group.size()) continue;
    const LayerCost extra = BrokenFusionExtra(part, layer_costs_[static_cast<size_t>(p)], fusion.unfused);
    BrokenFusion item;
    for (LayerId l : group) item.group.push_back(graph_.layer(l).name);
    for (LayerId l : part) item.in_stage.push_back(graph_.layer(l).name);
    item.extra_latency_ms = extra.latency_ms;
    item.extra_energy_mj = extra.energy_mj;
    broken.push_back(std::move(item));
  }
  return broken;
}

}  // namespace dnnpart::planner_detail
