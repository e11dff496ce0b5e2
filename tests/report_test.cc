#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "dnnpart/error.h"
#include "dnnpart/report.h"
#include "test_util.h"

namespace dnnpart {
namespace {

Model Tiny() { return Model::Load(test::SourcePath("tests/data/tiny_residual.onnx"), {}); }

TEST(Report, InspectTotalsAreSumsOfLayers) {
  const InspectReport report = MakeInspectReport(Tiny());
  ASSERT_EQ(report.layers.size(), 5U);
  int64_t macs = 0;
  for (const auto& row : report.layers) macs += row.macs;
  EXPECT_EQ(report.total_macs, macs);
  EXPECT_EQ(report.total_macs, 2LL * 8 * 16 * 16 * 8 * 9 + 3LL * 8 * 16 * 16);
  EXPECT_TRUE(report.unmodelled_ops.empty());
}

TEST(Report, CutsSplitMacsBetweenHeadAndTail) {
  const Model model = Tiny();
  const auto cuts = FindCuts(model.graph(), {.max_cut_tensors = 2});
  const CutsReport report = MakeCutsReport(model, cuts, 2);
  ASSERT_EQ(report.cuts.size(), cuts.size());
  for (const CutRow& row : report.cuts) EXPECT_EQ(row.head_macs + row.tail_macs, report.total_macs);
  // After c1: the branch tensor and the skip (graph input x) cross.
  EXPECT_EQ(report.cuts[0].last_head_layer, "c1");
  ASSERT_EQ(report.cuts[0].tensors.size(), 2U);
  EXPECT_EQ(report.cuts[0].total_bytes, 2 * 8 * 16 * 16 * 4);
}

TEST(Report, JsonIsDeterministicAndVersioned) {
  const Model model = Tiny();
  const auto cuts = FindCuts(model.graph(), {.max_cut_tensors = 2});
  std::ostringstream first, second;
  MakeReporter("json")->WriteCuts(MakeCutsReport(model, cuts, 2), first);
  MakeReporter("json")->WriteCuts(MakeCutsReport(model, cuts, 2), second);
  EXPECT_EQ(first.str(), second.str());
  EXPECT_EQ(first.str().rfind("{\n  \"schema_version\": 1,", 0), 0U) << first.str().substr(0, 80);
}

TEST(Report, TableListsEveryLayer) {
  std::ostringstream out;
  MakeReporter("table")->WriteInspect(MakeInspectReport(Tiny()), out);
  for (const char* name : {"c1", "r1", "c2", "add", "r2", "total (5 layers)"}) {
    EXPECT_NE(out.str().find(name), std::string::npos) << name;
  }
}

// A one-stage plan whose stage has layers of two op types without a MAC model.
PlanDocument PlanWithUnmodelledOps() {
  PlanDocument doc;
  doc.platforms.resize(1);
  doc.platforms[0].name = "p0";
  doc.links.resize(1);
  PlanReport plan;
  plan.stages.resize(1);
  plan.stages[0].layer_count = 3;
  plan.stages[0].unmodelled_ops = {"If", "TopK"};
  doc.result.pareto.push_back(plan);
  doc.result.baselines.push_back(plan);
  doc.result.recommended = 0;
  return doc;
}

TEST(Report, PlanTableNamesUnmodelledOpsUnderTheStages) {
  std::ostringstream out;
  MakeReporter("table")->WritePlan(PlanWithUnmodelledOps(), out);
  EXPECT_NE(out.str().find("stage 0: no MAC model for If, TopK (counted as 0 MACs, not measured)\n"), std::string::npos)
      << out.str();
}

TEST(Report, PlanJsonListsUnmodelledOpsPerStage) {
  std::ostringstream out;
  MakeReporter("json")->WritePlan(PlanWithUnmodelledOps(), out);
  const std::string json = out.str();
  const size_t key = json.find("\"unmodelled_ops\": [");
  ASSERT_NE(key, std::string::npos) << json;
  EXPECT_LT(json.find("\"If\"", key), json.find("\"TopK\"", key));
  EXPECT_LT(json.find("\"TopK\"", key), json.find("\"energy_mj\"", key));
}

// Names come from files anyone can write: the table escapes their control
// characters (an ESC could drive the terminal); newlines of the layout stay.
TEST(Report, TableEscapesControlCharactersInNames) {
  const Model model = Tiny();
  const auto cuts = FindCuts(model.graph(), {.max_cut_tensors = 2});
  CutsReport report = MakeCutsReport(model, cuts, 2);
  ASSERT_FALSE(report.cuts.empty());
  report.cuts[0].last_head_layer = std::string("evil\x1b[2Jname\tx\x7f");
  std::ostringstream out;
  MakeReporter("table")->WriteCuts(report, out);
  const std::string text = out.str();
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\t'), std::string::npos);
  EXPECT_EQ(text.find('\x7f'), std::string::npos);
  EXPECT_NE(text.find("evil\\x1b[2Jname\\x09x\\x7f"), std::string::npos) << text;
  EXPECT_GT(std::count(text.begin(), text.end(), '\n'), 2);
}

TEST(Report, UnknownFormatIsAnError) { EXPECT_THROW(MakeReporter("xml"), Error); }

}  // namespace
}  // namespace dnnpart
