// Plain enumeration of every plan (for --all-plans, at most kMaxListedPlans
// plans), the shared metric helpers, and the count of all plans.
#include <map>

#include "planner.h"

namespace dnnpart::planner_detail {

void Planner::Search(int depth, int from, uint64_t used, int last, std::vector<int>& path_platforms,
                     std::vector<int>& path_ends) {
  const int n = static_cast<int>(platforms_.size());
  for (int q = 0; q < n; ++q) {
    if ((used >> q) & 1U) continue;
    if (!options_.any_order && q < last) continue;
    path_platforms.push_back(q);
    ForEachSuccessor(from, [&](int to) {
      path_ends.push_back(to);
      if (to == Full()) {
        Finish(path_platforms, path_ends);
      } else if (depth + 1 < n) {
        Search(depth + 1, to, used | (uint64_t{1} << q), q, path_platforms, path_ends);
      }
      path_ends.pop_back();
    });
    path_platforms.pop_back();
  }
}

Planner::PathTotals Planner::PathCost(const std::vector<int>& path_platforms, const std::vector<int>& path_ends) const {
  PathTotals totals;
  totals.bottleneck = period_floor_;
  std::map<int32_t, Fixed> loads;
  auto cross = [&](const HopRef& hop) {
    if (hop.route < 0) {
      totals.reachable = false;
      return;
    }
    totals.latency += hop.cost.latency;
    totals.energy += hop.cost.energy;
    const Route& route = routes_[static_cast<size_t>(hop.route)];
    for (size_t k = 0; k < route.resources.size(); ++k) {
      const Fixed busy = hop.busy[route.slots[k]];
      if (busy >= 0) totals.bottleneck = std::max(totals.bottleneck, loads[route.resources[k]] += busy);
    }
  };
  int64_t idle_units = 0;
  int from = 0;
  for (size_t s = 0; s < path_platforms.size(); ++s) {
    const int q = path_platforms[s];
    if (s == 0 && q != input_) cross(Hop(input_, q, 0));
    if (s > 0) cross(Hop(path_platforms[s - 1], q, from));
    const auto& head = head_latency_[static_cast<size_t>(q)];
    const auto& head_e = head_energy_[static_cast<size_t>(q)];
    const FixedCost conversion = s == 0 ? conversion_fixed_[static_cast<size_t>(q)] : FixedCost{};
    const FixedCost fusion = FusionExtra(q, from, path_ends[s]);
    const Fixed stage =
        head[static_cast<size_t>(path_ends[s])] - head[static_cast<size_t>(from)] + conversion.latency + fusion.latency;
    totals.latency += stage;
    totals.bottleneck = std::max(totals.bottleneck, stage);
    totals.energy +=
        head_e[static_cast<size_t>(path_ends[s])] - head_e[static_cast<size_t>(from)] + conversion.energy + fusion.energy;
    if (options_.include_idle_energy && IdleWatts(q) > 0) {
      idle_units += std::llround(IdleWatts(q) * kIdleUnitsPerWatt);
      totals.energy -= energy_q_.To(IdleWatts(q) * latency_q_.From(stage));
    }
    from = path_ends[s];
  }
  const int last = path_platforms.back();
  if (output_ >= 0 && last != output_) cross(Hop(last, output_, Full()));
  if (options_.include_idle_energy) {
    totals.energy += energy_q_.To(static_cast<double>(idle_units) / kIdleUnitsPerWatt * latency_q_.From(totals.bottleneck));
  }
  return totals;
}

double Planner::TotalPlans() const {
  const size_t n = platforms_.size();
  const size_t count = static_cast<size_t>(Full()) + 1;
  // chains[s]: ways to reach the whole model from boundary 0 in s stages.
  std::vector<double> chains(n + 1, 0.0);
  if (all_prefixes_) {
    const double cuts = static_cast<double>(cuts_.size());
    double choose = 1;  // C(cuts, s - 1)
    for (size_t s = 1; s <= n; ++s) {
      chains[s] = choose;
      choose = choose * (cuts - static_cast<double>(s - 1)) / static_cast<double>(s);
      if (choose <= 0) choose = 0;
    }
  } else {
    std::vector<std::vector<double>> ways(count, std::vector<double>(n + 1, 0.0));
    for (int b = Full() - 1; b >= 0; --b) {
      ForEachSuccessor(b, [&](int to) {
        auto& mine = ways[static_cast<size_t>(b)];
        if (to == Full()) {
          mine[1] += 1;
          return;
        }
        for (size_t s = 2; s <= n; ++s) mine[s] += ways[static_cast<size_t>(to)][s - 1];
      });
    }
    chains = ways[0];
  }
  double total = 0;
  for (size_t s = 1; s <= n; ++s) {
    double choices = 1;  // ordered picks (any order) or subsets (fixed order) of s platforms
    for (size_t k = 0; k < s; ++k) choices *= static_cast<double>(n - k);
    if (!options_.any_order) {
      for (size_t k = 2; k <= s; ++k) choices /= static_cast<double>(k);
    }
    total += std::round(choices) * chains[s];
  }
  return total;
}

Metrics Planner::ToMetrics(Fixed latency, Fixed bottleneck, Fixed energy) const {
  Metrics m;
  m.latency_ms = latency_q_.From(latency);
  m.energy_mj = energy_q_.From(energy);
  m.throughput_fps = bottleneck > 0 ? 1000.0 / latency_q_.From(bottleneck) : kInf;
  return m;
}

void Planner::Finish(const std::vector<int>& path_platforms, const std::vector<int>& path_ends) {
  ++evaluated_;
  const PathTotals totals = PathCost(path_platforms, path_ends);
  const Metrics m = ToMetrics(totals.latency, totals.bottleneck, totals.energy);
  if (options_.list_all) all_.push_back(CompactPlan{path_platforms, path_ends});
  if (!totals.reachable) return;
  bool feasible = MeetsGoals(m);
  // A plan the archives would reject anyway needs no memory check.
  const bool wanted = (feasible && !feasible_.Covers(m)) || (options_.show_infeasible && !unconstrained_.Covers(m));
  if (!wanted) return;
  int from = 0;
  for (size_t s = 0; s < path_platforms.size() && feasible; ++s) {
    feasible = Fits(path_platforms[s], from, path_ends[s]);
    from = path_ends[s];
  }
  if (feasible) feasible_.Offer(m, path_platforms, path_ends);
  if (options_.show_infeasible) unconstrained_.Offer(m, path_platforms, path_ends);
}

double Planner::StageIdleEnergy(int p, double period_ms, double busy_ms) const {
  const PlatformProfile& platform = platforms_[static_cast<size_t>(p)];
  return platform.power_in_watts ? platform.idle_w * std::max(0.0, period_ms - busy_ms) : 0.0;
}

bool Planner::MeetsGoals(const Metrics& m) const {
  return (!options_.max_latency_ms || m.latency_ms <= *options_.max_latency_ms) &&
         (!options_.min_fps || m.throughput_fps >= *options_.min_fps) &&
         (!options_.max_energy_mj || m.energy_mj <= *options_.max_energy_mj);
}

}  // namespace dnnpart::planner_detail
