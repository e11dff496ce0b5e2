// The public planning API (docs/planning.md); the work is done by
// planner_detail::Planner (planner.h, plan_search.cc, plan_network.cc,
// plan_dp.cc, plan_enumerate.cc, plan_report.cc).
#include "dnnpart/plan.h"

#include <set>

#include "dnnpart/error.h"
#include "planner.h"

namespace dnnpart {
namespace {

void CheckTarget(const PlanTarget& target, const PlanOptions& options) {
  if (target.platforms.empty()) throw Error("no platforms given (--platforms a.json [b.json ...])");
  if (target.platforms.size() > 64) {
    throw Error("at most 64 devices are supported, got " + std::to_string(target.platforms.size()));
  }
  if (target.names.size() != target.platforms.size() || target.links.size() != target.platforms.size()) {
    throw Error("internal: one name and link slot per device expected");
  }
  if (std::set<std::string>(target.names.begin(), target.names.end()).size() != target.names.size()) {
    throw Error("internal: device names must be unique");
  }
  if (options.input_fps && !(*options.input_fps > 0)) throw Error("--input-fps must be positive");
  if (options.time_limit_s && !(*options.time_limit_s > 0)) throw Error("--time-limit must be positive");
}

PlanOptions ForTarget(const PlanTarget& target, PlanOptions options) {
  if (target.system) options.any_order = true;  // a system's devices have no order
  return options;
}

}  // namespace

PlanReport EvaluatePlan(const LayerGraph& graph, const std::vector<Cut>& cuts, const PlanTarget& target,
                        const PlanOptions& options, const PlanSpec& spec) {
  CheckTarget(target, options);
  const PlanOptions used = ForTarget(target, options);
  return planner_detail::Planner(graph, cuts, target, used, false).EvaluateSpec(spec);
}

PlanReport EvaluatePlan(const LayerGraph& graph, const std::vector<Cut>& cuts,
                        const std::vector<PlatformProfile>& platforms,
                        const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& options,
                        const PlanSpec& spec) {
  if (platforms.empty() || links.size() != platforms.size()) throw Error("no platforms given");
  return EvaluatePlan(graph, cuts, ChainTarget(platforms, links), options, spec);
}

PlanResult PlanPartitions(const LayerGraph& graph, const std::vector<Cut>& cuts, const PlanTarget& target,
                          const PlanOptions& options) {
  CheckTarget(target, options);
  const PlanOptions used = ForTarget(target, options);
  PlanResult result = planner_detail::Planner(graph, cuts, target, used, !used.list_all).Run();
  result.devices = target.names;
  return result;
}

PlanResult PlanPartitions(const LayerGraph& graph, const std::vector<Cut>& cuts,
                          const std::vector<PlatformProfile>& platforms,
                          const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& options) {
  if (platforms.empty()) throw Error("no platforms given (--platforms a.json [b.json ...])");
  if (links.size() != platforms.size()) throw Error("internal: one link slot per platform expected");
  return PlanPartitions(graph, cuts, ChainTarget(platforms, links), options);
}

}  // namespace dnnpart
