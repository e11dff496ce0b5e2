// Plain enumeration of every plan (for --all-plans, at most kMaxListedPlans
// plans), the shared metric helpers, and the count of all plans.
#include "planner.h"

namespace dnnpart::planner_detail {

void Planner::Search(int depth, int from, uint64_t used, int last, Fixed latency, Fixed bottleneck, Fixed energy,
                     bool feasible, std::vector<int>& path_platforms, std::vector<int>& path_ends) {
  const int n = static_cast<int>(platforms_.size());
  for (int q = 0; q < n; ++q) {
    if ((used >> q) & 1U) continue;
    if (!options_.any_order && q < last) continue;
    // The transfer into this stage: the model input from platform 0, or the
    // tensors crossing `from` from the previous stage.
    FixedCost in;
    bool in_ok = true;
    if (depth == 0 && q != 0) in = input_fixed_[0], in_ok = LinkCarries(0, input_hop_[0]);
    if (depth > 0) {
      in = hop_fixed_[static_cast<size_t>(last)][static_cast<size_t>(from)];
      in_ok = LinkCarries(last, hop_[static_cast<size_t>(last)][static_cast<size_t>(from)]);
    }
    path_platforms.push_back(q);
    const auto& head_latency = head_latency_[static_cast<size_t>(q)];
    const auto& head_energy = head_energy_[static_cast<size_t>(q)];
    ForEachSuccessor(from, [&](int to) {
      const Fixed stage = head_latency[static_cast<size_t>(to)] - head_latency[static_cast<size_t>(from)];
      const Fixed stage_latency = latency + in.latency + stage;
      const Fixed stage_bottleneck = std::max({bottleneck, in.latency, stage});
      const Fixed stage_energy =
          energy + in.energy + head_energy[static_cast<size_t>(to)] - head_energy[static_cast<size_t>(from)];
      const bool ok = feasible && in_ok;
      path_ends.push_back(to);
      if (to == Full()) {
        Finish(q, from, stage_latency, stage_bottleneck, stage_energy, ok, path_platforms, path_ends);
      } else if (depth + 1 < n) {
        Search(depth + 1, to, used | (uint64_t{1} << q), q, stage_latency, stage_bottleneck, stage_energy,
               ok && Fits(q, from, to), path_platforms, path_ends);
      }
      path_ends.pop_back();
    });
    path_platforms.pop_back();
  }
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

void Planner::Finish(int last, int from, Fixed latency, Fixed bottleneck, Fixed energy, bool feasible,
                     const std::vector<int>& path_platforms, const std::vector<int>& path_ends) {
  ++evaluated_;
  if (options_.output_at == OutputAt::kFirst && last != 0) {
    const FixedCost& out = output_fixed_[static_cast<size_t>(last)];
    latency += out.latency;
    bottleneck = std::max(bottleneck, out.latency);
    energy += out.energy;
    feasible = feasible && LinkCarries(last, output_hop_[static_cast<size_t>(last)]);
  }
  if (options_.include_idle_energy) energy += IdleEnergy(bottleneck, path_platforms, path_ends);
  const Metrics m = ToMetrics(latency, bottleneck, energy);
  feasible = feasible && MeetsGoals(m);
  if (options_.list_all) all_.push_back(CompactPlan{path_platforms, path_ends});
  // A plan the archives would reject anyway needs no memory check.
  const bool wanted = (feasible && !feasible_.Covers(m)) || (options_.show_infeasible && !unconstrained_.Covers(m));
  if (!wanted) return;
  feasible = feasible && Fits(last, from, Full());
  if (feasible) feasible_.Offer(m, path_platforms, path_ends);
  if (options_.show_infeasible) unconstrained_.Offer(m, path_platforms, path_ends);
}

Fixed Planner::IdleEnergy(Fixed period, const std::vector<int>& path_platforms, const std::vector<int>& path_ends) const {
  Fixed idle = 0;
  int from = 0;
  for (size_t s = 0; s < path_platforms.size(); ++s) {
    const auto& head = head_latency_[static_cast<size_t>(path_platforms[s])];
    const Fixed busy = head[static_cast<size_t>(path_ends[s])] - head[static_cast<size_t>(from)];
    idle += energy_q_.To(StageIdleEnergy(path_platforms[s], latency_q_.From(period), latency_q_.From(busy)));
    from = path_ends[s];
  }
  return idle;
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
