// The planner's preparation (boundaries, cost tables, fixed-point sums,
// memory) and its exact depth-first search. See docs/planning.md.
#include "planner.h"

namespace dnnpart::planner_detail {

void Planner::CheckLinks() const {
  const size_t n = platforms_.size();
  for (size_t p = 0; p < n && n > 1; ++p) {
    const bool sends = options_.any_order || p + 1 < n || (options_.output_at == OutputAt::kFirst && p != 0);
    if (sends && !links_[p]) {
      throw Error(platforms_[p].path + ": no link leaves platform '" + platforms_[p].name +
                  "': give --link or set default_link");
    }
  }
}

std::vector<bool> Planner::ComputeMask(int b) const {
  if (b == 0) return std::vector<bool>(graph_.layer_count(), false);
  if (b == Full()) return std::vector<bool>(graph_.layer_count(), true);
  return HeadMask(graph_, cuts_[static_cast<size_t>(b - 1)]);
}

void Planner::PrepareMasks() {
  const int count = Full() + 1;
  const auto layers = static_cast<int32_t>(graph_.layer_count());
  for (int b = 0; b < count; ++b) {
    masks_.push_back(ComputeMask(b));
    int32_t begin = 0, end = 0;
    if (b == Full()) begin = end = layers;
    if (b > 0 && b < Full()) {
      const Cut& cut = cuts_[static_cast<size_t>(b - 1)];
      begin = cut.prefix_layers;
      end = cut.extra_layers.empty() ? begin : graph_.topo_position(cut.extra_layers.back()) + 1;
    }
    range_begin_.push_back(begin);
    range_end_.push_back(end);
  }
}

void Planner::PrepareBoundaries() {
  const int count = Full() + 1;
  successors_.assign(static_cast<size_t>(count), {});
  bool all_prefixes = std::all_of(cuts_.begin(), cuts_.end(), [](const Cut& c) { return c.extra_layers.empty(); });
  for (int a = 0; a < count; ++a) {
    for (int b = a + 1; b < count; ++b) {
      if (all_prefixes || HeadContains(b, a)) {
        successors_[static_cast<size_t>(a)].push_back(b);
      }
    }
  }
}

bool Planner::HeadContains(int outer, int inner) const {
  const int32_t inner_begin = range_begin_[static_cast<size_t>(inner)];
  const int32_t inner_end = std::max(range_end_[static_cast<size_t>(inner)], inner_begin);
  const int32_t outer_begin = range_begin_[static_cast<size_t>(outer)];
  const int32_t outer_end = std::max(range_end_[static_cast<size_t>(outer)], outer_begin);
  if (inner_end <= outer_begin) return true;
  if (inner_begin > outer_end) return false;
  const std::vector<bool>& in = masks_[static_cast<size_t>(inner)];
  const std::vector<bool>& out = masks_[static_cast<size_t>(outer)];
  const auto& order = graph_.topological_order();
  for (int32_t pos = std::min(inner_begin, outer_begin); pos < std::max(inner_end, outer_end); ++pos) {
    const auto l = static_cast<size_t>(order[static_cast<size_t>(pos)]);
    if (in[l] && !out[l]) return false;
  }
  return true;
}

void Planner::PrepareCosts() {
  const int count = Full() + 1;
  const size_t n = platforms_.size();
  for (size_t p = 0; p < n; ++p) layer_costs_.push_back(CostLayers(graph_, platforms_[p]));
  // Link cost of each cut when sent by each platform (index 0/Full unused),
  // and of sending the model input or output.
  hop_.assign(n, std::vector<Transfer>(static_cast<size_t>(count)));
  input_hop_.assign(n, Transfer{});
  output_hop_.assign(n, Transfer{});
  for (size_t p = 0; p < n; ++p) {
    if (!links_[p]) continue;
    const LinkProfile& link = *links_[p];
    const DType type = platforms_[p].data_type;
    for (int b = 1; b < Full(); ++b) {
      hop_[p][static_cast<size_t>(b)] = TransferCost(link, PayloadBytes(graph_, Crossing(b), type, link));
    }
    input_hop_[p] = TransferCost(link, PayloadBytes(graph_, graph_.graph_inputs(), type, link));
    output_hop_[p] = TransferCost(link, PayloadBytes(graph_, graph_.graph_outputs(), type, link));
  }
  PrepareFixedSums();
  memory_.assign(n, {});
}

void Planner::PrepareFixedSums() {
  const int count = Full() + 1;
  const size_t n = platforms_.size();
  double latency_bound = 0, energy_bound = 0, idle_w = 0;
  for (size_t l = 0; l < graph_.layer_count(); ++l) {
    double worst_ms = 0, worst_mj = 0;
    for (size_t p = 0; p < n; ++p) {
      worst_ms = std::max(worst_ms, layer_costs_[p][l].latency_ms);
      worst_mj = std::max(worst_mj, layer_costs_[p][l].energy_mj);
    }
    latency_bound += worst_ms;
    energy_bound += worst_mj;
  }
  double hop_ms = 0, hop_mj = 0;
  for (size_t p = 0; p < n; ++p) {
    if (platforms_[p].power_in_watts) idle_w += platforms_[p].idle_w;
    std::vector<Transfer> transfers = hop_[p];
    transfers.push_back(input_hop_[p]);
    transfers.push_back(output_hop_[p]);
    for (const Transfer& t : transfers) hop_ms = std::max(hop_ms, t.latency_ms), hop_mj = std::max(hop_mj, t.energy_mj);
  }
  latency_bound += static_cast<double>(n + 1) * hop_ms;
  energy_bound += static_cast<double>(n + 1) * hop_mj + idle_w * latency_bound;
  latency_q_ = Quantum(latency_bound);
  energy_q_ = Quantum(energy_bound);
  head_latency_.assign(n, std::vector<Fixed>(static_cast<size_t>(count), 0));
  head_energy_ = head_latency_;
  min_head_latency_.assign(static_cast<size_t>(count), 0);
  min_head_energy_.assign(static_cast<size_t>(count), 0);
  for (int b = 0; b < count; ++b) {
    const std::vector<bool>& mask = BoundaryMask(b);
    for (size_t l = 0; l < mask.size(); ++l) {
      if (!mask[l]) continue;
      Fixed min_latency = std::numeric_limits<Fixed>::max(), min_energy = std::numeric_limits<Fixed>::max();
      for (size_t p = 0; p < n; ++p) {
        const Fixed latency = latency_q_.To(layer_costs_[p][l].latency_ms);
        const Fixed energy = energy_q_.To(layer_costs_[p][l].energy_mj);
        head_latency_[p][static_cast<size_t>(b)] += latency;
        head_energy_[p][static_cast<size_t>(b)] += energy;
        min_latency = std::min(min_latency, latency);
        min_energy = std::min(min_energy, energy);
      }
      min_head_latency_[static_cast<size_t>(b)] += min_latency;
      min_head_energy_[static_cast<size_t>(b)] += min_energy;
    }
  }
  auto fixed = [this](const Transfer& t) { return FixedCost{latency_q_.To(t.latency_ms), energy_q_.To(t.energy_mj)}; };
  hop_fixed_.assign(n, std::vector<FixedCost>(static_cast<size_t>(count)));
  input_fixed_.assign(n, {});
  output_fixed_.assign(n, {});
  for (size_t p = 0; p < n; ++p) {
    for (int b = 0; b < count; ++b) hop_fixed_[p][static_cast<size_t>(b)] = fixed(hop_[p][static_cast<size_t>(b)]);
    input_fixed_[p] = fixed(input_hop_[p]);
    output_fixed_[p] = fixed(output_hop_[p]);
  }
}

std::vector<LayerId> Planner::StageLayers(int from, int to) const {
  const std::vector<bool>& before = BoundaryMask(from);
  const std::vector<bool>& after = BoundaryMask(to);
  const auto& order = graph_.topological_order();
  std::vector<LayerId> layers;
  for (int32_t pos = range_begin_[static_cast<size_t>(from)]; pos < range_end_[static_cast<size_t>(to)] ||
                                                             pos < range_begin_[static_cast<size_t>(to)];
       ++pos) {
    const LayerId l = order[static_cast<size_t>(pos)];
    if (after[static_cast<size_t>(l)] && !before[static_cast<size_t>(l)]) layers.push_back(l);
  }
  return layers;
}

Planner::StageMemory Planner::Memory(int p, int from, int to) {
  auto& cache = memory_[static_cast<size_t>(p)];
  const uint64_t key = static_cast<uint64_t>(from) * static_cast<uint64_t>(Full() + 1) + static_cast<uint64_t>(to);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const PlatformProfile& platform = platforms_[static_cast<size_t>(p)];
  const std::vector<LayerId> layers = StageLayers(from, to);
  StageMemory memory;
  for (LayerId l : layers) memory.weight_bytes += graph_.layer(l).param_count * DTypeBytes(platform.data_type);
  const std::vector<TensorId> incoming = from == 0 ? graph_.graph_inputs() : Crossing(from);
  const std::vector<TensorId> outgoing = to == Full() ? graph_.graph_outputs() : Crossing(to);
  memory.peak_activation_bytes = PeakActivationBytes(graph_, layers, incoming, outgoing, platform.data_type);
  cache.emplace(key, memory);
  return memory;
}

bool Planner::Fits(int p, int from, int to) {
  const StageMemory m = Memory(p, from, to);
  return static_cast<double>(m.weight_bytes + m.peak_activation_bytes) <=
         platforms_[static_cast<size_t>(p)].memory_capacity_bytes;
}

bool Planner::LinkCarries(int sender, const Transfer& transfer) const {
  if (!options_.fps || transfer.wire_bytes == 0) return true;
  return static_cast<double>(transfer.wire_bytes) * *options_.fps <= links_[static_cast<size_t>(sender)]->bandwidth_bytes_per_s;
}

void Planner::Search(int depth, int from, uint32_t used, int last, Fixed latency, Fixed bottleneck, Fixed energy,
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
    for (int to : successors_[static_cast<size_t>(from)]) {
      const Fixed stage = head_latency[static_cast<size_t>(to)] - head_latency[static_cast<size_t>(from)];
      const Fixed stage_latency = latency + in.latency + stage;
      const Fixed stage_bottleneck = std::max({bottleneck, in.latency, stage});
      const Fixed stage_energy =
          energy + in.energy + head_energy[static_cast<size_t>(to)] - head_energy[static_cast<size_t>(from)];
      const bool prefix_ok = feasible && in_ok;
      path_ends.push_back(to);
      if (to == Full()) {
        Finish(q, from, stage_latency, stage_bottleneck, stage_energy, prefix_ok, path_platforms, path_ends);
      } else if (depth + 1 < n) {
        const uint32_t now_used = used | (1U << q);
        // Exact pruning: an infeasible prefix stays infeasible, and a
        // subtree whose best possible metrics an archived plan already
        // matches cannot add to the Pareto set. Its plans count as covered.
        // Memory (the costly check) is only looked at when still needed.
        bool ok = prefix_ok;
        bool prune = !ok && !options_.show_infeasible && !options_.list_all;
        prune = prune || (!options_.list_all && Dominated(stage_latency + RemainingLatency(to), stage_bottleneck,
                                                          stage_energy + RemainingEnergy(to), ok));
        if (!prune) {
          ok = ok && Fits(q, from, to);
          prune = !ok && !options_.show_infeasible && !options_.list_all;
        }
        if (prune) {
          covered_ += Completions(to, now_used, q);
        } else {
          Search(depth + 1, to, now_used, q, stage_latency, stage_bottleneck, stage_energy, ok, path_platforms,
                 path_ends);
        }
      }
      path_ends.pop_back();
    }
    path_platforms.pop_back();
  }
}

bool Planner::Dominated(Fixed latency_lb, Fixed bottleneck, Fixed energy_lb, bool feasible_so_far) const {
  const Metrics bound = ToMetrics(latency_lb, bottleneck, energy_lb);
  const bool by_feasible = !feasible_so_far || feasible_.Covers(bound);
  if (!options_.show_infeasible) return by_feasible;
  return by_feasible && unconstrained_.Covers(bound);
}

int64_t Planner::Completions(int b, uint32_t used, int last) const {
  const int n = static_cast<int>(platforms_.size());
  int available = 0;
  for (int q = 0; q < n; ++q) {
    if (!((used >> q) & 1U) && (options_.any_order || q > last)) ++available;
  }
  int64_t total = 0;
  for (int stages = 1; stages <= available; ++stages) {
    int64_t choices = 1;  // ordered picks (any order) or subsets (fixed order) of `stages` platforms
    for (int k = 0; k < stages; ++k) choices = SaturatingMul(choices, available - k);
    if (!options_.any_order) {
      for (int k = 2; k <= stages; ++k) choices /= k;
    }
    total = SaturatingAdd(total, SaturatingMul(choices, chains_[static_cast<size_t>(b)][static_cast<size_t>(stages)]));
  }
  return total;
}

int64_t Planner::SaturatingMul(int64_t a, int64_t b) {
  if (a == 0 || b == 0) return 0;
  return a > std::numeric_limits<int64_t>::max() / b ? std::numeric_limits<int64_t>::max() : a * b;
}

void Planner::PrepareChains() {
  const int count = Full() + 1;
  const size_t n = platforms_.size();
  chains_.assign(static_cast<size_t>(count), std::vector<int64_t>(n + 1, 0));
  for (int b = count - 1; b >= 0; --b) {
    for (int to : successors_[static_cast<size_t>(b)]) {
      if (to == Full()) {
        chains_[static_cast<size_t>(b)][1] = 1;
        continue;
      }
      for (size_t st = 2; st <= n; ++st) {
        chains_[static_cast<size_t>(b)][st] =
            SaturatingAdd(chains_[static_cast<size_t>(b)][st], chains_[static_cast<size_t>(to)][st - 1]);
      }
    }
  }
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
  ++covered_;
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
