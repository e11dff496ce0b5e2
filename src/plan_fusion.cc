// Fusion-aware stage costs (docs/planning.md, "Fusion-aware costs"): a stage
// that runs some but not all layers of a fused group pays, on top of the
// layers' charges, max(0, Σ unfused − Σ charged) over its part. Stage costs
// stay O(1) differences of head sums plus this extra.
#include "planner.h"

namespace dnnpart::planner_detail {
namespace {

Fixed Positive(Fixed value) { return std::max<Fixed>(0, value); }

}  // namespace

bool Planner::FusionTable::SameCosts(const FusionTable& o) const {
  if (groups != o.groups || begin != o.begin || splits != o.splits) return false;
  for (size_t g = 0; g < total.size(); ++g) {
    if (total[g].latency != o.total[g].latency || total[g].energy != o.total[g].energy) return false;
  }
  return true;
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
  const int count = Full() + 1;
  any_fusion_splits_ = false;
  for (size_t p = 0; p < platforms_.size(); ++p) {
    FusionTable& fusion = fusion_[p];
    fusion.begin.assign(static_cast<size_t>(count) + 1, 0);
    fusion.in.assign(static_cast<size_t>(count), FixedCost{});
    fusion.out = fusion.in;
    fusion.splits.clear();
    fusion.total.clear();
    // Per layer: fixed-point unfused cost minus the charge in the head sums.
    auto difference = [&](LayerId l) {
      const LayerCost& charged = layer_costs_[p][static_cast<size_t>(l)];
      const LayerCost& alone = fusion.unfused[static_cast<size_t>(l)];
      return FixedCost{latency_q_.To(alone.latency_ms) - latency_q_.To(charged.latency_ms),
                       energy_q_.To(alone.energy_mj) - energy_q_.To(charged.energy_mj)};
    };
    for (const auto& group : fusion.groups) {
      FixedCost total;
      for (LayerId l : group) total.latency += difference(l).latency, total.energy += difference(l).energy;
      fusion.total.push_back(total);
    }
    for (int b = 0; b < count; ++b) {
      const auto i = static_cast<size_t>(b);
      fusion.begin[i] = static_cast<int32_t>(fusion.splits.size());
      for (size_t g = 0; g < fusion.groups.size(); ++g) {
        FixedCost head;
        size_t inside = 0;
        for (LayerId l : fusion.groups[g]) {
          if (!InHeadAt(b, graph_.topo_position(l))) continue;
          ++inside;
          head.latency += difference(l).latency;
          head.energy += difference(l).energy;
        }
        if (inside == 0 || inside == fusion.groups[g].size()) continue;
        fusion.splits.push_back(FusionSplit{static_cast<int32_t>(g), head});
        fusion.in[i].latency += Positive(head.latency);
        fusion.in[i].energy += Positive(head.energy);
        fusion.out[i].latency += Positive(fusion.total[g].latency - head.latency);
        fusion.out[i].energy += Positive(fusion.total[g].energy - head.energy);
      }
    }
    fusion.begin[static_cast<size_t>(count)] = static_cast<int32_t>(fusion.splits.size());
    if (!fusion.splits.empty()) any_fusion_splits_ = true;
  }
}

FixedCost Planner::FusionExtra(int p, int from, int to) const {
  const FusionTable& fusion = fusion_[static_cast<size_t>(p)];
  if (fusion.splits.empty()) return {};
  const auto f = static_cast<size_t>(from), t = static_cast<size_t>(to);
  FixedCost extra{fusion.in[t].latency + fusion.out[f].latency, fusion.in[t].energy + fusion.out[f].energy};
  // A group split at both ends: the stage runs the layers in head(to) but not
  // head(from), so it pays max(0, D_to − D_from) instead of in + out.
  int32_t i = fusion.begin[f];
  int32_t j = fusion.begin[t];
  while (i < fusion.begin[f + 1] && j < fusion.begin[t + 1]) {
    const FusionSplit& a = fusion.splits[static_cast<size_t>(i)];
    const FusionSplit& c = fusion.splits[static_cast<size_t>(j)];
    if (a.group < c.group) {
      ++i;
    } else if (c.group < a.group) {
      ++j;
    } else {
      const FixedCost& total = fusion.total[static_cast<size_t>(a.group)];
      extra.latency += Positive(c.head.latency - a.head.latency) - Positive(c.head.latency) -
                       Positive(total.latency - a.head.latency);
      extra.energy += Positive(c.head.energy - a.head.energy) - Positive(c.head.energy) -
                      Positive(total.energy - a.head.energy);
      ++i, ++j;
    }
  }
  return extra;
}

std::vector<BrokenFusion> Planner::BrokenFusions(int p, int from, int to) const {
  const FusionTable& fusion = fusion_[static_cast<size_t>(p)];
  std::vector<BrokenFusion> broken;
  for (const auto& group : fusion.groups) {
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
