// The exact planner: enumerates every pipeline plan over the given cuts and
// platforms with O(1) work per stage (costs of nested heads are differences of
// per-cut prefix sums), keeping Pareto archives. See docs/planning.md.
#include "dnnpart/plan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <unordered_map>

#include "dnnpart/error.h"

namespace dnnpart {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The search adds latencies and energies in fixed point: integer multiples of
// a power-of-two quantum chosen per run so that the largest possible plan
// total is about 2^50 quanta (relative resolution ~1e-15). Sums are then exact,
// a stage's cost (a difference of head sums) is the same whichever cuts bound
// it, and plans with equal costs compare equal. Reports show plain sums of the
// layers' doubles instead.
using Fixed = int64_t;

class Quantum {
 public:
  Quantum() = default;
  explicit Quantum(double bound) {
    if (!std::isfinite(bound)) throw Error("a latency or energy in the profiles is not finite");
    if (bound > 0) size_ = std::ldexp(1.0, std::ilogb(bound) - 50);
  }
  Fixed To(double value) const { return static_cast<Fixed>(std::llround(value / size_)); }
  double From(Fixed value) const { return static_cast<double>(value) * size_; }

 private:
  double size_ = 1.0;
};

struct FixedCost {
  Fixed latency = 0;
  Fixed energy = 0;
};

std::string Megabytes(double bytes) {
  std::ostringstream text;
  text.precision(3);
  text << bytes / 1e6 << " MB";
  return text.str();
}

// A plan during the search: which platform runs each stage, and the boundary
// index (into Boundaries) where each stage ends.
struct CompactPlan {
  std::vector<int> platforms;
  std::vector<int> ends;  // ends.back() is the full model
};

struct Metrics {
  double throughput_fps = 0;
  double latency_ms = 0;
  double energy_mj = 0;
};

bool Dominates(const Metrics& a, const Metrics& b) {
  const bool no_worse = a.throughput_fps >= b.throughput_fps && a.latency_ms <= b.latency_ms && a.energy_mj <= b.energy_mj;
  const bool better = a.throughput_fps > b.throughput_fps || a.latency_ms < b.latency_ms || a.energy_mj < b.energy_mj;
  return no_worse && better;
}

bool Same(const Metrics& a, const Metrics& b) {
  return a.throughput_fps == b.throughput_fps && a.latency_ms == b.latency_ms && a.energy_mj == b.energy_mj;
}

// Non-dominated plans seen so far. The first plan found with given metrics
// stays (enumeration order is deterministic).
class ParetoArchive {
 public:
  void Offer(const Metrics& m, const std::vector<int>& platforms, const std::vector<int>& ends) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (Dominates(entries_[i].first, m) || Same(entries_[i].first, m)) {
        if (i > 0) std::swap(entries_[i], entries_[0]);  // likely to reject the next one too
        return;
      }
    }
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                  [&m](const auto& e) { return Dominates(m, e.first); }),
                   entries_.end());
    entries_.emplace_back(m, CompactPlan{platforms, ends});
  }

  // True when an archived plan is at least as good as `bound` in every metric.
  bool Covers(const Metrics& bound) const {
    for (const auto& [m, plan] : entries_) {
      if (m.throughput_fps >= bound.throughput_fps && m.latency_ms <= bound.latency_ms && m.energy_mj <= bound.energy_mj) {
        return true;
      }
    }
    return false;
  }
  const std::vector<std::pair<Metrics, CompactPlan>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<Metrics, CompactPlan>> entries_;
};

class Planner {
 public:
  Planner(const LayerGraph& graph, const std::vector<Cut>& cuts, const std::vector<PlatformProfile>& platforms,
          const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& options)
      : graph_(graph), cuts_(cuts), platforms_(platforms), links_(links), options_(options) {
    CheckLinks();
    PrepareMasks();
    PrepareBoundaries();
    PrepareCosts();
    PrepareChains();
  }

  PlanReport EvaluateSpec(const PlanSpec& spec) {
    const size_t n = platforms_.size();
    if (spec.platforms.empty() || spec.cuts.size() + 1 != spec.platforms.size()) {
      throw Error("a plan needs one platform per stage and one cut between consecutive stages");
    }
    CompactPlan plan;
    uint32_t used = 0;
    for (int p : spec.platforms) {
      if (p < 0 || static_cast<size_t>(p) >= n || ((used >> p) & 1U)) throw Error("plan platforms must be distinct and valid");
      used |= 1U << p;
      plan.platforms.push_back(p);
    }
    int from = 0;
    for (size_t c : spec.cuts) {
      if (c >= cuts_.size()) throw Error("plan cut " + std::to_string(c) + " does not exist");
      const int to = static_cast<int>(c) + 1;
      const auto& next = successors_[static_cast<size_t>(from)];
      if (std::find(next.begin(), next.end(), to) == next.end()) throw Error("plan cuts must have strictly nested heads");
      plan.ends.push_back(to);
      from = to;
    }
    plan.ends.push_back(Full());
    return Report(plan);
  }

  PlanResult Run() {
    if (options_.list_all) {
      const int64_t total = Completions(0, 0U, -1);
      if (total > kMaxListedPlans) {
        throw Error("--all-plans would list " + std::to_string(total) + " plans (at most " +
                    std::to_string(kMaxListedPlans) + "); use fewer platforms or a smaller --max-cut-tensors");
      }
    }
    PlanResult result;
    result.cut_count = cuts_.size();
    std::vector<int> path_platforms, path_ends;
    Search(0, 0, 0U, -1, 0, 0, 0, true, path_platforms, path_ends);
    result.plans_evaluated = covered_;
    result.plans_visited = evaluated_;
    for (const auto& [metrics, plan] : feasible_.entries()) result.pareto.push_back(Report(plan));
    SortByThroughput(result.pareto);
    for (int p = 0; p < static_cast<int>(platforms_.size()); ++p) {
      result.baselines.push_back(Report(CompactPlan{{p}, {Full()}}));
    }
    if (options_.show_infeasible) {
      for (const auto& [metrics, plan] : unconstrained_.entries()) {
        PlanReport report = Report(plan);
        if (!report.feasible) result.rejected.push_back(std::move(report));
      }
      SortByThroughput(result.rejected);
    }
    for (const CompactPlan& plan : all_) result.all.push_back(Report(plan));
    Recommend(result);
    return result;
  }

 private:
  // Boundary 0 is the empty head, 1..C the cuts, C+1 the whole model.
  int Full() const { return static_cast<int>(cuts_.size()) + 1; }

  void CheckLinks() const {
    const size_t n = platforms_.size();
    for (size_t p = 0; p < n && n > 1; ++p) {
      const bool sends = options_.any_order || p + 1 < n || (options_.output_at == OutputAt::kFirst && p != 0);
      if (sends && !links_[p]) {
        throw Error(platforms_[p].path + ": no link leaves platform '" + platforms_[p].name +
                    "': give --link or set default_link");
      }
    }
  }

  std::vector<bool> ComputeMask(int b) const {
    if (b == 0) return std::vector<bool>(graph_.layer_count(), false);
    if (b == Full()) return std::vector<bool>(graph_.layer_count(), true);
    return HeadMask(graph_, cuts_[static_cast<size_t>(b - 1)]);
  }
  const std::vector<bool>& BoundaryMask(int b) const { return masks_[static_cast<size_t>(b)]; }

  // Head of boundary b: all topological positions below begin_[b], some in
  // [begin_[b], end_[b]), none from end_[b] on.
  void PrepareMasks() {
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

  const std::vector<TensorId>& Crossing(int b) const { return cuts_[static_cast<size_t>(b - 1)].crossing; }

  // For each boundary, the later boundaries whose heads strictly contain it.
  void PrepareBoundaries() {
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

  // True when head(inner) is a proper subset of head(outer) (distinct
  // boundaries have distinct heads). Heads agree below both ranges and are
  // empty above them, so only the positions in between are compared.
  bool HeadContains(int outer, int inner) const {
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

  // Per platform and boundary: sums over the head, so a stage costs a difference.
  void PrepareCosts() {
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
    const size_t boundaries = static_cast<size_t>(count);
    if (n * boundaries * boundaries <= (size_t{1} << 22)) stage_costs_dense_.assign(n * boundaries * boundaries, StageCost{});
    // (Larger searches keep only the stages they visit, in a hash map.)
  }

  // Per platform and boundary, head sums in fixed point for the search, plus
  // the cheapest-platform head sums behind its lower bounds.
  void PrepareFixedSums() {
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

  // A stage's latency and energy: the sum over its layers in topological
  // order, computed once per (platform, from, to) and cached. Summing in one
  // fixed order makes the same stage cost the same whichever cuts bound it, so
  // plans with equal costs compare equal (a difference of running head sums
  // would differ in the last bits).
  struct StageCost {
    double latency_ms = -1;  // -1: not computed yet
    double energy_mj = 0;
  };

  const StageCost& Cost(int p, int from, int to) {
    const size_t n = platforms_.size();
    const size_t count = static_cast<size_t>(Full()) + 1;
    const size_t pair = static_cast<size_t>(from) * count + static_cast<size_t>(to);
    StageCost* slots = nullptr;  // one per platform
    if (!stage_costs_dense_.empty()) {
      slots = &stage_costs_dense_[pair * n];
    } else {
      auto& entry = stage_costs_sparse_[pair];
      if (entry.empty()) entry.resize(n);
      slots = entry.data();
    }
    if (slots[p].latency_ms < 0) {
      // One pass over the stage's layers fills the cost on every platform.
      for (size_t q = 0; q < n; ++q) slots[q] = {0.0, 0.0};
      const std::vector<bool>& before = BoundaryMask(from);
      const std::vector<bool>& after = BoundaryMask(to);
      const auto& order = graph_.topological_order();
      const int32_t end = std::max(range_end_[static_cast<size_t>(to)], range_begin_[static_cast<size_t>(to)]);
      for (int32_t pos = range_begin_[static_cast<size_t>(from)]; pos < end; ++pos) {
        const auto l = static_cast<size_t>(order[static_cast<size_t>(pos)]);
        if (!after[l] || before[l]) continue;
        for (size_t q = 0; q < n; ++q) {
          slots[q].latency_ms += layer_costs_[q][l].latency_ms;
          slots[q].energy_mj += layer_costs_[q][l].energy_mj;
        }
      }
    }
    return slots[p];
  }
  double StageLatency(int p, int from, int to) { return Cost(p, from, to).latency_ms; }
  double StageEnergy(int p, int from, int to) { return Cost(p, from, to).energy_mj; }

  // Layers in head(to) but not head(from), in topological order; only the
  // positions between the two heads' boundaries are looked at.
  std::vector<LayerId> StageLayers(int from, int to) const {
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

  struct StageMemory {
    int64_t weight_bytes = 0;
    int64_t peak_activation_bytes = 0;
  };

  // Memory of a stage, computed once per (platform, from, to).
  StageMemory Memory(int p, int from, int to) {
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

  bool Fits(int p, int from, int to) {
    const StageMemory m = Memory(p, from, to);
    return static_cast<double>(m.weight_bytes + m.peak_activation_bytes) <=
           platforms_[static_cast<size_t>(p)].memory_capacity_bytes;
  }

  bool LinkCarries(int sender, const Transfer& transfer) const {
    if (!options_.fps || transfer.wire_bytes == 0) return true;
    return static_cast<double>(transfer.wire_bytes) * *options_.fps <= links_[static_cast<size_t>(sender)]->bandwidth_bytes_per_s;
  }

  // Depth-first over stages: `from` is where the next stage starts.
  void Search(int depth, int from, uint32_t used, int last, Fixed latency, Fixed bottleneck, Fixed energy,
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

  // Lower bounds on what the layers after boundary `b` still cost: each layer
  // at least its cheapest platform's latency and energy.
  Fixed RemainingLatency(int b) const { return min_head_latency_.back() - min_head_latency_[static_cast<size_t>(b)]; }
  Fixed RemainingEnergy(int b) const { return min_head_energy_.back() - min_head_energy_[static_cast<size_t>(b)]; }

  // True when every completion of a partial plan with these bounds would be
  // dominated by (or equal to) a plan already archived. With show_infeasible
  // both archives must agree, since each keeps plans the other does not.
  bool Dominated(Fixed latency_lb, Fixed bottleneck, Fixed energy_lb, bool feasible_so_far) const {
    const Metrics bound = ToMetrics(latency_lb, bottleneck, energy_lb);
    const bool by_feasible = !feasible_so_far || feasible_.Covers(bound);
    if (!options_.show_infeasible) return by_feasible;
    return by_feasible && unconstrained_.Covers(bound);
  }

  // Number of plans that complete a partial plan ending at boundary `b`:
  // choices of further platforms times chains of nested boundaries to the end.
  int64_t Completions(int b, uint32_t used, int last) const {
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

  static int64_t SaturatingAdd(int64_t a, int64_t b) {
    return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b;
  }
  static int64_t SaturatingMul(int64_t a, int64_t b) {
    if (a == 0 || b == 0) return 0;
    return a > std::numeric_limits<int64_t>::max() / b ? std::numeric_limits<int64_t>::max() : a * b;
  }

  // chains_[b][s]: ways to reach the whole model from boundary b in exactly s stages.
  void PrepareChains() {
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

  // Completes a plan whose last stage runs on `last` from boundary `from`;
  // `feasible` covers everything but the last stage's memory.
  Metrics ToMetrics(Fixed latency, Fixed bottleneck, Fixed energy) const {
    Metrics m;
    m.latency_ms = latency_q_.From(latency);
    m.energy_mj = energy_q_.From(energy);
    m.throughput_fps = bottleneck > 0 ? 1000.0 / latency_q_.From(bottleneck) : kInf;
    return m;
  }

  void Finish(int last, int from, Fixed latency, Fixed bottleneck, Fixed energy, bool feasible,
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

  // Energy platforms spend waiting each frame: idle_w x (period - busy time).
  Fixed IdleEnergy(Fixed period, const std::vector<int>& path_platforms, const std::vector<int>& path_ends) const {
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

  // idle_w x (period - busy) for platforms with watt-based power (W x ms = mJ).
  double StageIdleEnergy(int p, double period_ms, double busy_ms) const {
    const PlatformProfile& platform = platforms_[static_cast<size_t>(p)];
    return platform.power_in_watts ? platform.idle_w * std::max(0.0, period_ms - busy_ms) : 0.0;
  }

  bool MeetsGoals(const Metrics& m) const {
    return (!options_.max_latency_ms || m.latency_ms <= *options_.max_latency_ms) &&
           (!options_.min_fps || m.throughput_fps >= *options_.min_fps) &&
           (!options_.max_energy_mj || m.energy_mj <= *options_.max_energy_mj);
  }

  // Recomputes every detail of one plan for the report, including why it is
  // infeasible; uses the same cost tables as the search.
  PlanReport Report(const CompactPlan& plan) {
    PlanReport report;
    double bottleneck = 0;
    int from = 0;
    for (size_t s = 0; s < plan.platforms.size(); ++s) {
      const int p = plan.platforms[s];
      const int to = plan.ends[s];
      if (s == 0 && p != 0) AddHop(report, 0, p, "input", -1, graph_.graph_inputs(), input_hop_[0]);
      if (s > 0) {
        const int prev = plan.platforms[s - 1];
        AddHop(report, prev, p, "activations", from - 1, Crossing(from), hop_[static_cast<size_t>(prev)][static_cast<size_t>(from)]);
      }
      report.stages.push_back(Stage(p, from, to));
      from = to;
    }
    const int last = plan.platforms.back();
    if (options_.output_at == OutputAt::kFirst && last != 0) {
      AddHop(report, last, 0, "output", -1, graph_.graph_outputs(), output_hop_[static_cast<size_t>(last)]);
    }
    // Totals added up in the same order as the search, so the numbers match it bit for bit.
    double latency = 0, energy = 0;
    from = 0;
    for (size_t s = 0; s < plan.platforms.size(); ++s) {
      const int p = plan.platforms[s];
      Transfer in;
      if (s == 0 && p != 0) in = input_hop_[0];
      if (s > 0) in = hop_[static_cast<size_t>(plan.platforms[s - 1])][static_cast<size_t>(from)];
      const double stage = report.stages[s].latency_ms;
      latency = latency + in.latency_ms + stage;
      bottleneck = std::max({bottleneck, in.latency_ms, stage});
      energy = energy + in.energy_mj + report.stages[s].energy_mj;
      from = plan.ends[s];
    }
    if (options_.output_at == OutputAt::kFirst && last != 0) {
      const Transfer& out = output_hop_[static_cast<size_t>(last)];
      latency += out.latency_ms;
      bottleneck = std::max(bottleneck, out.latency_ms);
      energy += out.energy_mj;
    }
    if (options_.include_idle_energy) {
      double idle = 0;
      for (StageReport& stage : report.stages) {
        stage.idle_energy_mj = StageIdleEnergy(stage.platform, bottleneck, stage.latency_ms);
        idle += stage.idle_energy_mj;
      }
      energy += idle;
    }
    report.latency_ms = latency;
    report.energy_mj = energy;
    report.throughput_fps = bottleneck > 0 ? 1000.0 / bottleneck : kInf;
    Explain(report);
    return report;
  }

  StageReport Stage(int p, int from, int to) {
    const PlatformProfile& platform = platforms_[static_cast<size_t>(p)];
    StageReport stage;
    stage.platform = p;
    const std::vector<LayerId> layers = StageLayers(from, to);
    stage.layer_count = static_cast<int64_t>(layers.size());
    stage.first_layer = graph_.layer(layers.front()).name;
    stage.last_layer = graph_.layer(layers.back()).name;
    for (LayerId l : layers) {
      const LayerCost& cost = layer_costs_[static_cast<size_t>(p)][static_cast<size_t>(l)];
      stage.macs += graph_.layer(l).macs;
      if (cost.source == CostSource::kMeasured) stage.measured_latency_ms += cost.latency_ms;
      if (cost.source == CostSource::kEstimated) stage.estimated_latency_ms += cost.latency_ms;
      if (cost.source == CostSource::kZero) ++stage.unmeasured_zero_layers;
    }
    stage.latency_ms = StageLatency(p, from, to);
    stage.energy_mj = StageEnergy(p, from, to);
    const StageMemory memory = Memory(p, from, to);
    stage.weight_bytes = memory.weight_bytes;
    stage.peak_activation_bytes = memory.peak_activation_bytes;
    stage.memory_bytes = memory.weight_bytes + memory.peak_activation_bytes;
    stage.memory_capacity_bytes = platform.memory_capacity_bytes;
    return stage;
  }

  void AddHop(PlanReport& report, int from, int to, const char* what, int cut_index, const std::vector<TensorId>& tensors,
              const Transfer& transfer) const {
    HopReport hop;
    hop.from_platform = from;
    hop.to_platform = to;
    hop.link = links_[static_cast<size_t>(from)]->name;
    hop.what = what;
    hop.cut_id = cut_index;
    hop.tensors = tensors;
    hop.transfer = transfer;
    if (options_.fps) {
      hop.utilization = static_cast<double>(transfer.wire_bytes) * *options_.fps /
                        links_[static_cast<size_t>(from)]->bandwidth_bytes_per_s;
    }
    report.hops.push_back(std::move(hop));
  }

  void Explain(PlanReport& report) const {
    auto fail = [&report](std::string why) {
      report.feasible = false;
      report.violations.push_back(std::move(why));
    };
    for (const StageReport& stage : report.stages) {
      if (static_cast<double>(stage.memory_bytes) > stage.memory_capacity_bytes) {
        fail("memory on '" + platforms_[static_cast<size_t>(stage.platform)].name + "': " +
             Megabytes(static_cast<double>(stage.memory_bytes)) + " > capacity " + Megabytes(stage.memory_capacity_bytes));
      }
    }
    for (const HopReport& hop : report.hops) {
      if (hop.utilization > 1) {
        fail("link '" + hop.link + "' from '" + platforms_[static_cast<size_t>(hop.from_platform)].name + "' is " +
             std::to_string(static_cast<int>(std::round(hop.utilization * 100))) + "% loaded at --fps " +
             std::to_string(*options_.fps));
      }
    }
    if (options_.max_latency_ms && report.latency_ms > *options_.max_latency_ms) fail("latency above --max-latency-ms");
    if (options_.min_fps && report.throughput_fps < *options_.min_fps) fail("throughput below --min-fps");
    if (options_.max_energy_mj && report.energy_mj > *options_.max_energy_mj) fail("energy above --max-energy-mj");
  }

  static void SortByThroughput(std::vector<PlanReport>& plans) {
    std::stable_sort(plans.begin(), plans.end(), [](const PlanReport& a, const PlanReport& b) {
      if (a.throughput_fps != b.throughput_fps) return a.throughput_fps > b.throughput_fps;
      if (a.latency_ms != b.latency_ms) return a.latency_ms < b.latency_ms;
      return a.energy_mj < b.energy_mj;
    });
  }

  // True when `a` is better than `b` for the objective (ties broken by the others).
  bool Better(const PlanReport& a, const PlanReport& b) const {
    auto key = [this](const PlanReport& p) {
      switch (options_.objective) {
        case Objective::kThroughput: return std::make_tuple(-p.throughput_fps, p.latency_ms, p.energy_mj);
        case Objective::kLatency: return std::make_tuple(p.latency_ms, -p.throughput_fps, p.energy_mj);
        case Objective::kEnergy: break;
      }
      return std::make_tuple(p.energy_mj, -p.throughput_fps, p.latency_ms);
    };
    return key(a) < key(b);
  }

  double Improvement(const PlanReport& plan, const PlanReport& base) const {
    switch (options_.objective) {
      case Objective::kThroughput: return (plan.throughput_fps / base.throughput_fps - 1) * 100;
      case Objective::kLatency: return (1 - plan.latency_ms / base.latency_ms) * 100;
      case Objective::kEnergy: break;
    }
    return (1 - plan.energy_mj / base.energy_mj) * 100;
  }

  void Recommend(PlanResult& result) const {
    for (size_t i = 0; i < result.pareto.size(); ++i) {
      if (!result.recommended || Better(result.pareto[i], result.pareto[*result.recommended])) result.recommended = i;
    }
    for (size_t i = 0; i < result.baselines.size(); ++i) {
      if (!result.baselines[i].feasible) continue;
      if (!result.best_baseline || Better(result.baselines[i], result.baselines[*result.best_baseline])) {
        result.best_baseline = i;
      }
    }
    if (result.recommended && result.best_baseline) {
      const double improvement =
          Improvement(result.pareto[*result.recommended], result.baselines[*result.best_baseline]);
      // Undefined when both are free or infinitely fast (e.g. nothing measured).
      if (std::isfinite(improvement)) result.improvement_pct = improvement;
    }
  }

  const LayerGraph& graph_;
  const std::vector<Cut>& cuts_;
  const std::vector<PlatformProfile>& platforms_;
  const std::vector<std::optional<LinkProfile>>& links_;
  const PlanOptions& options_;
  std::vector<std::vector<bool>> masks_;  // head of each boundary, one flag per layer id
  std::vector<int32_t> range_begin_;
  std::vector<int32_t> range_end_;
  std::vector<std::vector<int>> successors_;
  std::vector<std::vector<LayerCost>> layer_costs_;
  std::vector<StageCost> stage_costs_dense_;  // by (platform, from, to) when small enough
  std::unordered_map<size_t, std::vector<StageCost>> stage_costs_sparse_;  // by (from, to), one per platform
  std::vector<std::vector<Transfer>> hop_;
  std::vector<Transfer> input_hop_;
  std::vector<Transfer> output_hop_;
  std::vector<std::unordered_map<uint64_t, StageMemory>> memory_;
  ParetoArchive feasible_;
  ParetoArchive unconstrained_;
  std::vector<CompactPlan> all_;  // with list_all
  int64_t evaluated_ = 0;  // plans whose metrics were computed
  int64_t covered_ = 0;    // plans evaluated or excluded by an exact bound
  std::vector<std::vector<int64_t>> chains_;
  Quantum latency_q_;
  Quantum energy_q_;
  std::vector<std::vector<Fixed>> head_latency_;  // per platform and boundary, fixed point
  std::vector<std::vector<Fixed>> head_energy_;
  std::vector<std::vector<FixedCost>> hop_fixed_;
  std::vector<FixedCost> input_fixed_;
  std::vector<FixedCost> output_fixed_;
  std::vector<Fixed> min_head_latency_;
  std::vector<Fixed> min_head_energy_;
};

}  // namespace

PlanReport EvaluatePlan(const LayerGraph& graph, const std::vector<Cut>& cuts,
                        const std::vector<PlatformProfile>& platforms,
                        const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& options,
                        const PlanSpec& spec) {
  if (platforms.empty() || links.size() != platforms.size()) throw Error("no platforms given");
  return Planner(graph, cuts, platforms, links, options).EvaluateSpec(spec);
}

PlanResult PlanPartitions(const LayerGraph& graph, const std::vector<Cut>& cuts,
                          const std::vector<PlatformProfile>& platforms,
                          const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& options) {
  if (platforms.empty()) throw Error("no platforms given (--platforms a.json [b.json ...])");
  if (platforms.size() > 16) throw Error("at most 16 platforms are supported, got " + std::to_string(platforms.size()));
  if (links.size() != platforms.size()) throw Error("internal: one link slot per platform expected");
  if (options.fps && *options.fps <= 0) throw Error("--fps must be positive");
  return Planner(graph, cuts, platforms, links, options).Run();
}

}  // namespace dnnpart
