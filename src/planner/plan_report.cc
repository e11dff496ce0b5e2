// Turning compact plans into reports (stages, hops, violations) and ranking
// them (Pareto order, recommendation, improvement over the baselines).
#include <map>
#include <set>

#include "planner.h"

namespace dnnpart::planner_detail {

PlanReport Planner::EvaluateSpec(const PlanSpec& spec) {
  const size_t n = platforms_.size();
  if (spec.platforms.empty() || spec.cuts.size() + 1 != spec.platforms.size()) {
    throw Error("a plan needs one platform per stage and one cut between consecutive stages");
  }
  CompactPlan plan;
  std::vector<bool> used(n, false);
  for (int p : spec.platforms) {
    if (p < 0 || static_cast<size_t>(p) >= n || used[static_cast<size_t>(p)]) {
      throw Error("plan platforms must be distinct and valid");
    }
    used[static_cast<size_t>(p)] = true;
    plan.platforms.push_back(p);
  }
  int from = 0;
  for (size_t c : spec.cuts) {
    if (c >= cuts_.size()) throw Error("plan cut " + std::to_string(c) + " does not exist");
    const int to = static_cast<int>(c) + 1;
    if (!IsSuccessor(from, to)) throw Error("plan cuts must have strictly nested heads");
    plan.ends.push_back(to);
    from = to;
  }
  plan.ends.push_back(Full());
  return Report(plan);
}

PlanResult Planner::Run() {
  PlanResult result;
  result.cut_count = cuts_.size();
  result.plans_evaluated = TotalPlans();
  std::vector<CompactPlan> feasible, unconstrained;
  if (!priced_) {
    result.complete = false;
    return result;
  }
  if (options_.list_all) {
    if (result.plans_evaluated > static_cast<double>(kMaxListedPlans) || platforms_.size() > 64) {
      std::ostringstream text;
      text << "--all-plans would list " << result.plans_evaluated << " plans (at most " << kMaxListedPlans
           << "); use fewer platforms or a smaller --max-cut-tensors";
      throw Error(text.str());
    }
    std::vector<int> path_platforms, path_ends;
    Search(0, 0, 0U, -1, path_platforms, path_ends);
    result.plans_visited = evaluated_;
    for (const auto& entry : feasible_.entries()) feasible.push_back(entry.second);
    for (const auto& entry : unconstrained_.entries()) unconstrained.push_back(entry.second);
  } else if (options_.best_only && options_.objective == Objective::kThroughput && !options_.max_latency_ms &&
             !options_.min_fps && !options_.max_energy_mj && !options_.include_idle_energy &&
             !options_.show_infeasible) {
    DpOutcome outcome = RunDp(true, DpMode::kBottleneck);
    result.plans_visited = outcome.labels;
    result.complete = outcome.complete;
    if (!outcome.plans.empty() && result.complete) {
      const Fixed cap = outcome.best_bottleneck;
      outcome = RunDp(true, DpMode::kFastest, cap);
      result.plans_visited += outcome.labels;
      result.complete = outcome.complete;
    }
    feasible = std::move(outcome.plans);
  } else {
    // The throughput-optimal plan first, when the dense program applies (no
    // goals, no idle energy): the fastest of those with the least
    // bottleneck, a member of the Pareto set. The search uses it as a bound
    // from its first boundary, and returns it if time runs out.
    // When it proves that no plan fits, the search is over.
    std::optional<DpOutcome> seed;
    bool none_fits = false;
    if (!options_.testing.no_bounds && !options_.testing.general_program &&
        SearchStates() >= options_.testing.pareto_seed_states) {
      std::optional<DpOutcome> bottleneck = RunSingleDp(DpMode::kBottleneck, 0);
      if (bottleneck) {
        result.plans_visited += bottleneck->labels;
        none_fits = bottleneck->complete && bottleneck->plans.empty();
        if (bottleneck->complete && !bottleneck->plans.empty()) {
          seed = RunSingleDp(DpMode::kFastest, bottleneck->best_bottleneck);
          if (seed) result.plans_visited += seed->labels;
        }
      }
      if (seed && (!seed->complete || seed->plans.empty())) seed.reset();
    }
    DpOutcome outcome = none_fits ? DpOutcome{} : RunDp(true, DpMode::kPareto, 0, seed ? &*seed : nullptr);
    feasible = std::move(outcome.plans);
    result.plans_visited += outcome.labels;
    result.complete = outcome.complete;
    if (options_.show_infeasible && result.complete) {
      outcome = RunDp(false);
      unconstrained = std::move(outcome.plans);
      result.plans_visited += outcome.labels;
      result.complete = outcome.complete;
    }
  }
  for (const CompactPlan& plan : feasible) result.pareto.push_back(Report(plan));
  SortByThroughput(result.pareto);
  for (int p = 0; p < static_cast<int>(platforms_.size()); ++p) {
    result.baselines.push_back(Report(CompactPlan{{p}, {Full()}}));
  }
  if (options_.show_infeasible) {
    for (const CompactPlan& plan : unconstrained) {
      PlanReport report = Report(plan);
      if (!report.feasible) result.rejected.push_back(std::move(report));
    }
    SortByThroughput(result.rejected);
  }
  for (const CompactPlan& plan : all_) result.all.push_back(Report(plan));
  Recommend(result);
  if (options_.best_only && result.recommended && result.pareto.size() > 1) {
    PlanReport best = std::move(result.pareto[*result.recommended]);
    result.pareto.assign(1, std::move(best));
    result.recommended = 0;
  }
  return result;
}

PlanReport Planner::Report(const CompactPlan& plan) {
  PlanReport report;
  int from = 0;
  for (size_t s = 0; s < plan.platforms.size(); ++s) {
    const int p = plan.platforms[s];
    const int to = plan.ends[s];
    if (s == 0 && p != input_) report.hops.push_back(HopDetail(input_, p, 0, "input"));
    if (s > 0) report.hops.push_back(HopDetail(plan.platforms[s - 1], p, from, "activations"));
    report.stages.push_back(Stage(p, from, to));
    if (s == 0 && converts_input_) {
      const LayerCost conversion = Conversion(p);
      report.stages.back().input_conversion_ms = conversion.latency_ms;
      report.stages.back().latency_ms += conversion.latency_ms;
      report.stages.back().energy_mj += conversion.energy_mj;
    }
    from = to;
  }
  const int last = plan.platforms.back();
  if (output_ >= 0 && last != output_) report.hops.push_back(HopDetail(last, output_, Full(), "output"));
  // Totals added up in the same order as the search.
  double latency = 0, energy = 0;
  for (size_t s = 0, h = 0; s < report.stages.size(); ++s) {
    const bool has_in = s > 0 || plan.platforms[0] != input_;
    const Transfer in = has_in ? report.hops[h++].transfer : Transfer{};
    latency = latency + in.latency_ms + report.stages[s].latency_ms;
    energy = energy + in.energy_mj + report.stages[s].energy_mj;
  }
  if (output_ >= 0 && last != output_) {
    latency += report.hops.back().transfer.latency_ms;
    energy += report.hops.back().transfer.energy_mj;
  }
  // Resources: every transfer's time on each resource it crosses adds up.
  std::map<std::string, ResourceLoad> loads;
  std::map<std::string, double> bandwidth;
  for (const HopReport& hop : report.hops) {
    for (const HopSegment& segment : hop.segments) {
      for (const std::string& name : segment.resources) {
        ResourceLoad& load = loads[name];
        load.name = name;
        load.busy_ms += segment.transfer.latency_ms;
        load.utilization += static_cast<double>(segment.transfer.wire_bytes);  // bytes for now
      }
    }
  }
  for (const Resource& resource : resources_) bandwidth[resource.name] = resource.bandwidth_bytes_per_s;
  Bottleneck bottleneck;
  bottleneck.kind = "stage";
  for (size_t s = 0; s < report.stages.size(); ++s) {
    if (s == 0 || report.stages[s].latency_ms > bottleneck.period_ms) {
      bottleneck.stage = static_cast<int>(s);
      bottleneck.device = report.stages[s].device;
      bottleneck.period_ms = report.stages[s].latency_ms;
    }
  }
  for (const auto& [name, load] : loads) {
    if (load.busy_ms > bottleneck.period_ms) {
      bottleneck = Bottleneck{"link", -1, "", name, load.busy_ms};
    }
  }
  report.pipeline_fps = bottleneck.period_ms > 0 ? 1000.0 / bottleneck.period_ms : kInf;
  double period = bottleneck.period_ms;
  if (input_fps_ && 1000.0 / *input_fps_ >= period) {
    bottleneck = Bottleneck{"input", -1, "", "", 1000.0 / *input_fps_};
    period = bottleneck.period_ms;
  }
  report.bottleneck = bottleneck;
  report.throughput_fps = bottleneck.kind == "input" ? *input_fps_ : period > 0 ? 1000.0 / period : kInf;
  const double rate = std::isfinite(report.throughput_fps) ? report.throughput_fps : 0.0;
  for (auto& [name, load] : loads) {
    load.utilization = load.utilization * rate / bandwidth[name];
    report.resources.push_back(load);
  }
  for (HopReport& hop : report.hops) {
    for (const HopSegment& segment : hop.segments) {
      for (const std::string& name : segment.resources) hop.utilization = std::max(hop.utilization, loads[name].utilization);
    }
  }
  if (options_.include_idle_energy) {
    double idle = 0;
    for (StageReport& stage : report.stages) {
      stage.idle_energy_mj = StageIdleEnergy(stage.platform, period, stage.latency_ms);
      idle += stage.idle_energy_mj;
    }
    energy += idle;
  }
  report.latency_ms = latency;
  report.energy_mj = energy;
  Explain(report);
  return report;
}

StageReport Planner::Stage(int p, int from, int to) {
  const PlatformProfile& platform = platforms_[static_cast<size_t>(p)];
  StageReport stage;
  stage.platform = p;
  stage.device = target_.names[static_cast<size_t>(p)];
  stage.after_cut = from > 0 ? from - 1 : -1;
  stage.until_cut = to < Full() ? to - 1 : -1;
  // Topological positions of the stage: a range between prefix boundaries,
  // else the positions of its layers.
  const auto& order = graph_.topological_order();
  std::vector<int32_t> positions;
  const bool prefix = range_begin_[static_cast<size_t>(from)] == range_end_[static_cast<size_t>(from)] &&
                      range_begin_[static_cast<size_t>(to)] == range_end_[static_cast<size_t>(to)];
  if (!prefix) {
    for (LayerId l : StageLayers(from, to)) positions.push_back(graph_.topo_position(l));
  }
  const int32_t begin = range_begin_[static_cast<size_t>(from)], end = range_begin_[static_cast<size_t>(to)];
  const size_t count = prefix ? static_cast<size_t>(end - begin) : positions.size();
  auto position = [&](size_t i) { return prefix ? begin + static_cast<int32_t>(i) : positions[i]; };
  stage.layer_count = static_cast<int64_t>(count);
  stage.first_layer = graph_.layer(order[static_cast<size_t>(position(0))]).name;
  if (stage.layer_count <= kMaxStageLayersListed) {
    for (size_t i = 0; i < count; ++i) stage.layers.push_back(graph_.layer(order[static_cast<size_t>(position(i))]).name);
  }
  stage.last_layer = graph_.layer(order[static_cast<size_t>(position(count - 1))]).name;
  // Reports add the layers' costs in topological order, so the same stage
  // always shows the same numbers (the search uses exact fixed-point sums).
  std::set<std::string> unmodelled;
  const std::vector<LayerCost>& costs = topo_costs_[static_cast<size_t>(p)];
  for (size_t i = 0; i < count; ++i) {
    const auto pos = static_cast<size_t>(position(i));
    const LayerCost& cost = costs[pos];
    if (!topo_modelled_[pos] && cost.source != CostSource::kMeasured) unmodelled.insert(graph_.layer(order[pos]).op_type);
    stage.latency_ms += cost.latency_ms;
    stage.energy_mj += cost.energy_mj;
    stage.macs += topo_macs_[pos];
    if (cost.source == CostSource::kMeasured) stage.measured_latency_ms += cost.latency_ms;
    if (cost.source == CostSource::kEstimated) stage.estimated_latency_ms += cost.latency_ms;
    if (cost.source == CostSource::kZero) ++stage.unmeasured_zero_layers;
  }
  stage.unmodelled_ops.assign(unmodelled.begin(), unmodelled.end());
  stage.broken_fusions = BrokenFusions(p, from, to);
  for (const BrokenFusion& broken : stage.broken_fusions) {
    stage.latency_ms += broken.extra_latency_ms;
    stage.energy_mj += broken.extra_energy_mj;
  }
  stage.zero_latency = stage.layer_count > 0 && stage.latency_ms == 0;
  const StageMemory memory = Memory(p, from, to);
  stage.weight_bytes = memory.weight_bytes;
  stage.peak_activation_bytes = memory.peak_activation_bytes;
  stage.memory_bytes = memory.weight_bytes + memory.peak_activation_bytes;
  stage.memory_capacity_bytes = platform.memory_capacity_bytes;
  return stage;
}

void Planner::Explain(PlanReport& report) const {
  auto fail = [&report](std::string why) {
    report.feasible = false;
    report.violations.push_back(std::move(why));
  };
  for (const StageReport& stage : report.stages) {
    if (static_cast<double>(stage.memory_bytes) > stage.memory_capacity_bytes) {
      fail("memory on '" + stage.device + "': " + Megabytes(static_cast<double>(stage.memory_bytes)) + " > capacity " +
           Megabytes(stage.memory_capacity_bytes));
    }
  }
  for (const HopReport& hop : report.hops) {
    if (hop.segments.empty() && hop.from_platform != hop.to_platform) {
      fail("no route from '" + hop.from_device + "' to '" + hop.to_device + "'");
    }
  }
  if (options_.max_latency_ms && report.latency_ms > *options_.max_latency_ms) fail("latency above --max-latency-ms");
  if (options_.min_fps && report.throughput_fps < *options_.min_fps) fail("throughput below --min-fps");
  if (options_.max_energy_mj && report.energy_mj > *options_.max_energy_mj) fail("energy above --max-energy-mj");
}

void Planner::SortByThroughput(std::vector<PlanReport>& plans) {
  std::stable_sort(plans.begin(), plans.end(), [](const PlanReport& a, const PlanReport& b) {
    if (a.throughput_fps != b.throughput_fps) return a.throughput_fps > b.throughput_fps;
    if (a.latency_ms != b.latency_ms) return a.latency_ms < b.latency_ms;
    return a.energy_mj < b.energy_mj;
  });
}

bool Planner::Better(const PlanReport& a, const PlanReport& b) const {
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

double Planner::Improvement(const PlanReport& plan, const PlanReport& base) const {
  switch (options_.objective) {
    case Objective::kThroughput: return (plan.throughput_fps / base.throughput_fps - 1) * 100;
    case Objective::kLatency: return (1 - plan.latency_ms / base.latency_ms) * 100;
    case Objective::kEnergy: break;
  }
  return (1 - plan.energy_mj / base.energy_mj) * 100;
}

void Planner::Recommend(PlanResult& result) const {
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

}  // namespace dnnpart::planner_detail
