// Private: the planner's search state, shared by plan_search.cc (preparing
// cost tables and enumerating plans) and plan_report.cc (turning plans into
// reports, ranking them). Only plan*.cc include this header. A Planner is
// built for one PlanPartitions/EvaluatePlan call and used by one thread.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "dnnpart/error.h"
#include "dnnpart/plan.h"

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

struct FixedCost {
  Fixed latency = 0;
  Fixed energy = 0;
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

  PlanReport EvaluateSpec(const PlanSpec& spec);

  PlanResult Run();

 private:
  // Boundary 0 is the empty head, 1..C the cuts, C+1 the whole model.
  int Full() const { return static_cast<int>(cuts_.size()) + 1; }

  void CheckLinks() const;

  std::vector<bool> ComputeMask(int b) const;
  const std::vector<bool>& BoundaryMask(int b) const { return masks_[static_cast<size_t>(b)]; }

  // Head of boundary b: all topological positions below begin_[b], some in
  // [begin_[b], end_[b]), none from end_[b] on.
  void PrepareMasks();

  const std::vector<TensorId>& Crossing(int b) const { return cuts_[static_cast<size_t>(b - 1)].crossing; }

  // For each boundary, the later boundaries whose heads strictly contain it.
  void PrepareBoundaries();

  // True when head(inner) is a proper subset of head(outer) (distinct
  // boundaries have distinct heads). Heads agree below both ranges and are
  // empty above them, so only the positions in between are compared.
  bool HeadContains(int outer, int inner) const;

  // Per platform and boundary: sums over the head, so a stage costs a difference.
  void PrepareCosts();

  // Per platform and boundary, head sums in fixed point for the search, plus
  // the cheapest-platform head sums behind its lower bounds.
  void PrepareFixedSums();


  // Layers in head(to) but not head(from), in topological order; only the
  // positions between the two heads' boundaries are looked at.
  std::vector<LayerId> StageLayers(int from, int to) const;

  struct StageMemory {
    int64_t weight_bytes = 0;
    int64_t peak_activation_bytes = 0;
  };

  // Memory of a stage, computed once per (platform, from, to).
  StageMemory Memory(int p, int from, int to);

  bool Fits(int p, int from, int to);

  bool LinkCarries(int sender, const Transfer& transfer) const;

  // Depth-first over stages: `from` is where the next stage starts.
  void Search(int depth, int from, uint32_t used, int last, Fixed latency, Fixed bottleneck, Fixed energy,
              bool feasible, std::vector<int>& path_platforms, std::vector<int>& path_ends);

  // Lower bounds on what the layers after boundary `b` still cost: each layer
  // at least its cheapest platform's latency and energy.
  Fixed RemainingLatency(int b) const { return min_head_latency_.back() - min_head_latency_[static_cast<size_t>(b)]; }
  Fixed RemainingEnergy(int b) const { return min_head_energy_.back() - min_head_energy_[static_cast<size_t>(b)]; }

  // True when every completion of a partial plan with these bounds would be
  // dominated by (or equal to) a plan already archived. With show_infeasible
  // both archives must agree, since each keeps plans the other does not.
  bool Dominated(Fixed latency_lb, Fixed bottleneck, Fixed energy_lb, bool feasible_so_far) const;

  // Number of plans that complete a partial plan ending at boundary `b`:
  // choices of further platforms times chains of nested boundaries to the end.
  int64_t Completions(int b, uint32_t used, int last) const;

  static int64_t SaturatingAdd(int64_t a, int64_t b) {
    return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b;
  }
  static int64_t SaturatingMul(int64_t a, int64_t b);

  // chains_[b][s]: ways to reach the whole model from boundary b in exactly s stages.
  void PrepareChains();

  // Completes a plan whose last stage runs on `last` from boundary `from`;
  // `feasible` covers everything but the last stage's memory.
  Metrics ToMetrics(Fixed latency, Fixed bottleneck, Fixed energy) const;

  void Finish(int last, int from, Fixed latency, Fixed bottleneck, Fixed energy, bool feasible,
              const std::vector<int>& path_platforms, const std::vector<int>& path_ends);

  // Energy platforms spend waiting each frame: idle_w x (period - busy time).
  Fixed IdleEnergy(Fixed period, const std::vector<int>& path_platforms, const std::vector<int>& path_ends) const;

  // idle_w x (period - busy) for platforms with watt-based power (W x ms = mJ).
  double StageIdleEnergy(int p, double period_ms, double busy_ms) const;

  bool MeetsGoals(const Metrics& m) const;

  // Recomputes every detail of one plan for the report, including why it is
  // infeasible; uses the same cost tables as the search.
  PlanReport Report(const CompactPlan& plan);

  StageReport Stage(int p, int from, int to);

  void AddHop(PlanReport& report, int from, int to, const char* what, int cut_index, const std::vector<TensorId>& tensors,
              const Transfer& transfer) const;

  void Explain(PlanReport& report) const;

  static void SortByThroughput(std::vector<PlanReport>& plans);

  // True when `a` is better than `b` for the objective (ties broken by the others).
  bool Better(const PlanReport& a, const PlanReport& b) const;

  double Improvement(const PlanReport& plan, const PlanReport& base) const;

  void Recommend(PlanResult& result) const;

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

}  // namespace dnnpart::planner_detail
