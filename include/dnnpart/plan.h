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
#include "dnnpart/system.h"

namespace dnnpart {

enum class Objective { kThroughput, kLatency, kEnergy };
enum class OutputAt { kLast, kFirst };

struct PlanOptions {
  bool any_order = false;              // also try every order of the platforms (always, over a system)
  OutputAt output_at = OutputAt::kLast;  // where the result is wanted (chain shorthand only)
  Objective objective = Objective::kThroughput;
  // The rate frames arrive at (unset: as fast as the pipeline takes them). A
  // plan's achieved rate is min(its pipeline rate, input_fps); link loads and
  // idle energy use the achieved rate. Overrides a system file's input rate.
  std::optional<double> input_fps;
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
  // Threads for the search (0: one per core). Only --best-only's bottleneck
  // rounds use a second thread today; the result is the same with any count.
  int threads = 0;
  // Called about twice a second during long searches with the fraction of
  // boundaries done and the partial plans kept so far; may be empty.
  std::function<void(double fraction, int64_t labels)> progress;
  // For tests only: switch off the search's shortcuts. The plans returned
  // must be the same either way; only plans_visited and the time change.
  struct Testing {
    bool general_program = false;  // never use the dense single-label program (--best-only)
    bool dense_only = false;       // an Error where --best-only would fall back to the general program
    bool no_bounds = false;        // no pruning of partial plans by lower bounds on their completions
    bool no_dominance = false;     // keep every partial plan of a state (Pareto search), no dominance by
                                   // states with fewer devices (--best-only's bottleneck pass)
    // The dense bottleneck program runs in rounds under a rising limit on
    // chains, and elsewhere when cells (states) x boundaries, a bound on the
    // stages it may try, reach this; below, one round without a limit.
    double round_work = 4194304;
    // The dense program splits each boundary's states over threads (lanes)
    // when it has at least this many keys per boundary and cells x
    // boundaries reach lane_work, and --threads allows more than one.
    double lane_states = 1024;
    double lane_work = 16777216;
    // ... and expands a boundary on the lanes only when it holds this many
    // labels; smaller ones are done on one thread.
    double lane_labels = 4096;
    // The Pareto search (and the general single-label one) splits each
    // boundary over lanes when its states, keys x boundaries, reach this.
    double pareto_lane_states = 65536;
    // The Pareto search starts from the throughput-optimal plan (the dense
    // program's) when its states reach this.
    double pareto_seed_states = 65536;
    // When above 0, the Pareto search stops after checking this many labels
    // (per lane), as if out of time.
    int64_t stop_after_labels = 0;
  } testing;
};

inline constexpr int64_t kMaxListedPlans = 100000;
inline constexpr int64_t kMaxStageLayersListed = 32;

// A fused group (nodes a platform runs as one kernel) that the stage runs
// only part of, and what that costs on top of its layers' charges
// (docs/planning.md, "Fusion-aware costs").
struct BrokenFusion {
  std::vector<std::string> group;      // all of the group's nodes, in topological order
  std::vector<std::string> in_stage;   // the ones this stage runs
  double extra_latency_ms = 0;         // included in the stage's latency_ms
  double extra_energy_mj = 0;          // included in its energy_mj
};

struct StageReport {
  int platform = 0;                    // device index: into the platforms given, or the system's devices
  std::string device;                  // the device instance's name (unique within a plan)
  int64_t layer_count = 0;
  std::string first_layer;
  std::string last_layer;
  int64_t after_cut = -1;              // the cut the stage starts after (-1: the model input)
  int64_t until_cut = -1;              // the cut it ends at (-1: the model output)
  std::vector<std::string> layers;     // node names in topological order, when at most kMaxStageLayersListed
  int64_t macs = 0;
  double latency_ms = 0;               // the layers, plus input_conversion_ms and broken fusions
  double input_conversion_ms = 0;      // first stage only: converting the sensor's frames to the model's input
  double measured_latency_ms = 0;      // part of latency_ms from measured tables
  double estimated_latency_ms = 0;     // part from the roofline estimate
  int64_t unmeasured_zero_layers = 0;  // layers costed 0 because the table lacks them
  bool zero_latency = false;           // the stage has layers but is predicted to take 0 ms
  std::vector<std::string> unmodelled_ops;  // op types of layers with neither a MAC model nor a
                                            // measured cost here; sorted, distinct
  std::vector<BrokenFusion> broken_fusions;  // by group order in the profile
  double energy_mj = 0;
  double idle_energy_mj = 0;
  int64_t weight_bytes = 0;
  int64_t peak_activation_bytes = 0;
  int64_t memory_bytes = 0;            // weights + peak activations
  double memory_capacity_bytes = 0;
};

// One link crossed by a transfer: its own payload, framing and costs. A
// route through other devices (store and forward) has several segments.
struct HopSegment {
  std::string medium;                  // the medium's name (chain shorthand: the link profile's name)
  std::string link;                    // link profile name
  std::string from_device;
  std::string to_device;
  Transfer transfer;
  std::vector<std::string> resources;  // the capacities it loads (docs/system.md), by name
};

struct HopReport {
  int from_platform = 0;               // device indices
  int to_platform = 0;
  std::string from_device;
  std::string to_device;
  std::string link;                    // link profile name (several joined by " + " on a routed transfer)
  std::string what;                    // "input", "activations" or "output"
  int64_t cut_id = -1;                 // cut crossed (-1 for input/output transfers)
  std::vector<TensorId> tensors;
  Transfer transfer;                   // summed over segments (payload: the first segment's)
  std::vector<HopSegment> segments;    // one per link crossed, in order
  double utilization = 0;              // largest load of a resource it crosses at the achieved rate
};

// A capacity the plan's transfers share (a link direction, a switch port, a
// shared segment): its busy time per frame adds up over every transfer that
// crosses it, and it is a pipeline stage of its own.
struct ResourceLoad {
  std::string name;                    // e.g. "eth: pi -> jetson", "wifi"
  double busy_ms = 0;                  // per frame
  double utilization = 0;              // busy_ms x achieved rate / 1000
};

// What limits a plan's rate: a stage, a link resource, or the input rate.
struct Bottleneck {
  std::string kind;                    // "stage", "link" or "input"
  int stage = -1;                      // stage index (kind "stage")
  std::string device;                  // its device (kind "stage")
  std::string resource;                // resource name (kind "link")
  double period_ms = 0;                // its time per frame
};

struct PlanReport {
  std::vector<StageReport> stages;
  std::vector<HopReport> hops;
  std::vector<ResourceLoad> resources; // every resource the plan loads, by name
  Bottleneck bottleneck;
  double latency_ms = 0;
  double throughput_fps = 0;           // achieved rate: min(pipeline_fps, input rate)
  double pipeline_fps = 0;             // the rate the pipeline could sustain (1000 / slowest stage or resource)
  double energy_mj = 0;
  bool feasible = true;
  std::vector<std::string> violations;  // why not feasible
  std::optional<double> accuracy;       // set by ScorePlanAccuracy (dnnpart/accuracy.h) only
};

struct PlanResult {
  std::vector<std::string> devices;    // device instance names, by device index
  size_t cut_count = 0;
  double plans_evaluated = 0;          // every plan over the cuts (a count; a double because it exceeds
                                       // 2^63 from ~20 platforms; exact below 2^53)
  int64_t plans_visited = 0;           // partial and complete plans the search kept and extended
  bool complete = true;                // false when time_limit_s stopped the search: the Pareto set
                                       // is the best found so far, not proven
  std::vector<PlanReport> pareto;       // feasible and non-dominated, by throughput descending
  std::vector<PlanReport> baselines;    // one per device, in device order
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

// The devices a plan runs on and how bytes move between them: the chain
// shorthand (--platforms with the link leaving each platform; the first
// produces the input, a transfer uses the sender's link) or a system file
// (docs/system.md: routes over links, switches and shared media).
struct PlanTarget {
  std::vector<std::string> names;                 // device instance names, unique
  std::vector<PlatformProfile> platforms;         // one per device
  std::vector<std::optional<LinkProfile>> links;  // chain shorthand: the link leaving each device
  std::optional<System> system;                   // set: route over it (links unused)
  size_t input_device = 0;                        // produces the frames
  std::optional<size_t> output_device;            // unset: results stay on the last stage's device
  std::optional<DType> input_dtype;               // the sensor's element type; unset: the model input's
  std::vector<int64_t> input_shape;               // the sensor's shape; empty: the model input's
  std::optional<double> input_fps;                // the system's input rate (PlanOptions::input_fps wins)
};

// The chain shorthand. Devices are named after their profiles; a name given
// more than once becomes "<name>#1", "<name>#2", ...
PlanTarget ChainTarget(const std::vector<PlatformProfile>& platforms,
                       const std::vector<std::optional<LinkProfile>>& links);

// Every device of `system`; the plan may use them in any order.
PlanTarget SystemTarget(const System& system);

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

// Plans `graph` over a target (ChainTarget or SystemTarget). Throws Error
// naming the device or file at fault.
PlanResult PlanPartitions(const LayerGraph& graph, const std::vector<Cut>& cuts, const PlanTarget& target,
                          const PlanOptions& options);
PlanReport EvaluatePlan(const LayerGraph& graph, const std::vector<Cut>& cuts, const PlanTarget& target,
                        const PlanOptions& options, const PlanSpec& spec);

}  // namespace dnnpart
