// Private: the planner's search state, shared by plan_search.cc (preparing
// cost tables and enumerating plans) and plan_report.cc (turning plans into
// reports, ranking them). Only src/planner/ includes this header. A Planner is
// built for one PlanPartitions/EvaluatePlan call and used by one thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "dnnpart/error.h"
#include "dnnpart/plan.h"
#include "plan_fusion.h"

namespace dnnpart::planner_detail {

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

inline std::string Megabytes(double bytes) {
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

inline bool Dominates(const Metrics& a, const Metrics& b) {
  const bool no_worse = a.throughput_fps >= b.throughput_fps && a.latency_ms <= b.latency_ms && a.energy_mj <= b.energy_mj;
  const bool better = a.throughput_fps > b.throughput_fps || a.latency_ms < b.latency_ms || a.energy_mj < b.energy_mj;
  return no_worse && better;
}

inline bool Same(const Metrics& a, const Metrics& b) {
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

// A partial or complete plan in the dynamic program (plan_dp.cc): its costs
// so far in fixed point and the stage that produced it. Labels live in one
// arena; `parent` links a stage to the plan before it (-1: the empty plan).
// Loads on link resources that later transfers may still add to are kept in
// a side arena (loads_begin, loads_count), sorted by resource; resources no
// later transfer can cross are folded into `bottleneck`.
struct Label {
  Fixed latency = 0;
  Fixed bottleneck = 0;
  Fixed energy = 0;       // stage and hop energies, minus each stage's idle credit (docs/planning.md)
  Fixed base_energy = 0;  // stage and hop energies alone
  int64_t idle_units = 0; // summed idle power of the stages so far, in kIdleUnitsPerWatt
  int32_t parent = -1;
  int32_t end = 0;        // boundary where this stage ends
  int32_t platform = -1;  // device of this stage
  int32_t loads_begin = 0;
  int32_t loads_count = 0;
};

// A resource's busy time per frame, in fixed point.
struct Load {
  int32_t resource = 0;
  Fixed busy = 0;
};

class StateKeys;   // plan_dp.h
class LanePool;    // plan_dp.h
struct DenseCells;  // plan_dp_single.cc

inline constexpr double kIdleUnitsPerWatt = 1048576.0;  // 2^20: idle powers add up exactly

class Planner {

 public:
  // `search`: the planner will run the dynamic program (Run without
  // list_all), so a search too large for --max-states is refused before the
  // transfers are priced (devices² × boundaries entries over a system).
  Planner(const LayerGraph& graph, const std::vector<Cut>& cuts, const PlanTarget& target, const PlanOptions& options,
          bool search)
      : graph_(graph), cuts_(cuts), target_(target), platforms_(target.platforms), links_(target.links),
        options_(options), search_(search) {
    PrepareEnds();
    CheckLinks();
    PrepareMasks();
    PrepareBoundaries();
    PrepareCosts();
    PrepareMemory();
  }

  PlanReport EvaluateSpec(const PlanSpec& spec);

  PlanResult Run();

 private:
  // Boundary 0 is the empty head, 1..C the cuts, C+1 the whole model.
  int Full() const { return static_cast<int>(cuts_.size()) + 1; }

  // Input and output devices, the input rate and the period it sets.
  void PrepareEnds();
  void CheckLinks() const;

  // Head of boundary b: all topological positions below range_begin_[b], some
  // in [range_begin_[b], range_end_[b]) (flags in partial_[b]), none from
  // range_end_[b] on. Chains (prefix cuts) store no flags at all.
  void PrepareMasks();
  bool InHeadAt(int b, int32_t pos) const;

  const std::vector<TensorId>& Crossing(int b) const { return cuts_[static_cast<size_t>(b - 1)].crossing; }

  // For each boundary, the later boundaries whose heads strictly contain it;
  // with prefix cuts only, simply every later boundary (nothing is stored).
  void PrepareBoundaries();
  bool IsSuccessor(int from, int to) const;
  template <typename F>
  void ForEachSuccessor(int from, F&& f) const {
    if (all_prefixes_) {
      for (int to = from + 1; to <= Full(); ++to) f(to);
    } else {
      for (int to : successors_[static_cast<size_t>(from)]) f(to);
    }
  }

  // Calls f(to) for each successor `to` of `from`, in increasing order, at
  // which a stage of platform q over [from, to) fits q's memory (every
  // successor when `check_memory` is false). Between prefix boundaries a
  // stage's memory grows with its end: weights by prefix sums, the activation
  // peak a running maximum over the positions the stage grows by, as Memory()
  // computes it; so the first end that does not fit, or f returning false,
  // ends the walk there. Elsewhere each end is checked with Fits().
  template <typename F>
  void ForEachFittingEnd(int q, int from, bool check_memory, F&& f) {
    if (!all_prefixes_) {
      for (int to : successors_[static_cast<size_t>(from)]) {
        if (!check_memory || Fits(q, from, to)) f(to);
      }
      return;
    }
    if (!check_memory) {
      for (int to = from + 1; to <= Full(); ++to) {
        if (!f(to)) return;
      }
      return;
    }
    const PlatformProfile& platform = platforms_[static_cast<size_t>(q)];
    const std::vector<int64_t>* live = LiveBytes(platform.data_type);
    const int64_t bytes_per_param = DTypeBytes(platform.data_type);
    const auto begin = static_cast<size_t>(range_begin_[static_cast<size_t>(from)]);
    int64_t peak = 0;
    size_t position = begin;
    for (int to = from + 1; to <= Full(); ++to) {
      const auto end = static_cast<size_t>(range_begin_[static_cast<size_t>(to)]);
      for (; live != nullptr && position < end; ++position) peak = std::max(peak, (*live)[position]);
      const int64_t weights = (prefix_params_[end] - prefix_params_[begin]) * bytes_per_param;
      if (static_cast<double>(weights + peak) > platform.memory_capacity_bytes || !f(to)) return;
    }
  }

  // True when head(inner) is a proper subset of head(outer) (distinct
  // boundaries have distinct heads). Heads agree below both ranges and are
  // empty above them, so only the positions in between are compared.
  bool HeadContains(int outer, int inner) const;

  // Per platform and boundary: sums over the head, so a stage costs a difference.
  void PrepareCosts();

  // The network (plan_network.cc): resources, routes and the cost of every
  // transfer a plan can make. Hop (x, y, b) sends the tensors crossing
  // boundary b from device x to device y: b = 0 is the model input (from the
  // input device), b = Full() the model output (to the output device). With
  // the chain shorthand a transfer depends on the sender only.
  struct Segment {
    int medium = 0;                 // system medium, or (chain) the sending device
    int from = 0;
    int to = 0;
    std::vector<int32_t> resources;
  };
  // A route and its class. What a transfer over a route costs depends only
  // on the sender's data type (the payload), the media it crosses in order
  // and which of the resources it loads are the same: its class. So costs
  // are kept per class and boundary (classes × boundaries), and a pair of
  // devices only names its route (devices² entries), instead of a table
  // of devices² × boundaries (docs/planning.md, "Transfers in the search").
  struct Route {
    std::vector<Segment> segments;
    int32_t hop_class = -1;
    std::vector<int32_t> resources;  // the distinct resources it loads, ascending
    std::vector<int32_t> slots;      // the class's slot of each of them
  };
  struct HopClass {
    int32_t slots = 0;               // distinct resources, numbered in order of first appearance
    size_t busy_begin = 0;           // into class_busy_: row b at busy_begin + b * slots
  };
  // One transfer as the search sees it: its cost, its route (-1: the
  // receiver cannot be reached) and its route's loads per slot (< 0: none,
  // when no segment carrying that resource moves a byte).
  struct HopRef {
    FixedCost cost;
    int32_t route = -1;
    const Fixed* busy = nullptr;
  };
  struct Resource {
    std::string name;
    double bandwidth_bytes_per_s = 0;
    bool reused = false;            // a plan may cross it in more than one transfer
    std::vector<bool> senders;      // devices sending a transfer that crosses it
    std::vector<bool> receivers;    // devices receiving one
  };
  void PrepareNetwork();
  // The route of transfer (x, y, b): -1 when y cannot be reached.
  int32_t RouteOf(int x, int y, int b) const {
    const size_t pair = per_sender_ ? static_cast<size_t>(x)
                                    : static_cast<size_t>(x) * platforms_.size() + static_cast<size_t>(y);
    const int32_t route = pair_route_[pair];
    return route >= -1 ? route : pair_routes_by_b_[static_cast<size_t>(-route - 2)][static_cast<size_t>(b)];
  }
  size_t ClassRow(int32_t route, int b) const {
    return static_cast<size_t>(routes_[static_cast<size_t>(route)].hop_class) * static_cast<size_t>(Full() + 1) +
           static_cast<size_t>(b);
  }
  HopRef Hop(int x, int y, int b) const {
    const int32_t route = RouteOf(x, y, b);
    if (route < 0) return {};
    const HopClass& c = hop_classes_[static_cast<size_t>(routes_[static_cast<size_t>(route)].hop_class)];
    return {class_cost_[ClassRow(route, b)], route,
            class_busy_.data() + c.busy_begin + static_cast<size_t>(b) * static_cast<size_t>(c.slots)};
  }
  // The transfer's cost in doubles (zero when unreachable).
  Transfer HopCostMs(int x, int y, int b) const {
    const int32_t route = RouteOf(x, y, b);
    return route < 0 ? Transfer{} : class_cost_ms_[ClassRow(route, b)];
  }
  // Payload of boundary b's transfer on `link` when sent by device x.
  int64_t PayloadOn(int x, int b, const LinkProfile& link) const;
  const LinkProfile& MediumLink(int medium) const;
  std::string MediumName(int medium) const;
  // The transfer in full detail, for reports.
  HopReport HopDetail(int x, int y, int b, const char* what) const;
  // Time (ms) and energy (mJ) for device q to convert the sensor's frame to
  // the model input, paid by the first stage (docs/system.md).
  LayerCost Conversion(int q) const;
  bool SystemInterchangeable(size_t p, size_t q) const;
  // True when a transfer after a label on device `last` with canonical
  // instance counts `used_mask` may still cross resource r.
  bool StillOpen(int32_t r, int last, const std::vector<bool>& unused) const;

  // Per platform and boundary, head sums in fixed point for the search, plus
  // the cheapest-platform head sums behind its lower bounds.
  void PrepareFixedSums();

  // Fusion-aware costs (docs/planning.md): a stage that runs part of a fused
  // group pays max(0, Σ unfused − Σ charged) over that part on top of its
  // layers. Per platform, the groups, their layers' unfused costs, and the
  // boundaries' split tables (plan_fusion.h): a stage's extra is in(to) +
  // out(from), corrected for the groups that both of its boundaries split.
  struct FusionTable {
    std::vector<std::vector<LayerId>> groups;  // topological order within a group
    std::vector<LayerCost> unfused;            // by LayerId (set for group layers only)
    FusionSplits table;
    bool SameCosts(const FusionTable& o) const;
  };
  void PrepareFusionGroups();
  void PrepareFusionTables();
  // The extra cost of the stage from boundary `from` to `to` on platform p
  // (0 when p has no fused groups); never negative.
  FixedCost FusionExtra(int p, int from, int to) const;
  // The groups the stage splits, with their extras in doubles, for reports.
  std::vector<BrokenFusion> BrokenFusions(int p, int from, int to) const;

  // Layers in head(to) but not head(from), in topological order; only the
  // positions between the two heads' boundaries are looked at.
  std::vector<LayerId> StageLayers(int from, int to) const;

  struct StageMemory {
    int64_t weight_bytes = 0;
    int64_t peak_activation_bytes = 0;
  };

  // Stages between two prefix boundaries cost O(1): weights from prefix sums
  // of parameters, peak activations as a range maximum (sparse table) over
  // the live bytes at each topological position (docs/planning.md). Other
  // stages are computed from their layers and cached per (platform, from, to).
  void PrepareMemory();
  StageMemory Memory(int p, int from, int to);

  bool Fits(int p, int from, int to);
  // Live activation bytes at each topological position for a data type
  // (level 0 of its sparse table); null when no table has that type.
  const std::vector<int64_t>* LiveBytes(DType type) const {
    for (const auto& [of, table] : live_tables_) {
      if (of == type) return &table[0];
    }
    return nullptr;
  }


  // Platforms with identical costs, memory, power and outgoing link (and not
  // the input's platform 0) form one type; the search counts their uses.
  void PrepareTypes();
  bool Interchangeable(size_t p, size_t q) const;
  // Called for each label a search checks, `steps` counting them (per
  // lane): every 4,096th call compares the time since planning began with
  // --time-limit (true: it has run out) and, from lane 0, reports progress
  // (`done` of the boundaries, `labels` so far) at most every 500 ms.
  bool TimeUp(int64_t& steps, int lane, double done, int64_t labels,
              std::chrono::steady_clock::time_point& last_report) const {
    if (++steps % 4096 != 0 || (!options_.time_limit_s && !options_.progress)) return false;
    const auto now = std::chrono::steady_clock::now();
    const bool up =
        options_.time_limit_s && std::chrono::duration<double>(now - started_).count() > *options_.time_limit_s;
    if (options_.progress && lane == 0 && now - last_report > std::chrono::milliseconds(500)) {
      options_.progress(done, labels);
      last_report = now;
    }
    return up;
  }

  // The threads the searches' lanes run on, kept from one pass to the next.
  LanePool& Lanes();

  // The dynamic program's states: keys x boundaries (a double: it can be
  // astronomically large).
  double SearchStates() const;
  // Throws when the dynamic program's states exceed --max-states.
  void CheckSearchSize() const;

  // The exact dynamic program (plan_dp.cc); `constrained` prunes infeasible
  // partial plans, otherwise the unconstrained Pareto set is computed.
  // kPareto: Pareto labels (the full Pareto set). For --best-only with the
  // throughput objective, kBottleneck finds the smallest bottleneck B* with
  // one label per state, then kFastest the lowest (latency, energy) among
  // plans whose stages and hops all take at most `cap` = B*.
  enum class DpMode { kPareto, kBottleneck, kFastest };
  // Adds a transfer's loads (none when `hop` is null) to the `count` open
  // loads at `base`, into `out`; returns `bottleneck` raised to every load
  // the transfer changed.
  Fixed AddLoads(const Load* base, int32_t count, const HopRef* hop, std::vector<Load>& out, Fixed bottleneck) const;
  // Marks the devices still free after a stage on q (`counts`: uses per type
  // after it, with --any-order; otherwise the platforms after q).
  void MarkUnused(const StateKeys& keys, int64_t counts, int q, std::vector<bool>& unused) const;
  // Drops the loads no transfer after a stage on q can add to: resources a
  // plan crosses at most once, and resources closed once `unused` is all
  // that is left.
  void SettleLoads(std::vector<Load>& carried, int q, const std::vector<bool>& unused) const;
  struct DpOutcome {
    std::vector<CompactPlan> plans;  // non-dominated, one per distinct metrics
    int64_t labels = 0;
    bool complete = true;
    Fixed best_bottleneck = 0;       // of plans[0] (single-label modes)
    Fixed best_latency = 0;          // of plans[0] (the dense program)
    Fixed best_energy = 0;
  };
  // `seed` (kPareto, constrained): a complete plan known before the search,
  // with its metrics (the dense program's best_*): a bound from the first
  // boundary on, and returned with the plans found when time runs out.
  DpOutcome RunDp(bool constrained, DpMode mode = DpMode::kPareto, Fixed cap = 0, const DpOutcome* seed = nullptr);
  // The single-label modes over dense cells (plan_dp_single.cc): the same
  // plan as RunDp, much faster. Empty when it does not apply (idle energy,
  // goals, more than 2^26 states); RunDp then searches.
  std::optional<DpOutcome> RunSingleDp(DpMode mode, Fixed cap);
  // One pass over the cells keeping only partial plans whose bottleneck and
  // loads are at most `limit`; `limited` tells whether anything was cut off.
  // `cells` holds one cell per state, left filled by an earlier round.
  std::optional<DpOutcome> RunDenseDp(DpMode mode, Fixed limit, bool& limited, DenseCells& cells);

  // The reach bound (docs/planning.md, "Search"), for chains whose
  // stage times grow with their end: starts[i] is the earliest boundary
  // from which the devices left at i (--any-order: i = the counts of a
  // key; --platforms order: i = the key, the platforms after its last) can
  // run the rest of the model with every stage at most `limit` and
  // fitting its device, transfers, input conversion and broken-fusion
  // extras left out (all are >= 0). A state (b, key) with b < starts[i]
  // has no completion within `limit`.
  void EarliestStarts(const StateKeys& keys, Fixed limit, std::vector<int32_t>& starts);
  // True when every cut is a prefix and no layer's latency is negative in
  // fixed point, so head sums never decrease: what the reach bound needs.
  // Computed once.
  bool HeadsGrow() const;
  // EarliestStarts with no limit (memory alone), computed once: the same in
  // every round and pass.
  const std::vector<int32_t>& ReachAny(const StateKeys& keys);
  // A limit within 1/64 above the relaxation's optimal bottleneck and at
  // least `from` (`from` itself when nothing fits at any limit).
  Fixed RelaxedBottleneck(const StateKeys& keys, Fixed from);
  // The index into EarliestStarts's table for a key.
  int64_t ReachIndex(const StateKeys& keys, int64_t key) const;

  // Devices used by the state with key `key` (with --any-order, summed
  // over the types; in platform order, 1 once a stage ran).
  int UsedDevices(const StateKeys& keys, int64_t key) const;
  // The device of the next stage for choice c from a state with `counts`
  // used and `used` devices (any order: the next unused instance of type
  // c, -1 when the type is used up; platform order: platform c), and
  // whether another stage can follow it.
  int NextDevice(const StateKeys& keys, int64_t counts, int used, int c, bool& more_after) const;

  // Number of plans over the cuts (orders or subsets of platforms × nested
  // chains of boundaries), as a double: it exceeds 2^63 from ~20 platforms.
  double TotalPlans() const;

  // Depth-first enumeration of every plan, for list_all only (at most
  // kMaxListedPlans plans).
  void Search(int depth, int from, uint64_t used, int last, std::vector<int>& path_platforms,
              std::vector<int>& path_ends);

  // Lower bounds on what the layers after boundary `b` still cost: each layer
  // at least its cheapest platform's latency and energy.
  Fixed RemainingLatency(int b) const { return min_head_latency_.back() - min_head_latency_[static_cast<size_t>(b)]; }
  Fixed RemainingEnergy(int b) const { return min_head_energy_.back() - min_head_energy_[static_cast<size_t>(b)]; }

  Metrics ToMetrics(Fixed latency, Fixed bottleneck, Fixed energy) const;

  // A complete plan's costs in fixed point, computed term by term as the
  // dynamic program adds them (so both agree exactly); `reachable` is false
  // when some transfer of the plan has no route.
  struct PathTotals {
    Fixed latency = 0;
    Fixed bottleneck = 0;
    Fixed energy = 0;
    bool reachable = true;
  };
  PathTotals PathCost(const std::vector<int>& path_platforms, const std::vector<int>& path_ends) const;

  void Finish(const std::vector<int>& path_platforms, const std::vector<int>& path_ends);

  // idle_w x (period - busy) for platforms with watt-based power (W x ms = mJ).
  double StageIdleEnergy(int p, double period_ms, double busy_ms) const;
  double IdleWatts(int p) const;

  bool MeetsGoals(const Metrics& m) const;

  // Recomputes every detail of one plan for the report, including why it is
  // infeasible; uses the same cost tables as the search.
  PlanReport Report(const CompactPlan& plan);

  StageReport Stage(int p, int from, int to);

  void Explain(PlanReport& report) const;

  static void SortByThroughput(std::vector<PlanReport>& plans);

  // True when `a` is better than `b` for the objective (ties broken by the others).
  bool Better(const PlanReport& a, const PlanReport& b) const;

  double Improvement(const PlanReport& plan, const PlanReport& base) const;

  void Recommend(PlanResult& result) const;

  const LayerGraph& graph_;
  const std::vector<Cut>& cuts_;
  const PlanTarget& target_;
  const std::vector<PlatformProfile>& platforms_;
  const std::vector<std::optional<LinkProfile>>& links_;
  const PlanOptions& options_;
  const bool search_;
  // False when --time-limit ran out while the transfers were priced: there
  // is then nothing to search (Run reports an incomplete, empty result).
  bool priced_ = true;
  int input_ = 0;                 // device producing the frames
  int output_ = -1;               // device results must reach (-1: where the last stage runs)
  std::optional<double> input_fps_;
  Fixed period_floor_ = 0;        // 1000 / input_fps in fixed point: no plan runs faster
  // --time-limit counts from here, across every program and round a plan runs.
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool converts_input_ = false;   // the sensor's type differs from the model input's
  int64_t sensor_elements_ = 0;
  bool per_sender_ = true;
  std::vector<Route> routes_;
  // Per pair of devices (chain shorthand: per sender) its route for every
  // boundary, -1 (unreachable), or -(k + 2): the route differs by payload
  // and pair_routes_by_b_[k] holds it per boundary.
  std::vector<int32_t> pair_route_;
  std::vector<std::vector<int32_t>> pair_routes_by_b_;
  std::vector<HopClass> hop_classes_;
  std::vector<Transfer> class_cost_ms_;   // per class and boundary, in doubles (reports, bounds)
  std::vector<FixedCost> class_cost_;     // the same in fixed point
  std::vector<bool> class_row_used_;      // some pair the search prices uses the row
  std::vector<double> class_busy_ms_;     // per class, boundary and slot (< 0: no load)
  std::vector<Fixed> class_busy_;         // the same in fixed point
  std::vector<Resource> resources_;
  std::vector<FixedCost> conversion_fixed_;
  std::vector<std::vector<bool>> partial_;  // per boundary, head flags for [range_begin_, range_end_)
  std::vector<int32_t> range_begin_;
  std::vector<int32_t> range_end_;
  bool all_prefixes_ = true;
  std::vector<std::vector<int>> successors_;  // only without all_prefixes_
  std::vector<std::vector<LayerCost>> layer_costs_;
  // Memory: parameters before each topological position, and per data type a
  // sparse table of live activation bytes (level k: max over 2^k positions).
  std::vector<int64_t> prefix_params_;
  // Per topological position, for reports: each platform's layer costs, MACs,
  // and whether the op has a MAC model.
  std::vector<std::vector<LayerCost>> topo_costs_;
  std::vector<int64_t> topo_macs_;
  std::vector<bool> topo_modelled_;
  std::vector<std::pair<DType, std::vector<std::vector<int64_t>>>> live_tables_;
  std::vector<std::unordered_map<uint64_t, StageMemory>> memory_;
  // Types: type_of_[p], and per type its platforms in ascending index.
  std::vector<int> type_of_;
  std::vector<std::vector<int>> instances_;
  ParetoArchive feasible_;
  ParetoArchive unconstrained_;
  std::vector<CompactPlan> all_;  // with list_all
  int64_t evaluated_ = 0;  // plans whose metrics were computed one by one (list_all)
  Quantum latency_q_;
  Quantum energy_q_;
  std::shared_ptr<DenseCells> dense_cells_;  // the dense program's cells, kept from one pass to the next
  std::shared_ptr<LanePool> lane_pool_;      // Lanes(), started on first use
  mutable std::optional<bool> heads_grow_;    // HeadsGrow(), once computed
  std::vector<int32_t> reach_any_;            // ReachAny(), once reach_any_filled_
  bool reach_any_filled_ = false;
  std::vector<FusionTable> fusion_;  // per platform
  bool any_fusion_splits_ = false;   // some boundary splits some platform's group
  std::vector<std::vector<Fixed>> head_latency_;  // per platform and boundary, fixed point
  std::vector<std::vector<Fixed>> head_energy_;
  std::vector<Fixed> min_head_latency_;
  std::vector<Fixed> min_head_energy_;
};

}  // namespace dnnpart::planner_detail
