#include "dnnpart/error.h"
#include "dnnpart/report.h"

namespace dnnpart {

std::string RouteText(const PlanReport& plan) {
  std::string route;
  for (const StageReport& stage : plan.stages) {
    if (!route.empty()) route += " > ";
    route += stage.device;
    route += '[';
    route += std::to_string(stage.layer_count);
    route += ']';
  }
  return route;
}

std::unique_ptr<Reporter> MakeReporter(std::string_view name) {
  if (name == "json") return MakeJsonReporter();
  if (name == "table") return MakeTableReporter();
  if (name == "dot") return MakeDotReporter();
  if (name == "html") return MakeHtmlReporter();
  throw Error("unknown format '" + std::string(name) + "' (choose table, json, dot or html)");
}

}  // namespace dnnpart
