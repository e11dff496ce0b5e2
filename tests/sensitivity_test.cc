// Sensitivity: the intervals must tile the range, and the recommended plan
// found by planning at many points (an independent dense sample) must be the
// one of the interval holding the point; on both sides of every breakpoint,
// a hair away, the plans must differ (the breakpoint is exact, not sampled).
#include <gtest/gtest.h>

#include <cmath>

#include "dnnpart/error.h"
#include "dnnpart/profiles.h"
#include "dnnpart/sensitivity.h"
#include "test_util.h"

namespace dnnpart {
namespace {

struct Fixture {
  Model model = test::LoadFixture("tiny_residual.onnx");
  std::vector<Cut> cuts;
  std::vector<PlatformProfile> platforms;
  std::vector<std::optional<LinkProfile>> links;
  PlanOptions options;

  explicit Fixture(int k) {
    platforms = {LoadPlatformProfile(test::SourcePath("tests/data/profiles/good_a.json")),
                 LoadPlatformProfile(test::SourcePath("tests/data/profiles/good_b.json"))};
    links = ResolveLinks(platforms, {});
    options.any_order = true;
    CutOptions cut_options;
    cut_options.max_cut_tensors = k;
    cuts = FindCuts(model.graph(), cut_options);
  }

  // The recommended plan at one parameter value, as "platforms|cuts" ("-": none).
  std::string PlanAt(SensitivityParameter parameter, double value) const {
    std::vector<std::optional<LinkProfile>> l = links;
    PlanOptions o = options;
    if (parameter == SensitivityParameter::kBandwidth) {
      for (auto& link : l) link->bandwidth_bytes_per_s = value;
    } else {
      o.input_fps = value;
    }
    const PlanResult result = PlanPartitions(model.graph(), cuts, platforms, l, o);
    return result.recommended ? Key(result.pareto[*result.recommended]) : "-";
  }

  static std::string Key(const PlanReport& plan) {
    std::string key;
    for (const StageReport& s : plan.stages) key += std::to_string(s.platform) + ",";
    key += "|";
    for (const HopReport& h : plan.hops) key += std::to_string(h.cut_id) + ",";
    return key;
  }
};

std::string IntervalKey(const SensitivityInterval& interval) {
  return interval.plan ? Fixture::Key(*interval.plan) : "-";
}

void CheckAgainstSampling(const Fixture& setup, const SensitivityOptions& sensitivity, size_t min_intervals) {
  const SensitivityResult result = AnalyzeSensitivity(setup.model.graph(), setup.cuts, setup.platforms, setup.links,
                                                      setup.options, sensitivity);
  ASSERT_GE(result.intervals.size(), min_intervals);
  EXPECT_EQ(result.intervals.front().from, sensitivity.from);
  EXPECT_EQ(result.intervals.back().to, sensitivity.to);
  for (size_t i = 0; i < result.intervals.size(); ++i) {
    EXPECT_LT(result.intervals[i].from, result.intervals[i].to);
    if (i > 0) {
      EXPECT_EQ(result.intervals[i].from, result.intervals[i - 1].to);
      EXPECT_NE(IntervalKey(result.intervals[i]), IntervalKey(result.intervals[i - 1]));
      const double bp = result.intervals[i].from;
      EXPECT_EQ(setup.PlanAt(sensitivity.parameter, bp * (1 - 1e-9)), IntervalKey(result.intervals[i - 1])) << bp;
      EXPECT_EQ(setup.PlanAt(sensitivity.parameter, bp * (1 + 1e-9)), IntervalKey(result.intervals[i])) << bp;
    }
  }
  constexpr int kSamples = 400;
  for (int s = 0; s <= kSamples; ++s) {
    const double value =
        sensitivity.from * std::pow(sensitivity.to / sensitivity.from, static_cast<double>(s) / kSamples);
    size_t i = 0;
    while (i + 1 < result.intervals.size() && value >= result.intervals[i].to) ++i;
    const SensitivityInterval& in = result.intervals[i];
    if (value <= in.from * (1 + 1e-9) || value >= in.to * (1 - 1e-9)) continue;  // a breakpoint itself: a tie
    EXPECT_EQ(setup.PlanAt(sensitivity.parameter, value), IntervalKey(in)) << "at " << value;
  }
}

TEST(Sensitivity, BandwidthBreakpointsMatchPlanningEverywhere) {
  for (const int k : {1, 2}) {
    Fixture setup(k);
    SensitivityOptions sensitivity;
    sensitivity.from = 1e3;
    sensitivity.to = 1e11;
    CheckAgainstSampling(setup, sensitivity, 2);
    setup.options.objective = Objective::kLatency;
    CheckAgainstSampling(setup, sensitivity, 2);
    setup.options.objective = Objective::kEnergy;
    CheckAgainstSampling(setup, sensitivity, 1);
    setup.options.objective = Objective::kThroughput;
    setup.options.input_fps = 500;
    CheckAgainstSampling(setup, sensitivity, 2);
  }
}

TEST(Sensitivity, InputFpsBreakpointsMatchPlanningEverywhere) {
  Fixture setup(2);
  SensitivityOptions sensitivity;
  sensitivity.parameter = SensitivityParameter::kInputFps;
  sensitivity.from = 1;
  sensitivity.to = 1e5;
  CheckAgainstSampling(setup, sensitivity, 2);
}

TEST(Sensitivity, RefusesWhatIsNotClosedForm) {
  Fixture setup(1);
  SensitivityOptions sensitivity;
  setup.options.include_idle_energy = true;
  EXPECT_THROW(AnalyzeSensitivity(setup.model.graph(), setup.cuts, setup.platforms, setup.links, setup.options,
                                  sensitivity),
               Error);
  setup.options.include_idle_energy = false;
  sensitivity.from = 10;
  sensitivity.to = 1;
  EXPECT_THROW(AnalyzeSensitivity(setup.model.graph(), setup.cuts, setup.platforms, setup.links, setup.options,
                                  sensitivity),
               Error);
}

}  // namespace
}  // namespace dnnpart
