// Planner: the exact multi-objective search over pipeline partitions.
//
// A plan runs the model as a pipeline of stages, one per platform used, in the
// order of --platforms (or any order with any_order). Stage boundaries are
// nested cuts from the cut finder. An exact dynamic program covers every plan
// over the given cuts (no sampling); the result holds the Pareto set over
// (throughput, latency, energy) among feasible plans, each single-platform
// baseline, and the recommended plan. Formulas: docs/planning.md.
// PlanPartitions is a pure function; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dnnpart/cost.h"
#include "dnnpart/cuts.h"
#include "dnnpart/graph.h"
#include "dnnpart/profiles.h"

namespace dnnpart {

enum class Objective { kThroughput, kLatency, kEnergy };
enum class OutputAt { kLast, kFirst };

struct PlanOptions {
  bool any_order = false;              // also try every order of the platforms
  OutputAt output_at = OutputAt::kLast;  // where the result is wanted
  Objective objective = Objective::kThroughput;
  std::optional<double> fps;           // target frame rate: link load is checked against it
  std::optional<double> max_latency_ms;
  std::optional<double> min_fps;
  std::optional<double> max_energy_mj;
  bool include_idle_energy = false;    // add idle_w x waiting time per frame
  bool show_infeasible = false;        // also return rejected Pareto-optimal plans
  bool list_all = false;               // return every plan (no pruning); refused above kMaxListedPlans
  // Return only the recommended plan as the Pareto set. With the throughput
  // objective and no latency/fps/energy goals or idle energy this runs a
  // bottleneck dynamic program (one label per state), much faster than the
  // Pareto search with many devices; otherwise the Pareto set is computed
  // and reduced to the recommended plan.
  bool best_only = false;
  // Stop after this many seconds and return the plans found so far, marked
  // not complete (unset: no limit).
  std::optional<double> time_limit_s;
  // Refuse (Error naming the size) when the search has more states than this:
  // boundaries x combinations of used devices x previous device.
  int64_t max_states = 200'000'000;
  // Called about twice a second during long searches with the fraction of
  // boundaries done and the partial plans kept so far; may be empty.
  std::function<void(double fraction, int64_t labels)> progress;
};

inline constexpr int64_t kMaxListedPlans = 100000;

struct StageReport {
  int platform = 0;                    // index into the platforms given
  int64_t layer_count = 0;
  std::string first_layer;
  std::string last_layer;
  int64_t macs = 0;
  double latency_ms = 0;
  double measured_latency_ms = 0;      // part of latency_ms from measured tables
  double estimated_latency_ms = 0;     // part from the roofline estimate
  int64_t unmeasured_zero_layers = 0;  // layers costed 0 because the table lacks them
  bool zero_latency = false;           // the stage has layers but is predicted to take 0 ms
  std::vector<std::string> unmodelled_ops;  // op types of layers with neither a MAC model nor a
                                            // measured cost here; sorted, distinct
  double energy_mj = 0;
  double idle_energy_mj = 0;
  int64_t weight_bytes = 0;
  int64_t peak_activation_bytes = 0;
  int64_t memory_bytes = 0;            // weights + peak activations
  double memory_capacity_bytes = 0;
};

struct HopReport {
  int from_platform = 0;
  int to_platform = 0;
  std::string link;                    // link profile name
  std::string what;                    // "input", "activations" or "output"
  int64_t cut_id = -1;                 // cut crossed (-1 for input/output transfers)
  std::vector<TensorId> tensors;
  Transfer transfer;
  double utilization = 0;              // wire bytes x fps / bandwidth (0 without --fps)
};

struct PlanReport {
  std::vector<StageReport> stages;
  std::vector<HopReport> hops;
  double latency_ms = 0;
  double throughput_fps = 0;
  double energy_mj = 0;
  bool feasible = true;
  std::vector<std::string> violations;  // why not feasible
  std::optional<double> accuracy;       // set by ScorePlanAccuracy (dnnpart/accuracy.h) only
};

struct PlanResult {
  size_t cut_count = 0;
  double plans_evaluated = 0;          // every plan over the cuts (a count; a double because it exceeds
                                       // 2^63 from ~20 platforms; exact below 2^53)
  int64_t plans_visited = 0;           // partial and complete plans the search kept and extended
  bool complete = true;                // false when time_limit_s stopped the search: the Pareto set
                                       // is the best found so far, not proven
  std::vector<PlanReport> pareto;       // feasible and non-dominated, by throughput descending
  std::vector<PlanReport> baselines;    // one per platform, in --platforms order
  std::optional<size_t> recommended;    // index into pareto
  std::optional<size_t> best_baseline;  // index into baselines, by the objective
  std::optional<double> improvement_pct;  // recommended vs best baseline, by the objective; unset
                                          // when undefined (both free or infinitely fast)
  std::vector<PlanReport> rejected;     // with show_infeasible: infeasible plans of the unconstrained Pareto set
  std::vector<PlanReport> all;          // with list_all: every plan, in search order
};

// One hand-picked plan: the platform of each stage, and the cut (index into
// the cuts given) after each stage but the last. Heads must be nested.
struct PlanSpec {
  std::vector<int> platforms;
  std::vector<size_t> cuts;
};

// Evaluates one plan with the same cost model as the search; the report says
// whether it is feasible and why not. Throws Error for an invalid spec.
PlanReport EvaluatePlan(const LayerGraph& graph, const std::vector<Cut>& cuts,
                        const std::vector<PlatformProfile>& platforms,
                        const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& options,
                        const PlanSpec& spec);

// Plans `graph` over `platforms` (the first produces the input) with the links
// leaving each platform. Throws Error when a needed link is missing or the
// options are inconsistent.
PlanResult PlanPartitions(const LayerGraph& graph, const std::vector<Cut>& cuts,
                          const std::vector<PlatformProfile>& platforms,
                          const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& options);

}  // namespace dnnpart
