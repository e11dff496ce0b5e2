#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dnnpart/accuracy.h"
#include "dnnpart/cuts.h"
#include "dnnpart/error.h"
#include "dnnpart/model.h"
#include "dnnpart/plan.h"
#include "dnnpart/profiles.h"
#include "process.h"
#include "test_util.h"

namespace dnnpart {
namespace {

using test::SourcePath;

TEST(Process, CollectsStdoutStderrAndExitStatus) {
  const ProcessResult run = RunShell("echo out; echo err >&2; exit 7");
  EXPECT_EQ(run.out, "out\n");
  EXPECT_EQ(run.err, "err\n");
  EXPECT_EQ(run.exit_code, 7);
}

TEST(Process, ShellQuoteSurvivesQuotesSpacesAndDollars) {
  const std::string nasty = "a b'c\"d$HOME`x`\\";
  EXPECT_EQ(RunShell("printf %s " + ShellQuote(nasty)).out, nasty);
}

TEST(Process, MissingProgramIsAnErrorNamingIt) {
  try {
    RunProcess({"/nonexistent/dnnpart_no_such_program"});
    FAIL() << "ran";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dnnpart_no_such_program"), std::string::npos) << e.what();
  }
}

// ResNet-18 (structure only) on a Pi 5 and a Jetson Nano with K = 2: four
// two-stage Pareto plans and the Jetson alone, which has the lowest latency.
struct Planned {
  Model model = Model::Load(SourcePath("models/resnet18.onnx"), {});
  std::vector<PlatformProfile> platforms = {LoadPlatformProfile(SourcePath("platforms/raspberry_pi_5.json")),
                                            LoadPlatformProfile(SourcePath("platforms/jetson_nano_4gb.json"))};
  std::vector<std::optional<LinkProfile>> links = ResolveLinks(platforms, {});
  PlanOptions options;
  PlanResult result;
  Planned() {
    options.objective = Objective::kLatency;
    result = PlanPartitions(model.graph(), FindCuts(model.graph(), {2}), platforms, links, options);
  }
};

// The command counts the stage files it was given: the accuracy of a plan is
// then its number of stages, which the plan itself says.
constexpr const char* kCountStages = "ls {dir} | grep -c '^stage_[0-9]*[.]onnx$'";

TEST(Accuracy, EachParetoPlanGetsTheNumberItsCommandPrints) {
  Planned p;
  ASSERT_FALSE(p.result.pareto.empty());
  AccuracyOptions options;
  options.command = kCountStages;
  options.max_cut_tensors = 2;
  ScorePlanAccuracy(p.model, p.platforms, p.links, p.options, options, p.result);
  for (const PlanReport& plan : p.result.pareto) {
    ASSERT_TRUE(plan.accuracy.has_value());
    EXPECT_EQ(*plan.accuracy, static_cast<double>(plan.stages.size()));
  }
}

TEST(Accuracy, PlansBelowTheMinimumBecomeInfeasibleAndTheRecommendationMoves) {
  Planned p;
  p.options.show_infeasible = true;
  size_t multi_stage = 0;
  for (const PlanReport& plan : p.result.pareto) multi_stage += plan.stages.size() >= 2 ? 1 : 0;
  ASSERT_GT(multi_stage, 0U);
  ASSERT_LT(multi_stage, p.result.pareto.size()) << "the fixture needs a single-stage Pareto plan";
  ASSERT_EQ(p.result.pareto[*p.result.recommended].stages.size(), 1U) << "the fixture's fastest plan is one platform";
  AccuracyOptions options;
  options.command = kCountStages;
  options.min_accuracy = 2;
  options.max_cut_tensors = 2;
  const size_t rejected_before = p.result.rejected.size();
  ScorePlanAccuracy(p.model, p.platforms, p.links, p.options, options, p.result);
  EXPECT_EQ(p.result.pareto.size(), multi_stage);
  for (const PlanReport& plan : p.result.pareto) EXPECT_GE(plan.stages.size(), 2U);
  ASSERT_GT(p.result.rejected.size(), rejected_before);
  const PlanReport& dropped = p.result.rejected.back();
  EXPECT_FALSE(dropped.feasible);
  EXPECT_EQ(dropped.violations.back(), "accuracy 1 is below --min-accuracy 2");
  // The lowest latency among the two-stage plans, found independently.
  ASSERT_TRUE(p.result.recommended.has_value());
  for (const PlanReport& plan : p.result.pareto) {
    EXPECT_LE(p.result.pareto[*p.result.recommended].latency_ms, plan.latency_ms);
  }
}

TEST(Accuracy, FailingCommandNamesThePlanTheCommandAndItsStatus) {
  Planned p;
  AccuracyOptions options;
  options.command = "echo broken >&2; exit 3";
  options.max_cut_tensors = 2;
  try {
    ScorePlanAccuracy(p.model, p.platforms, p.links, p.options, options, p.result);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("Pareto plan 0"), std::string::npos) << what;
    EXPECT_NE(what.find("exit 3"), std::string::npos) << what;
    EXPECT_NE(what.find("exited with status 3: broken"), std::string::npos) << what;
  }
}

TEST(Accuracy, OutputWithoutANumberOnItsLastLineIsRefused) {
  Planned p;
  AccuracyOptions options;
  options.command = "echo 0.9; echo done";
  options.max_cut_tensors = 2;
  EXPECT_THROW(ScorePlanAccuracy(p.model, p.platforms, p.links, p.options, options, p.result), Error);
}

}  // namespace
}  // namespace dnnpart
