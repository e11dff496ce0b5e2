// The exact dynamic program over stage boundaries and device types
// (docs/planning.md, "Search"). A state is (boundary reached, which
// platforms are used, the previous stage's platform); with --any-order the
// used platforms are counted per type, so permutations of interchangeable
// devices are one state. Each state keeps the Pareto labels of its partial
// plans; complete plans go to one archive.
#include <algorithm>
#include <chrono>
#include <limits>
#include <mutex>
#include <tuple>

#include "plan_dp.h"

namespace dnnpart::planner_detail {
namespace {

using Clock = std::chrono::steady_clock;

// Final metrics of a complete plan in fixed point (all three: lower is better).
struct FinalCost {
  Fixed latency = 0;
  Fixed bottleneck = 0;
  Fixed energy = 0;
  int32_t label = -1;
};

bool NoWorse(const FinalCost& a, const FinalCost& b) {
  return a.latency <= b.latency && a.bottleneck <= b.bottleneck && a.energy <= b.energy;
}
bool SameCost(const FinalCost& a, const FinalCost& b) {
  return a.latency == b.latency && a.bottleneck == b.bottleneck && a.energy == b.energy;
}

// A label in its state's bucket, with what dominance compares: a bucket is
// scanned on every insertion, and the labels themselves are scattered.
struct Entry {
  Fixed latency = 0;
  Fixed bottleneck = 0;
  Fixed energy = 0;
  int64_t idle_units = 0;
  int32_t id = 0;
  int32_t loads_begin = 0;
  int32_t loads_count = 0;
};
using Bucket = std::vector<Entry>;

Entry EntryOf(const Label& x, int32_t id) {
  return Entry{x.latency, x.bottleneck, x.energy, x.idle_units, id, x.loads_begin, x.loads_count};
}

// The states reached at one boundary: each key's bucket of labels, found by
// open addressing and visited in key order.
class BoundaryStates {
 public:
  // The bucket of `key`, created empty if missing; its index stays valid
  // until Clear.
  int32_t Index(int64_t key) {
    if (2 * (keys_.size() + 1) > slots_.size()) Grow();
    size_t at = Slot(key);
    while (slots_[at] >= 0) {
      if (keys_[static_cast<size_t>(slots_[at])] == key) return slots_[at];
      at = (at + 1) & (slots_.size() - 1);
    }
    slots_[at] = static_cast<int32_t>(keys_.size());
    keys_.push_back(key);
    buckets_.emplace_back();
    return slots_[at];
  }
  Bucket& At(int32_t index) { return buckets_[static_cast<size_t>(index)]; }
  // The bucket of `key`, or null.
  const Bucket* Find(int64_t key) const {
    if (slots_.empty()) return nullptr;
    for (size_t at = Slot(key); slots_[at] >= 0; at = (at + 1) & (slots_.size() - 1)) {
      if (keys_[static_cast<size_t>(slots_[at])] == key) return &buckets_[static_cast<size_t>(slots_[at])];
    }
    return nullptr;
  }
  // Calls f(key, index) for each key, in no particular order.
  template <class F>
  void ForEachKey(F&& f) const {
    for (size_t i = 0; i < keys_.size(); ++i) f(keys_[i], static_cast<int32_t>(i));
  }
  void Clear() {
    std::vector<int64_t>().swap(keys_);
    std::vector<Bucket>().swap(buckets_);
    std::vector<int32_t>().swap(slots_);
  }

 private:
  size_t Slot(int64_t key) const {
    return static_cast<size_t>((static_cast<uint64_t>(key) * 0x9E3779B97F4A7C15ULL) >> 17) & (slots_.size() - 1);
  }
  void Grow() {
    slots_.assign(std::max<size_t>(16, 2 * slots_.size()), -1);
    for (size_t i = 0; i < keys_.size(); ++i) {
      size_t at = Slot(keys_[i]);
      while (slots_[at] >= 0) at = (at + 1) & (slots_.size() - 1);
      slots_[at] = static_cast<int32_t>(i);
    }
  }
  std::vector<int64_t> keys_;
  std::vector<Bucket> buckets_;
  std::vector<int32_t> slots_;  // index into keys_ and buckets_, -1 if empty
};

}  // namespace

LanePool::~LanePool() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void LanePool::Run(int count, const std::function<void(int)>& f) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    while (static_cast<int>(threads_.size()) < count - 1) {
      const int me = static_cast<int>(threads_.size()) + 1;
      threads_.emplace_back([this, me] { Work(me); });
    }
    job_ = &f;
    job_lanes_ = count;
    busy_ = count - 1;
    ++generation_;
  }
  wake_.notify_all();
  f(0);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return busy_ == 0; });
  job_ = nullptr;
}

void LanePool::Work(int me) {
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return quit_ || generation_ != seen; });
    if (quit_) return;
    seen = generation_;
    if (me >= job_lanes_) continue;  // not needed by this job
    const std::function<void(int)>* job = job_;
    lock.unlock();
    (*job)(me);
    lock.lock();
    if (--busy_ == 0) done_.notify_one();
  }
}

LanePool& Planner::Lanes() {
  if (!lane_pool_) lane_pool_ = std::make_shared<LanePool>();
  return *lane_pool_;
}

double Planner::SearchStates() const {
  const StateKeys keys(options_.any_order, instances_, platforms_.size());
  return keys.Size() * static_cast<double>(Full() + 1);
}

void Planner::CheckSearchSize() const {
  const StateKeys keys(options_.any_order, instances_, platforms_.size());
  const double states = SearchStates();
  if (states > static_cast<double>(options_.max_states)) {
    std::ostringstream text;
    text << "the search has " << states << " states (" << Full() + 1 << " boundaries x " << keys.Size()
         << " device combinations), above --max-states " << options_.max_states
         << "; raise --max-states, give fewer distinct platforms, drop --any-order or use a smaller --max-cut-tensors";
    throw Error(text.str());
  }
}

Planner::DpOutcome Planner::RunDp(bool constrained, DpMode mode, Fixed cap, const DpOutcome* seed) {
  const size_t n = platforms_.size();
  const StateKeys keys(options_.any_order, instances_, n);
  CheckSearchSize();
  if (mode != DpMode::kPareto && constrained) {
    if (std::optional<DpOutcome> fast = RunSingleDp(mode, cap)) return std::move(*fast);
    if (options_.testing.dense_only) throw Error("the dense program declined this search (testing.dense_only)");
  }
  const bool idle = options_.include_idle_energy;
  const bool prune_infeasible = constrained;
  const int full = Full();
  // The reach bound with memory alone (docs/planning.md, "Search"): a state
  // behind the earliest boundary from which the devices left can run the
  // rest with every stage fitting has no feasible completion.
  static const std::vector<int32_t> kNoReach;
  const std::vector<int32_t>& reach_any =
      prune_infeasible && !options_.testing.no_bounds && HeadsGrow() ? ReachAny(keys) : kNoReach;
  const bool single = mode != DpMode::kPareto;
  // Single-label modes: kBottleneck keeps the smallest bottleneck per state,
  // kFastest (all stages and hops within `cap`) the smallest (latency, energy).
  auto key_less = [mode](Fixed a_latency, Fixed a_bottleneck, Fixed a_energy, Fixed b_latency, Fixed b_bottleneck,
                         Fixed b_energy) {
    if (mode == DpMode::kBottleneck) return a_bottleneck < b_bottleneck;
    return a_latency < b_latency || (a_latency == b_latency && a_energy < b_energy);
  };

  // Lanes, as in the dense program: with prefix cuts only (where trying a
  // stage writes nothing shared) and enough states, the transitions out of
  // a boundary are split over threads by the state they lead to. The lane
  // that owns a state holds its labels, their open loads and its buckets,
  // and only it writes them; it takes its transitions in the single-threaded
  // order, so each bucket receives its offers in that order. Complete plans
  // wait until the boundary is done and join the archive in that order too,
  // and the bounds use the archive as it was when the boundary began: the
  // result and the count do not depend on the number of lanes.
  const unsigned threads = options_.threads > 0 ? static_cast<unsigned>(options_.threads)
                                                : std::max(1U, std::thread::hardware_concurrency());
  const int lanes_count =
      threads >= 2 && all_prefixes_ && SearchStates() >= options_.testing.pareto_lane_states
          ? static_cast<int>(std::min(threads, 8U))
          : 1;
  const int choices = options_.any_order ? static_cast<int>(instances_.size()) : static_cast<int>(n);
  // The bucket a transition lands in, found once per (state, next stage's
  // choice, end) rather than once per label: every label of a state leads
  // to the same buckets. An entry is valid while its stamp is the current
  // state's.
  struct Target {
    int64_t stamp = -1;
    int32_t index = -1;
  };
  // A complete plan waiting for the end of its boundary, and where it was
  // found: (the label's place among the boundary's labels, next choice).
  struct Found {
    int64_t seq = 0;
    int choice = 0;
    FinalCost cost;
  };
  struct Lane {
    // Labels and their open loads in chunks that never move: no copying as
    // they grow, a label's loads stay contiguous, and other lanes read them.
    StableArena<Label> arena;
    StableArena<Load> loads;
    std::vector<BoundaryStates> open;  // per boundary, this lane's states there
    std::vector<Target> targets;
    int64_t stamp = 0;
    std::vector<Load> carried, merged;
    std::vector<bool> unused;
    std::vector<Found> found;
    int64_t labels = 0;
    int64_t steps = 0;
    Clock::time_point last_report = Clock::now();
  };
  std::vector<Lane> lanes(static_cast<size_t>(lanes_count));
  for (Lane& lane : lanes) {
    lane.open.resize(static_cast<size_t>(full) + 1);
    lane.targets.resize(static_cast<size_t>(choices) * static_cast<size_t>(full + 1));
    lane.unused.assign(n, false);
  }
  // Label id: its place in its lane's arena times the lanes, plus the lane.
  auto label_at = [&](int32_t id) -> const Label& {
    return lanes[static_cast<size_t>(id % lanes_count)].arena[static_cast<size_t>(id / lanes_count)];
  };
  auto loads_of = [&](const Entry& x) {
    return lanes[static_cast<size_t>(x.id % lanes_count)].loads.At(static_cast<size_t>(x.loads_begin));
  };
  // a's open loads are no larger than b's, resource by resource.
  auto loads_no_worse = [&](const Entry& a, const Entry& b) {
    if (a.loads_count == 0) return true;
    if (b.loads_count == 0) return false;
    return LoadsNoWorse(loads_of(a), a.loads_count, loads_of(b), b.loads_count);
  };
  Label start;
  start.bottleneck = period_floor_;  // frames arrive no faster than the input rate
  lanes[0].arena.Push(start);        // id 0, in lane 0, which owns key 0
  lanes[0].open[0].At(lanes[0].open[0].Index(0)).push_back(EntryOf(start, 0));
  std::vector<FinalCost> archive;
  DpOutcome outcome;
  const Fixed slop = idle ? static_cast<Fixed>(n) + 2 : 0;  // rounding of idle terms still to come

  // Lexicographic order of two plans of equal length over (platform, end) per
  // stage: the order a depth-first enumeration would find them in.
  auto lex_less = [&](int32_t a, int32_t b) {
    std::vector<std::pair<int32_t, int32_t>> pa, pb;
    for (; a > 0; a = label_at(a).parent) pa.emplace_back(label_at(a).platform, label_at(a).end);
    for (; b > 0; b = label_at(b).parent) pb.emplace_back(label_at(b).platform, label_at(b).end);
    return std::lexicographical_compare(pa.rbegin(), pa.rend(), pb.rbegin(), pb.rend());
  };
  auto idle_energy = [this](int64_t units, Fixed period) {
    return energy_q_.To(static_cast<double>(units) / kIdleUnitsPerWatt * latency_q_.From(period));
  };
  // Keeps `label` in `bucket` unless a label there makes it redundant: no
  // worse everywhere and strictly better in an additive cost (which stays
  // strictly better after any completion), or found earlier in enumeration
  // order. A better bottleneck alone can be absorbed by a later stage.
  auto insert = [&](Bucket& bucket, const Entry& x) {
    if (options_.testing.no_dominance) {
      bucket.push_back(x);
      return true;
    }
    auto covers = [&](const Entry& a, const Entry& b) {
      if (single) {
        if (key_less(a.latency, a.bottleneck, a.energy, b.latency, b.bottleneck, b.energy)) {
          return loads_no_worse(a, b);
        }
        // Ties keep the label already there (a bucket's labels are all its
        // owner's, so ids grow in the order they came): deterministic, and
        // free of the path comparisons that dominate when many plans share
        // a bottleneck.
        return !key_less(b.latency, b.bottleneck, b.energy, a.latency, a.bottleneck, a.energy) && a.id < b.id &&
               loads_no_worse(a, b);
      }
      if (a.latency > b.latency || a.bottleneck > b.bottleneck || a.energy > b.energy || a.idle_units > b.idle_units) {
        return false;
      }
      return loads_no_worse(a, b) && (a.latency < b.latency || a.energy < b.energy || lex_less(a.id, b.id));
    };
    for (const Entry& other : bucket) {
      if (covers(other, x)) return false;
    }
    bucket.erase(std::remove_if(bucket.begin(), bucket.end(), [&](const Entry& other) { return covers(x, other); }),
                 bucket.end());
    bucket.push_back(x);
    return true;
  };
  // True when the archive turns `cost` away: no better in single-label
  // modes (ties keep the plan found first); otherwise a kept plan no worse,
  // or of the same cost and earlier in enumeration order.
  auto turned_away = [&](const FinalCost& cost) {
    if (single) {
      if (archive.empty()) return false;
      const FinalCost& kept = archive[0];
      const bool better = key_less(cost.latency, cost.bottleneck, cost.energy, kept.latency, kept.bottleneck, kept.energy);
      const bool worse = key_less(kept.latency, kept.bottleneck, kept.energy, cost.latency, cost.bottleneck, cost.energy);
      return worse || !better;
    }
    for (const FinalCost& kept : archive) {
      if (SameCost(kept, cost) ? !lex_less(cost.label, kept.label) : NoWorse(kept, cost)) return true;
    }
    return false;
  };
  auto offer = [&](const FinalCost& cost) {
    if (turned_away(cost)) return;
    if (single) {
      archive.assign(1, cost);
      return;
    }
    archive.erase(std::remove_if(archive.begin(), archive.end(),
                                 [&](const FinalCost& kept) { return NoWorse(cost, kept); }),
                  archive.end());
    archive.push_back(cost);
  };
  // The seed plan's metrics, when there is one: a plan it strictly
  // dominates is in no Pareto set, whether or not the search finds it first.
  const bool seeded = seed != nullptr && !seed->plans.empty() && mode == DpMode::kPareto;
  const FinalCost seed_cost{seeded ? seed->best_latency : 0, seeded ? seed->best_bottleneck : 0,
                            seeded ? seed->best_energy : 0, -1};
  // True when every completion is strictly dominated by an archived plan (or
  // the seed), or (constrained) misses a goal: `bound` is no worse than any
  // completion.
  auto hopeless = [&](const FinalCost& bound) {
    if (constrained && !MeetsGoals(ToMetrics(bound.latency, bound.bottleneck, bound.energy))) return true;
    if (seeded && NoWorse(seed_cost, bound) && !SameCost(seed_cost, bound)) return true;
    if (single) {
      return !archive.empty() && key_less(archive[0].latency, archive[0].bottleneck, archive[0].energy, bound.latency,
                                          bound.bottleneck, bound.energy);
    }
    for (const FinalCost& kept : archive) {
      if (NoWorse(kept, bound) && !SameCost(kept, bound)) return true;
    }
    return false;
  };
  // A complete plan ending in label `id` (in `lane`): kept for the archive
  // unless the archive as it stands turns it away already (it can only
  // grow stronger before the boundary ends).
  auto finish = [&](Lane& lane, int32_t id, const Found& where) -> bool {
    const Label& x = label_at(id);
    const Load* x_loads = x.loads_count > 0 ? lane.loads.At(static_cast<size_t>(x.loads_begin)) : nullptr;
    FinalCost cost{x.latency, x.bottleneck, x.energy, id};
    std::vector<Load>& merged = lane.merged;
    if (output_ >= 0 && x.platform != output_) {
      const HopRef out = Hop(x.platform, output_, full);
      if (out.route < 0) return false;  // the results cannot reach the output device
      cost.latency += out.cost.latency;
      cost.energy += out.cost.energy;
      cost.bottleneck = AddLoads(x_loads, x.loads_count, &out, merged, cost.bottleneck);
    } else if (mode == DpMode::kFastest) {
      merged.assign(x_loads, x_loads + x.loads_count);
    }
    if (mode == DpMode::kFastest) {
      for (const Load& load : merged) {
        if (load.busy > cap) return false;
      }
    }
    if (idle) cost.energy += idle_energy(x.idle_units, cost.bottleneck);
    if (mode == DpMode::kFastest && cost.bottleneck > cap) return false;
    if (constrained && !MeetsGoals(ToMetrics(cost.latency, cost.bottleneck, cost.energy))) return false;
    if (turned_away(cost)) return false;
    lane.found.push_back(Found{where.seq, where.choice, cost});
    return true;
  };

  // A partial plan is redundant when the same boundary was reached, ending
  // on the same type, with one device fewer of some type, no worse in
  // latency, bottleneck, energy and carried loads and strictly better in
  // latency or energy: each of its completions is open to that plan too and
  // strictly dominated there, so it is in no Pareto set (docs/planning.md,
  // "fewer devices"; without idle energy, whose credit depends on the
  // devices used).
  auto covered_with_fewer_devices = [&](const Entry& x, int64_t key, int b) {
    return keys.AnyWithOneFewer(key, [&](int64_t sub) {
      const Bucket* bucket = lanes[static_cast<size_t>(LaneOwner(sub, lanes_count))].open[static_cast<size_t>(b)].Find(sub);
      if (bucket == nullptr) return false;
      for (const Entry& l : *bucket) {
        if (l.latency <= x.latency && l.bottleneck <= x.bottleneck && l.energy <= x.energy &&
            (l.latency < x.latency || l.energy < x.energy) && loads_no_worse(l, x)) {
          return true;
        }
      }
      return false;
    });
  };

  LaneStop stop;  // out of time, or a lane failed
  int b = -1;
  std::vector<std::pair<int64_t, Entry>> at_b;  // the boundary's labels in single-threaded order
  std::vector<uint8_t> worth;
  std::vector<std::tuple<int64_t, int, int32_t>> keys_at_b;  // (key, lane, bucket)
  std::vector<Found> found;

  // Whether the seq-th label of boundary b is expanded at all: the bounds
  // and the dominance, which depend on the label alone.
  auto worth_expanding = [&](Lane& lane, int me, size_t seq) {
    if (TimeUp(lane.steps, me, static_cast<double>(b) / full, lane.labels * lanes_count, lane.last_report)) stop.now = true;
    if (options_.testing.stop_after_labels > 0 && lane.steps > options_.testing.stop_after_labels) stop.now = true;
    if (stop.now.load(std::memory_order_relaxed)) return false;
    const auto& [key, entry] = at_b[seq];
    const Label& x = label_at(entry.id);
    const Fixed energy_bound =
        x.base_energy + RemainingEnergy(b) + (idle ? idle_energy(x.idle_units, x.bottleneck) - (x.base_energy - x.energy) - slop : 0);
    if (b > 0 && !options_.testing.no_bounds &&
        hopeless(FinalCost{x.latency + RemainingLatency(b), x.bottleneck, energy_bound, -1})) {
      return false;
    }
    return !(mode == DpMode::kPareto && options_.any_order && !idle && keys.Last(key) >= 0 &&
             !options_.testing.no_dominance && covered_with_fewer_devices(entry, key, b));
  };

  // Expands the seq-th label of boundary b into lane me's states.
  auto expand = [&](Lane& lane, int me, size_t seq) {
    const auto& [key, entry] = at_b[seq];
    const int32_t id = entry.id;
    const Label x = label_at(id);
    const Load* x_loads = x.loads_count > 0 ? loads_of(entry) : nullptr;
    const int64_t counts = keys.Counts(key);
    const int last = keys.Last(key);  // type (any order) or platform index; -1 at the start
    const int used = UsedDevices(keys, key);
    std::vector<Load>& carried = lane.carried;
    // Next stage: a type not used up (any order), or a later platform.
    for (int c = options_.any_order ? 0 : last + 1; c < choices; ++c) {
      bool more_after = false;
      const int q = NextDevice(keys, counts, used, c, more_after);
      if (q < 0) continue;
      const int64_t next_key =
          options_.any_order ? keys.Key(keys.Add(counts, static_cast<size_t>(c)), c) : keys.Key(0, q);
      if (LaneOwner(next_key, lanes_count) != me) continue;  // another lane's state
      // The transfer into this stage: the model input from the input
      // device, or the tensors crossing b from the previous stage.
      HopRef hop;
      const HopRef* in_hop = nullptr;
      if (id == 0 && q != input_) in_hop = &(hop = Hop(input_, q, 0));
      if (id != 0) in_hop = &(hop = Hop(x.platform, q, b));
      if (in_hop != nullptr && in_hop->route < 0) continue;  // no route to q
      const FixedCost in = in_hop != nullptr ? in_hop->cost : FixedCost{};
      const Fixed in_bottleneck = AddLoads(x_loads, x.loads_count, in_hop, carried, x.bottleneck);
      if (mode == DpMode::kFastest && in_bottleneck > cap) continue;
      const FixedCost conversion = b == 0 ? conversion_fixed_[static_cast<size_t>(q)] : FixedCost{};
      // Resources no later transfer can cross are settled: their loads
      // are in the bottleneck already.
      if (!carried.empty()) {
        MarkUnused(keys, options_.any_order ? keys.Add(counts, static_cast<size_t>(c)) : 0, q, lane.unused);
        SettleLoads(carried, q, lane.unused);
      }
      const auto& head_latency = head_latency_[static_cast<size_t>(q)];
      const auto& head_energy = head_energy_[static_cast<size_t>(q)];
      Target* const to_target = lane.targets.data() + static_cast<size_t>(c) * static_cast<size_t>(full + 1);
      auto step = [&](int to) {
        const FixedCost fusion = FusionExtra(q, b, to);
        const Fixed stage = head_latency[static_cast<size_t>(to)] - head_latency[static_cast<size_t>(b)] +
                            conversion.latency + fusion.latency;
        const Fixed stage_energy = head_energy[static_cast<size_t>(to)] - head_energy[static_cast<size_t>(b)] +
                                   conversion.energy + fusion.energy;
        if (mode == DpMode::kFastest && stage > cap) return;
        Label y;
        y.latency = x.latency + in.latency + stage;
        y.bottleneck = std::max(in_bottleneck, stage);
        y.base_energy = x.base_energy + in.energy + stage_energy;
        y.energy = x.energy + in.energy + stage_energy;
        if (idle && IdleWatts(q) > 0) {
          y.idle_units = x.idle_units + std::llround(IdleWatts(q) * kIdleUnitsPerWatt);
          y.energy -= energy_q_.To(IdleWatts(q) * latency_q_.From(stage));
        } else {
          y.idle_units = x.idle_units;
        }
        y.parent = id;
        y.end = to;
        y.platform = q;
        const size_t loads_size = lane.loads.size();
        y.loads_begin = lane.loads.Append(carried.data(), carried.size());
        y.loads_count = static_cast<int32_t>(carried.size());
        const int32_t local = lane.arena.Push(y);
        if (local > (std::numeric_limits<int32_t>::max() - me) / lanes_count) {
          throw Error("the search keeps more than 2^31 labels");
        }
        const int32_t y_id = local * lanes_count + me;
        ++lane.labels;
        bool kept = false;
        if (to == full) {
          kept = finish(lane, y_id, Found{static_cast<int64_t>(seq), c, {}});
        } else {
          Target& t = to_target[to];
          BoundaryStates& there = lane.open[static_cast<size_t>(to)];
          if (t.stamp != lane.stamp) t = Target{lane.stamp, there.Index(next_key)};
          kept = insert(there.At(t.index), EntryOf(y, y_id));
        }
        if (!kept) {
          lane.arena.Truncate(static_cast<size_t>(local));
          lane.loads.Truncate(loads_size);
        }
      };
      if (more_after) {
        ForEachFittingEnd(q, b, prune_infeasible, [&](int to) {
          step(to);
          return true;
        });
      } else if (!prune_infeasible || Fits(q, b, full)) {
        step(full);  // nothing can follow: this stage runs to the end
      }
    }
  };

  // Between boundaries, on one thread: the complete plans the lanes found
  // join the archive in single-threaded order, and the next boundary's
  // labels are gathered in key order. -1 when the search is over.
  auto next_boundary = [&]() -> int64_t {
    found.clear();
    for (Lane& lane : lanes) {
      found.insert(found.end(), lane.found.begin(), lane.found.end());
      lane.found.clear();
      if (b >= 0) lane.open[static_cast<size_t>(b)].Clear();
    }
    std::sort(found.begin(), found.end(), [](const Found& l, const Found& r) {
      return l.seq < r.seq || (l.seq == r.seq && l.choice < r.choice);
    });
    for (const Found& f : found) offer(f.cost);
    ++b;
    if (b >= full || stop.now.load()) return -1;
    keys_at_b.clear();
    for (int me = 0; me < lanes_count; ++me) {
      lanes[static_cast<size_t>(me)].open[static_cast<size_t>(b)].ForEachKey(
          [&](int64_t key, int32_t index) { keys_at_b.emplace_back(key, me, index); });
    }
    std::sort(keys_at_b.begin(), keys_at_b.end());
    at_b.clear();
    for (const auto& [key, me, index] : keys_at_b) {
      if (!reach_any.empty() && b < reach_any[static_cast<size_t>(ReachIndex(keys, key))]) continue;
      for (const Entry& entry : lanes[static_cast<size_t>(me)].open[static_cast<size_t>(b)].At(index)) {
        at_b.emplace_back(key, entry);
      }
    }
    worth.assign(at_b.size(), 0);
    return static_cast<int64_t>(at_b.size());
  };
  auto share = [&](int me, bool checking) {
    Lane& lane = lanes[static_cast<size_t>(me)];
    try {
      if (checking) {
        // Each lane checks one block of the labels.
        auto block = [&](int i) { return at_b.size() * static_cast<size_t>(i) / static_cast<size_t>(lanes_count); };
        for (size_t i = block(me), end = block(me + 1); i < end; ++i) worth[i] = worth_expanding(lane, me, i) ? 1 : 0;
      } else {
        int64_t state = -1;
        for (size_t i = 0; i < at_b.size() && !stop.now.load(std::memory_order_relaxed); ++i) {
          if (worth[i] == 0) continue;
          if (at_b[i].first != state) {  // a new state: its targets are found afresh
            state = at_b[i].first;
            ++lane.stamp;
          }
          expand(lane, me, i);
        }
      }
    } catch (...) {
      stop.Fail();  // the first lane to fail stops the others; its error is rethrown
    }
  };
  RunBoundaries(Lanes(), lanes_count, options_.testing.lane_labels, next_boundary, share, stop);
  stop.RethrowIfFailed();
  if (stop.now.load()) outcome.complete = false;
  for (const Lane& lane : lanes) outcome.labels += lane.labels;

  if (!archive.empty()) outcome.best_bottleneck = archive[0].bottleneck;
  std::sort(archive.begin(), archive.end(), [&](const FinalCost& l, const FinalCost& r) { return lex_less(l.label, r.label); });
  for (const FinalCost& cost : archive) {
    CompactPlan plan;
    for (int32_t id = cost.label; id > 0; id = label_at(id).parent) {
      plan.platforms.push_back(label_at(id).platform);
      plan.ends.push_back(label_at(id).end);
    }
    std::reverse(plan.platforms.begin(), plan.platforms.end());
    std::reverse(plan.ends.begin(), plan.ends.end());
    outcome.plans.push_back(std::move(plan));
  }
  // Out of time: the seed is a plan of the Pareto set (no plan is strictly
  // better in all three), so it joins what was found unless a plan of the
  // same metrics is there already.
  if (!outcome.complete && seeded &&
      std::none_of(archive.begin(), archive.end(), [&](const FinalCost& kept) { return SameCost(kept, seed_cost); })) {
    outcome.plans.push_back(seed->plans[0]);
  }
  return outcome;
}

Fixed Planner::AddLoads(const Load* base, int32_t count, const HopRef* hop, std::vector<Load>& out,
                        Fixed bottleneck) const {
  out.assign(base, base + count);
  if (hop == nullptr || hop->route < 0) return bottleneck;
  const Route& route = routes_[static_cast<size_t>(hop->route)];
  for (size_t k = 0; k < route.resources.size(); ++k) {
    const Fixed busy = hop->busy[route.slots[k]];
    if (busy < 0) continue;  // no byte crosses this resource
    const Load add{route.resources[k], busy};
    auto at = std::lower_bound(out.begin(), out.end(), add.resource,
                               [](const Load& l, int32_t r) { return l.resource < r; });
    if (at != out.end() && at->resource == add.resource) {
      at->busy += add.busy;
    } else {
      at = out.insert(at, add);
    }
    bottleneck = std::max(bottleneck, at->busy);
  }
  return bottleneck;
}

int Planner::UsedDevices(const StateKeys& keys, int64_t key) const {
  if (!options_.any_order) return keys.Last(key) >= 0 ? 1 : 0;
  const int64_t counts = keys.Counts(key);
  int used = 0;
  for (size_t t = 0; t < instances_.size(); ++t) used += keys.Used(counts, t);
  return used;
}

int Planner::NextDevice(const StateKeys& keys, int64_t counts, int used, int c, bool& more_after) const {
  const int n = static_cast<int>(platforms_.size());
  if (!options_.any_order) {
    more_after = c + 1 < n;
    return c;
  }
  const auto& of_type = instances_[static_cast<size_t>(c)];
  const int k = keys.Used(counts, static_cast<size_t>(c));
  if (k >= static_cast<int>(of_type.size())) return -1;
  more_after = used + 1 < n;
  return of_type[static_cast<size_t>(k)];
}

void Planner::MarkUnused(const StateKeys& keys, int64_t counts, int q, std::vector<bool>& unused) const {
  std::fill(unused.begin(), unused.end(), false);
  if (options_.any_order) {
    for (size_t t = 0; t < instances_.size(); ++t) {
      for (size_t k = static_cast<size_t>(keys.Used(counts, t)); k < instances_[t].size(); ++k) {
        unused[static_cast<size_t>(instances_[t][k])] = true;
      }
    }
  } else {
    for (size_t d = static_cast<size_t>(q) + 1; d < unused.size(); ++d) unused[d] = true;
  }
}

void Planner::SettleLoads(std::vector<Load>& carried, int q, const std::vector<bool>& unused) const {
  carried.erase(std::remove_if(carried.begin(), carried.end(),
                               [&](const Load& load) {
                                 return !resources_[static_cast<size_t>(load.resource)].reused ||
                                        !StillOpen(load.resource, q, unused);
                               }),
                carried.end());
}

}  // namespace dnnpart::planner_detail
