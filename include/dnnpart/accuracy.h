// Accuracy of a plan: runs a user's command on each Pareto plan's stage
// files and records the number it prints (docs/split.md, "Accuracy of a
// plan"). Runs after the planner's search, on its result. Writes only into
// a temporary folder it removes; blocks while the commands run; no state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dnnpart/model.h"
#include "dnnpart/plan.h"
#include "dnnpart/profiles.h"

namespace dnnpart {

struct AccuracyOptions {
  // Run by /bin/sh -c, with every "{dir}" replaced by the shell-quoted
  // folder holding the plan's stages (as `dnnpart split` writes it). The
  // number on the last non-empty line of its stdout is the plan's accuracy.
  std::string command;
  std::optional<double> min_accuracy;  // a plan below is infeasible
  bool insert_casts = false;           // as `split --insert-casts`
  LoadOptions load;                    // the flags the model was loaded with
  int max_cut_tensors = 1;             // the K the plan's cuts were found with
};

// Sets `accuracy` on every plan of result.pareto. With min_accuracy, a plan
// below it becomes infeasible (with a violation) and leaves the Pareto list
// (into result.rejected when options.show_infeasible), and the recommended
// plan and improvement are chosen again among the rest, by `plan_options`'
// objective. Throws Error naming the plan and the command when the command
// cannot run, exits non-zero or prints no number.
void ScorePlanAccuracy(const Model& model, const std::vector<PlatformProfile>& platforms,
                       const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& plan_options,
                       const AccuracyOptions& options, PlanResult& result);

}  // namespace dnnpart
