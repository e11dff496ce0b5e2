// The public planning API (docs/planning.md); the work is done by
// planner_detail::Planner (planner.h, plan_search.cc, plan_report.cc).
#include "dnnpart/plan.h"

#include "dnnpart/error.h"
#include "planner.h"

namespace dnnpart {

PlanReport EvaluatePlan(const LayerGraph& graph, const std::vector<Cut>& cuts,
                        const std::vector<PlatformProfile>& platforms,
                        const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& options,
                        const PlanSpec& spec) {
  if (platforms.empty() || links.size() != platforms.size()) throw Error("no platforms given");
  return planner_detail::Planner(graph, cuts, platforms, links, options).EvaluateSpec(spec);
}

PlanResult PlanPartitions(const LayerGraph& graph, const std::vector<Cut>& cuts,
                          const std::vector<PlatformProfile>& platforms,
                          const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& options) {
  if (platforms.empty()) throw Error("no platforms given (--platforms a.json [b.json ...])");
  if (platforms.size() > 64) throw Error("at most 64 platforms are supported, got " + std::to_string(platforms.size()));
  if (links.size() != platforms.size()) throw Error("internal: one link slot per platform expected");
  if (options.fps && *options.fps <= 0) throw Error("--fps must be positive");
  if (options.time_limit_s && !(*options.time_limit_s > 0)) throw Error("--time-limit must be positive");
  return planner_detail::Planner(graph, cuts, platforms, links, options).Run();
}

}  // namespace dnnpart
