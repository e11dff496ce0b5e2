// The single-label modes of the dynamic program (--best-only with the
// throughput objective: kBottleneck, then kFastest) over dense cells. Each
// state (boundary, key) is one cell holding the state's first label, so a
// transition costs a few array accesses instead of a label in an arena and a
// bucket in a map. A state needs more than one label only when partial
// plans carry open loads on shared resources (switch ports, shared media)
// that neither dominates; those labels are chained from the cell into an
// overflow list. The work is done in RunDp's order, with its tie-breaking
// (the label found first stays), so both return the same plan; RunDp stays
// the reference and the fallback (docs/planning.md, "Search"). Boundaries
// are expanded one after the other; within one, the states are split over
// lanes (threads) by the state they lead to, with the same result and
// count whatever the number of lanes ("Threads").
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <tuple>

#include "plan_dp.h"

namespace dnnpart::planner_detail {
namespace {

using Clock = std::chrono::steady_clock;

// Above this many cells (40 bytes each) the general program is used.
// The cells are zeroed lazily by the system, so only the states a search
// reaches take memory (rounds under the reach bound reach few); the general
// program would need far more for as many. When the system refuses the
// address space, the general program is used too.
constexpr double kMaxDenseCells = 268435456.0;  // 2^28 cells of 40 bytes: 10.7 GB if every state is reached

constexpr int32_t kDead = -3;   // a label another one made redundant (it has no children yet)
constexpr int32_t kEmpty = -2;  // Cell::platform of a state no plan reached
constexpr int32_t kStart = -1;  // Cell::platform of the empty plan

}  // namespace

// All zero bits: no plan reached the state, so calloc's untouched pages are
// empty cells.
struct DenseCell {
  Fixed latency = 0;
  Fixed bottleneck = 0;
  Fixed energy = 0;
  // The label of the plan before this stage: a cell index (>= 0), or
  // -(i * lanes + lane + 1) for label i of a lane's overflow list.
  int32_t parent = 0;
  int32_t loads_begin = 0;  // into the loads of the lane that owns the state
  int32_t more = 0;         // the state's next label: the overflow label -more (0: none)
  int16_t device = 0;       // platform of the last stage + 2 (kEmpty + 2 = 0, kStart + 2 = 1, kDead + 2 = -1)
  int16_t loads_count = 0;
};
static_assert(sizeof(DenseCell) == 40, "dense cells stay 40 bytes");

// One cell per state, zeroed by the system until touched, and the cells a
// round filled (to empty them for the next round).
struct DenseCells {
  struct Free {
    void operator()(DenseCell* cells) const { std::free(cells); }
  };
  std::unique_ptr<DenseCell[], Free> cells;
  std::vector<int64_t> touched;
};

namespace {

using Cell = DenseCell;

int32_t PlatformOf(const Cell& cell) { return cell.device - 2; }

}  // namespace

std::optional<Planner::DpOutcome> Planner::RunSingleDp(DpMode mode, Fixed cap) {
  if (options_.testing.general_program || options_.include_idle_energy || options_.max_latency_ms ||
      options_.min_fps || options_.max_energy_mj) {
    return std::nullopt;
  }
  // A cell counts its open loads in 16 bits.
  if (resources_.size() > static_cast<size_t>(std::numeric_limits<int16_t>::max())) return std::nullopt;
  const StateKeys keys(options_.any_order, instances_, platforms_.size());
  const double cells_count = keys.Size() * static_cast<double>(Full() + 1);
  if (cells_count > kMaxDenseCells) return std::nullopt;
  bool limited = false;
  // One buffer serves both programs (and every round): pages the first
  // touched are not faulted in again.
  if (!dense_cells_) {
    dense_cells_ = std::make_shared<DenseCells>();
    dense_cells_->cells.reset(
        static_cast<DenseCell*>(std::calloc(static_cast<size_t>(cells_count), sizeof(DenseCell))));
    if (!dense_cells_->cells) {
      dense_cells_.reset();
      return std::nullopt;
    }
  }
  DenseCells& cells = *dense_cells_;
  if (mode == DpMode::kFastest) return RunDenseDp(mode, cap, limited, cells);
  // Chains always go in rounds: their first limit is the reach bound's
  // relaxed optimum, so even small ones gain (50 layers over 8 devices:
  // 148 thousand labels in one unlimited round, 2.5 thousand in rounds).
  // Elsewhere small searches take one round: rounds would repeat work that
  // bounds already keep small. Each state may try a stage to every later
  // boundary, so the size is cells x boundaries.
  const bool heads_grow = HeadsGrow();
  if (options_.testing.no_bounds ||
      (!heads_grow && cells_count * static_cast<double>(Full() + 1) < options_.testing.round_work)) {
    return RunDenseDp(mode, std::numeric_limits<Fixed>::max(), limited, cells);
  }
  // kBottleneck in rounds under a rising limit U: a round keeps only partial
  // plans whose bottleneck is at most U, so no stage longer than U is ever
  // tried. A round that finds a plan has found the optimum (every prefix of
  // a plan within U is within U, so the round is exact for plans within U);
  // one that cut nothing off and found nothing proves there is no plan.
  //
  // On chains U starts within 1/64 above the optimum of the reach bound's
  // relaxation (no transfers; memory and whole layers counted), found by
  // doubling and bisection, and grows by a gap that starts at 1/64 of it
  // and doubles each round: rounds below the optimum are cheap there (the
  // reach bound cuts them short), while a round's cost climbs steeply with
  // its excess over the optimum, which this keeps within the last gap.
  // Elsewhere U starts at the cheapest total work spread evenly over every
  // device (or the input's period) and grows by a quarter.
  constexpr Fixed kMaxFixed = std::numeric_limits<Fixed>::max();
  Fixed limit = std::max<Fixed>({period_floor_, RemainingLatency(0) / static_cast<Fixed>(platforms_.size()), 1});
  Fixed gap = 0;
  if (heads_grow) {
    limit = RelaxedBottleneck(keys, limit);
    gap = limit / 64 + 1;
  }
  auto grow = [&gap](Fixed u) {
    const Fixed step = gap > 0 ? gap : u / 4 + 1;
    if (gap > 0) gap = gap > kMaxFixed / 2 ? kMaxFixed : gap * 2;
    return u > kMaxFixed - step ? kMaxFixed : u + step;
  };
  int64_t labels = 0;
  for (;;) {
    limited = false;
    std::optional<DpOutcome> outcome = RunDenseDp(mode, limit, limited, cells);
    if (!outcome) return outcome;
    labels += outcome->labels;
    // Settled: found the optimum, ran out of time, or cut nothing off and
    // found nothing (no plan exists).
    if (!outcome->plans.empty() || !outcome->complete || !limited) {
      outcome->labels = labels;
      return outcome;
    }
    limit = grow(limit);
  }
}

std::optional<Planner::DpOutcome> Planner::RunDenseDp(DpMode mode, Fixed limit, bool& limited,
                                                      DenseCells& buffer) {
  const size_t n = platforms_.size();
  const StateKeys keys(options_.any_order, instances_, n);
  const int full = Full();
  // Cell of (boundary b, key k) at k * (full + 1) + b: a stage's ends are adjacent.
  Cell* const cells = buffer.cells.get();
  // Reused from an earlier round: the cells it filled back to empty.
  for (const int64_t index : buffer.touched) cells[index] = Cell{};
  buffer.touched.assign(1, 0);
  cells[0].device = kStart + 2;
  cells[0].bottleneck = period_floor_;  // frames arrive no faster than the input rate
  // Between prefix boundaries a stage's time grows with its end when no
  // layer costs less than nothing (the profiles refuse negative costs) and
  // no cut breaks a fused group: a broken fusion's extra can make a stage
  // that ends inside a group dearer than a longer one.
  const bool heads_grow = HeadsGrow();
  const bool growing = heads_grow && !any_fusion_splits_;

  // The reach bound: states behind the earliest boundary from which the
  // devices left can still finish, every stage fitting (reach_any) and
  // within the limit (reach_limit; in kBottleneck, once a plan is found,
  // strictly below its bottleneck). Transfers are left out, so it holds
  // for every chain whose head sums grow, broken fusions or not.
  const bool reach_bound = heads_grow && !options_.testing.no_bounds;
  static const std::vector<int32_t> kNoReach;
  const std::vector<int32_t>& reach_any = reach_bound ? ReachAny(keys) : kNoReach;
  std::vector<int32_t> reach_limit;
  Fixed reach_at = limit;
  if (reach_bound) EarliestStarts(keys, limit, reach_limit);

  // kBottleneck orders by bottleneck, kFastest by (latency, energy).
  auto less = [mode](const Cell& a, const Cell& b) {
    if (mode == DpMode::kBottleneck) return a.bottleneck < b.bottleneck;
    return a.latency < b.latency || (a.latency == b.latency && a.energy < b.energy);
  };

  // Lanes: with prefix cuts only (where nothing shared is written while
  // stages are tried) and enough states per boundary, the states reached
  // from a boundary are split over threads by the state they lead to: the
  // lane that owns a state writes its cells, labels and open loads, and
  // only it. Each lane goes over all states of the boundary in the same
  // order and takes the transitions into its own states, so every state
  // receives its offers in the single-threaded order, and the bounds use
  // only what was known when the boundary began: the result and the count
  // do not depend on the number of lanes.
  const unsigned threads = options_.threads > 0 ? static_cast<unsigned>(options_.threads)
                                                : std::max(1U, std::thread::hardware_concurrency());
  const double work = keys.Size() * static_cast<double>(full + 1) * static_cast<double>(full + 1);
  const int lanes_count = threads >= 2 && all_prefixes_ && keys.Size() >= options_.testing.lane_states &&
                                  work >= options_.testing.lane_work
                              ? static_cast<int>(std::min(threads, 8U))
                              : 1;
  auto owner = [lanes_count](int64_t key) { return LaneOwner(key, lanes_count); };
  // Where a complete plan was found: (boundary, label's place among the
  // boundary's labels, next device choice). Ties keep the earliest.
  using Order = std::tuple<int, int64_t, int>;
  struct Lane {
    StableArena<Load> loads;     // open loads of the labels of its states
    StableArena<Cell> extra;     // overflow labels of its states
    StableArena<int64_t> extra_home;
    std::vector<std::vector<int32_t>> reached;  // per boundary, its states reached there
    std::vector<int64_t> touched;
    std::vector<Load> carried, merged;
    std::vector<bool> unused;
    int64_t labels = 0;
    int64_t steps = 0;
    Clock::time_point last_report = Clock::now();
    bool limited = false;
    Cell best;  // this boundary's best complete plan (platform: its last stage's)
    bool found = false;
    Order order;
  };
  std::vector<Lane> lanes(static_cast<size_t>(lanes_count));
  for (Lane& lane : lanes) {
    lane.reached.resize(static_cast<size_t>(full) + 1);
    lane.unused.assign(n, false);
  }
  lanes[static_cast<size_t>(owner(0))].reached[0].push_back(0);

  auto lane_of_ref = [&](int32_t ref) {
    return ref >= 0 ? owner(ref / (full + 1)) : (-ref - 1) % lanes_count;
  };
  auto label_at = [&](int32_t ref) -> Cell& {
    if (ref >= 0) return cells[static_cast<size_t>(ref)];
    const int32_t code = -ref - 1;
    return *lanes[static_cast<size_t>(code % lanes_count)].extra.At(static_cast<size_t>(code / lanes_count));
  };
  auto home_of = [&](int32_t ref) {
    if (ref >= 0) return int64_t{ref};
    const int32_t code = -ref - 1;
    return *lanes[static_cast<size_t>(code % lanes_count)].extra_home.At(static_cast<size_t>(code / lanes_count));
  };
  // The open loads of label `ref` (null when it has none).
  auto loads_of = [&](int32_t ref, const Cell& label) -> const Load* {
    if (label.loads_count == 0) return nullptr;
    return lanes[static_cast<size_t>(lane_of_ref(ref))].loads.At(static_cast<size_t>(label.loads_begin));
  };

  // The search's best complete plan as of the boundary being expanded:
  // the bounds use only this, so they do not depend on the lanes.
  Cell best;
  bool found = false;
  Order best_order;
  DpOutcome outcome;
  LaneStop stop;  // out of time, or a lane failed

  // One lane's share of boundary b, whose live labels (state, label) are
  // `at_b` in the single-threaded order: first (`checking`) whether each is
  // worth expanding, into `worth`, then the expansions into its states.
  std::vector<uint8_t> worth;
  auto expand_boundary = [&](int me, int b, const std::vector<std::pair<int32_t, int32_t>>& at_b, bool checking) {
    Lane& lane = lanes[static_cast<size_t>(me)];
    std::vector<Load>& carried = lane.carried;
    std::vector<Load>& merged = lane.merged;
    // A complete plan ending in y (its open loads in `carried`).
    auto finish = [&](Cell y, const Order& order) {
      if (output_ >= 0 && PlatformOf(y) != output_) {
        const HopRef out = Hop(PlatformOf(y), output_, full);
        if (out.route < 0) return;  // the results cannot reach the output device
        y.latency += out.cost.latency;
        y.energy += out.cost.energy;
        y.bottleneck = AddLoads(carried.data(), static_cast<int32_t>(carried.size()), &out, merged, y.bottleneck);
      } else {
        merged = carried;
      }
      bool over = y.bottleneck > limit;
      for (const Load& load : merged) over = over || load.busy > limit;
      if (over) {
        lane.limited = true;
        return;
      }
      if (lane.found && (less(lane.best, y) || !less(y, lane.best))) return;  // ties keep the plan found first
      lane.best = y;
      lane.found = true;
      lane.order = order;
    };
    // Offers y (its open loads in `carried`) to its state, as RunDp's insert
    // does: a label there whose open loads are no larger and that is no worse
    // makes y redundant (ties keep the label found first); labels y makes
    // redundant are dropped. They have no children yet: their boundary is
    // ahead of the one being expanded.
    auto relax = [&](int64_t key, int to, Cell y) {
      const int64_t index = key * (full + 1) + to;
      Cell& cell = cells[static_cast<size_t>(index)];
      const auto y_count = static_cast<int16_t>(carried.size());
      y.loads_count = y_count;
      y.more = 0;
      auto append_loads = [&] { return lane.loads.Append(carried.data(), carried.size()); };
      if (PlatformOf(cell) == kEmpty) {
        y.loads_begin = append_loads();
        lane.reached[static_cast<size_t>(to)].push_back(static_cast<int32_t>(key));
        lane.touched.push_back(index);
        cell = y;
        return;
      }
      auto live = [](const Cell& l) { return PlatformOf(l) != kDead; };
      for (int32_t ref = static_cast<int32_t>(index);;) {
        const Cell& l = label_at(ref);
        if (live(l) && !less(y, l) && LoadsNoWorse(loads_of(ref, l), l.loads_count, carried.data(), y_count)) return;
        if (l.more == 0) break;
        ref = -l.more;
      }
      bool others = false;  // a label y does not make redundant stays
      int32_t tail = static_cast<int32_t>(index);
      for (int32_t ref = tail;;) {
        Cell& l = label_at(ref);
        if (live(l)) {
          if (less(y, l) && LoadsNoWorse(carried.data(), y_count, loads_of(ref, l), l.loads_count)) {
            l.device = kDead + 2;
          } else {
            others = true;
          }
        }
        tail = ref;
        if (l.more == 0) break;
        ref = -l.more;
      }
      if (!others) {  // y is the state's only label: in the cell, in its loads slot when large enough
        if (cell.loads_count >= y_count && y_count > 0) {
          y.loads_begin = cell.loads_begin;
          std::copy(carried.begin(), carried.end(), lane.loads.At(static_cast<size_t>(y.loads_begin)));
        } else {
          y.loads_begin = append_loads();
        }
        cell = y;
        return;
      }
      // After the state's other labels, as RunDp appends to its bucket.
      y.loads_begin = append_loads();
      const int32_t i = lane.extra.Append(&y, 1);
      lane.extra_home.Append(&index, 1);
      if (i > (std::numeric_limits<int32_t>::max() - me - 1) / lanes_count) {
        throw Error("the search keeps more than 2^31 labels of states with open loads");
      }
      label_at(tail).more = i * lanes_count + me + 1;
    };

    // A label can be dropped when the same boundary was reached with one
    // device fewer of some type, ending on the same type, with open loads no
    // larger and (kBottleneck) a bottleneck no larger or (kFastest) a strictly
    // smaller (latency, energy): every completion of it is open to that label
    // too, with at least as many devices left. kBottleneck only needs the
    // optimum's value (the plan comes from the kFastest pass), so ties may go;
    // in kFastest the completions there are strictly better, so the plan
    // found is the same.
    // Devices of one type are interchangeable, and the resources that carry
    // open loads (shared media, the input's and output's ports) are not
    // per-instance, so the loads compare resource by resource.
    auto covered_with_fewer_devices = [&](const Cell& x, const Load* x_loads, int32_t key) {
      return keys.AnyWithOneFewer(key, [&](int64_t sub) {
        for (int32_t ref = static_cast<int32_t>(sub * (full + 1) + b);;) {
          const Cell& l = label_at(ref);
          if (PlatformOf(l) == kEmpty) return false;
          const bool better = mode == DpMode::kBottleneck ? l.bottleneck <= x.bottleneck : less(l, x);
          if (PlatformOf(l) != kDead && better && LoadsNoWorse(loads_of(ref, l), l.loads_count, x_loads, x.loads_count)) {
            return true;
          }
          if (l.more == 0) return false;
          ref = -l.more;
        }
      });
    };

    // Whether label `ref` of state (b, key) is expanded at all: the bounds
    // and the dominance, which depend on the label alone.
    auto worth_expanding = [&](int32_t key, int32_t ref) {
      const Cell& x = label_at(ref);
      if (TimeUp(lane.steps, me, static_cast<double>(b) / full, lane.labels * lanes_count, lane.last_report)) {
        stop.now = true;
      }
      if (stop.now.load(std::memory_order_relaxed)) return false;
      // RunDp's bound: every completion is worse than the plan found.
      if (b > 0 && found && !options_.testing.no_bounds) {
        Cell bound = x;
        bound.latency += RemainingLatency(b);
        bound.energy += RemainingEnergy(b);
        if (less(best, bound)) return false;
      }
      // kBottleneck: a plan no better than the one found cannot replace it
      // (ties keep the first), and the bottleneck only grows.
      if (mode == DpMode::kBottleneck && found && !options_.testing.no_bounds && x.bottleneck >= best.bottleneck) {
        return false;
      }
      if (reach_bound) {
        const auto at = static_cast<size_t>(ReachIndex(keys, key));
        if (b < reach_any[at]) return false;  // no completion fits, whatever the limit
        if (b < reach_limit[at]) {
          lane.limited = true;
          return false;
        }
      }
      return !(options_.any_order && keys.Last(key) >= 0 && !options_.testing.no_dominance &&
               covered_with_fewer_devices(x, loads_of(ref, x), key));
    };
    // Expands label `ref` of state (b, key), the seq-th label of the
    // boundary, into this lane's states.
    auto expand = [&](int32_t key, int32_t ref, int64_t seq) {
      const Cell x = label_at(ref);
      const Load* x_loads = loads_of(ref, x);
      const int64_t counts = keys.Counts(key);
      const int last = keys.Last(key);
      const int used = UsedDevices(keys, key);
      const bool bounded = mode == DpMode::kBottleneck && found && !options_.testing.no_bounds;
      const int choices = options_.any_order ? static_cast<int>(instances_.size()) : static_cast<int>(n);
      for (int c = options_.any_order ? 0 : last + 1; c < choices; ++c) {
        bool more_after = false;
        const int q = NextDevice(keys, counts, used, c, more_after);
        if (q < 0) continue;
        const int64_t after = options_.any_order ? keys.Add(counts, static_cast<size_t>(c)) : 0;
        const int64_t next_key = options_.any_order ? keys.Key(after, c) : keys.Key(0, q);
        if (owner(next_key) != me) continue;  // another lane's state
        HopRef hop;
        const HopRef* in_hop = nullptr;
        if (PlatformOf(x) == kStart && q != input_) in_hop = &(hop = Hop(input_, q, 0));
        if (PlatformOf(x) != kStart) in_hop = &(hop = Hop(PlatformOf(x), q, b));
        if (in_hop != nullptr && in_hop->route < 0) continue;
        const FixedCost in = in_hop != nullptr ? in_hop->cost : FixedCost{};
        const Fixed in_bottleneck = AddLoads(x_loads, x.loads_count, in_hop, carried, x.bottleneck);
        if (in_bottleneck > limit) {
          lane.limited = true;
          continue;
        }
        if (bounded && in_bottleneck >= best.bottleneck) continue;
        const FixedCost conversion = b == 0 ? conversion_fixed_[static_cast<size_t>(q)] : FixedCost{};
        if (!carried.empty()) {
          MarkUnused(keys, after, q, lane.unused);
          SettleLoads(carried, q, lane.unused);
        }
        const auto& head_latency = head_latency_[static_cast<size_t>(q)];
        const auto& head_energy = head_energy_[static_cast<size_t>(q)];
        // False when no later end can do better: the stage does not fit in
        // q's memory, or (growing) is already too long (`fits`: known to fit).
        auto step = [&](int to, bool fits = false) {
          const FixedCost fusion = FusionExtra(q, b, to);
          const Fixed stage = head_latency[static_cast<size_t>(to)] - head_latency[static_cast<size_t>(b)] +
                              conversion.latency + fusion.latency;
          // With growing stage times, a stage too long now is too long for
          // every later end as well.
          if (stage > limit) {
            lane.limited = true;
            return !growing;
          }
          if (mode == DpMode::kBottleneck && found && !options_.testing.no_bounds && stage >= best.bottleneck) {
            return !growing;
          }
          if (!fits && !Fits(q, b, to)) return false;
          ++lane.labels;
          Cell y;
          y.latency = x.latency + in.latency + stage;
          y.bottleneck = std::max(in_bottleneck, stage);
          y.energy = x.energy + in.energy + head_energy[static_cast<size_t>(to)] -
                     head_energy[static_cast<size_t>(b)] + conversion.energy + fusion.energy;
          y.parent = ref;
          y.device = static_cast<int16_t>(q + 2);
          if (to == full) {
            finish(y, Order{b, seq, c});
          } else {
            relax(next_key, to, y);
          }
          return true;
        };
        if (more_after) {
          ForEachFittingEnd(q, b, true, [&](int to) { return step(to, true); });
        } else {
          step(full);
        }
      }
    };
    try {
      if (checking) {
        // Each lane checks one block of the labels.
        const auto share = [&](int lane_index) {
          return at_b.size() * static_cast<size_t>(lane_index) / static_cast<size_t>(lanes_count);
        };
        for (size_t i = share(me), end = share(me + 1); i < end; ++i) {
          worth[i] = worth_expanding(at_b[i].first, at_b[i].second) ? 1 : 0;
        }
      } else {
        for (size_t i = 0; i < at_b.size() && !stop.now.load(std::memory_order_relaxed); ++i) {
          if (worth[i] != 0) expand(at_b[i].first, at_b[i].second, static_cast<int64_t>(i));
        }
      }
    } catch (...) {
      // The first lane to fail stops the others; its error is rethrown.
      stop.Fail();
    }
  };

  // Between boundaries, on one thread: the lanes' best plans and counts
  // merged, the next boundary's states gathered, the bounds brought up to
  // date. False when the search is over.
  int b = -1;
  std::vector<std::pair<int32_t, int32_t>> at_b;
  std::vector<int32_t> keys_at_b;
  auto next_boundary = [&]() {
    for (Lane& lane : lanes) {
      if (lane.found && (!found || less(lane.best, best) || (!less(best, lane.best) && lane.order < best_order))) {
        best = lane.best;
        best_order = lane.order;
        found = true;
      }
      lane.found = false;
    }
    ++b;
    if (b >= full || stop.now.load()) return false;
    keys_at_b.clear();
    for (Lane& lane : lanes) {
      auto& here = lane.reached[static_cast<size_t>(b)];
      keys_at_b.insert(keys_at_b.end(), here.begin(), here.end());
      here = {};
    }
    std::sort(keys_at_b.begin(), keys_at_b.end());
    at_b.clear();
    for (const int32_t key : keys_at_b) {
      for (int32_t ref = static_cast<int32_t>(key * (full + 1) + b);;) {
        const Cell& label = label_at(ref);
        if (PlatformOf(label) != kDead) at_b.emplace_back(key, ref);
        if (label.more == 0) break;
        ref = -label.more;
      }
    }
    worth.assign(at_b.size(), 0);
    // A plan found: only completions strictly below its bottleneck count.
    if (reach_bound && mode == DpMode::kBottleneck && found && best.bottleneck - 1 < reach_at) {
      reach_at = best.bottleneck - 1;
      EarliestStarts(keys, reach_at, reach_limit);
    }
    return true;
  };
  RunBoundaries(
      Lanes(), lanes_count, options_.testing.lane_labels,
      [&]() { return next_boundary() ? static_cast<int64_t>(at_b.size()) : int64_t{-1}; },
      [&](int me, bool checking) { expand_boundary(me, b, at_b, checking); }, stop);
  stop.RethrowIfFailed();
  if (stop.now.load()) outcome.complete = false;
  for (Lane& lane : lanes) {
    outcome.labels += lane.labels;
    limited = limited || lane.limited;
    buffer.touched.insert(buffer.touched.end(), lane.touched.begin(), lane.touched.end());
  }
  if (found) {
    outcome.best_bottleneck = best.bottleneck;
    outcome.best_latency = best.latency;
    outcome.best_energy = best.energy;
    CompactPlan plan;
    plan.platforms.push_back(PlatformOf(best));
    plan.ends.push_back(full);
    for (int32_t at = best.parent; PlatformOf(label_at(at)) != kStart; at = label_at(at).parent) {
      plan.platforms.push_back(PlatformOf(label_at(at)));
      plan.ends.push_back(static_cast<int>(home_of(at) % (full + 1)));
    }
    std::reverse(plan.platforms.begin(), plan.platforms.end());
    std::reverse(plan.ends.begin(), plan.ends.end());
    outcome.plans.push_back(std::move(plan));
  }
  return outcome;
}

Fixed Planner::RelaxedBottleneck(const StateKeys& keys, Fixed from) {
  std::vector<int32_t> starts;
  auto within = [&](Fixed limit) {
    EarliestStarts(keys, limit, starts);
    return starts[0] == 0;
  };
  constexpr Fixed kMax = std::numeric_limits<Fixed>::max();
  if (!within(kMax)) return from;  // nothing fits: the first round proves it
  Fixed below = from - 1;          // the relaxation needs more than `below`
  Fixed above = from;
  while (!within(above)) {
    below = above;
    above = above > kMax / 2 ? kMax : above * 2;
  }
  while (above - below > above / 64 + 1) {
    const Fixed mid = below + (above - below) / 2;
    (within(mid) ? above : below) = mid;
  }
  return above;
}

int64_t Planner::ReachIndex(const StateKeys& keys, int64_t key) const {
  return options_.any_order ? keys.Counts(key) : key;
}

bool Planner::HeadsGrow() const {
  if (heads_grow_) return *heads_grow_;
  heads_grow_ = all_prefixes_;
  for (const auto& head : head_latency_) {
    for (size_t b = 0; b + 1 < head.size() && *heads_grow_; ++b) {
      if (head[b + 1] < head[b]) heads_grow_ = false;
    }
  }
  return *heads_grow_;
}

const std::vector<int32_t>& Planner::ReachAny(const StateKeys& keys) {
  if (!reach_any_filled_) {
    EarliestStarts(keys, std::numeric_limits<Fixed>::max(), reach_any_);
    reach_any_filled_ = true;
  }
  return reach_any_;
}

void Planner::EarliestStarts(const StateKeys& keys, Fixed limit, std::vector<int32_t>& starts) {
  const int full = Full();
  // The earliest b <= e from which one stage on q ends at e within the
  // limit and fits q. Both tests only get harder as b moves back (head sums
  // grow; a prefix stage's weights and activation peak grow with its
  // range), so the boundaries that pass form an interval ending at e.
  auto earliest = [&](int q, int32_t e) {
    const auto& head = head_latency_[static_cast<size_t>(q)];
    int32_t lo = 0, hi = e;
    while (lo < hi) {
      const int32_t mid = lo + (hi - lo) / 2;
      if (head[static_cast<size_t>(e)] - head[static_cast<size_t>(mid)] <= limit && Fits(q, mid, e)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  };
  if (options_.any_order) {
    // Counts in decreasing order: a count with one more device comes later
    // in the mixed radix, so it is done first.
    starts.assign(static_cast<size_t>(keys.CountsSize()), full);
    for (int64_t counts = keys.CountsSize() - 1; counts >= 0; --counts) {
      int32_t start = full;
      for (size_t t = 0; t < instances_.size(); ++t) {
        if (keys.Used(counts, t) >= static_cast<int>(instances_[t].size())) continue;
        // Leaving this device unused, or one stage on it first.
        const int32_t then = starts[static_cast<size_t>(keys.Add(counts, t))];
        start = std::min(start, earliest(instances_[t][0], then));
      }
      starts[static_cast<size_t>(counts)] = start;
    }
    return;
  }
  // --platforms order: starts[k] for the key of last platform k - 1, so the
  // platforms from k on are left.
  const size_t n = platforms_.size();
  starts.assign(n + 1, full);
  for (size_t k = n; k-- > 0;) {
    starts[k] = std::min(starts[k + 1], earliest(static_cast<int>(k), starts[k + 1]));
  }
}

}  // namespace dnnpart::planner_detail
