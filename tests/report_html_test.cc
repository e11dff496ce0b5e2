// The HTML and DOT plan reporters: every chart present, names escaped, same
// bytes for the same input, the stages and chosen cuts marked.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dnnpart/error.h"
#include "dnnpart/profiles.h"
#include "dnnpart/report.h"
#include "test_util.h"

namespace dnnpart {
namespace {

struct Planned {
  Model model;
  std::vector<Cut> cuts;
  PlanDocument doc;
};

std::unique_ptr<Planned> PlanTiny(const std::string& rename_a = "") {
  auto planned = std::make_unique<Planned>(Planned{test::LoadFixture("tiny_residual.onnx"), {}, {}});
  PlanDocument& doc = planned->doc;
  doc.model = planned->model.info();
  doc.graph = &planned->model.graph();
  doc.platforms = {LoadPlatformProfile(test::SourcePath("tests/data/profiles/good_a.json")),
                   LoadPlatformProfile(test::SourcePath("tests/data/profiles/good_b.json"))};
  if (!rename_a.empty()) doc.platforms[0].name = rename_a;
  doc.links = ResolveLinks(doc.platforms, {});
  doc.options.any_order = true;
  CutOptions options;
  options.max_cut_tensors = 2;
  doc.max_cut_tensors = 2;
  planned->cuts = FindCuts(*doc.graph, options);
  doc.cuts = &planned->cuts;
  doc.result = PlanPartitions(*doc.graph, planned->cuts, doc.platforms, doc.links, doc.options);
  return planned;
}

std::string Render(const char* format, const PlanDocument& doc) {
  std::ostringstream out;
  MakeReporter(format)->WritePlan(doc, out);
  return out.str();
}

TEST(HtmlReport, HasEveryChartAndNoScriptOrFetch) {
  const auto planned = PlanTiny();
  ASSERT_TRUE(planned->doc.result.recommended);
  const std::string html = Render("html", planned->doc);
  for (const char* id : {"chart-layers", "chart-pareto", "chart-timeline", "chart-memory", "chart-links"}) {
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_NE(html.find("class=\"chosen-cut\""), std::string::npos);
  EXPECT_NE(html.find("latency (ms)"), std::string::npos);
  EXPECT_NE(html.find("(bottleneck)"), std::string::npos);
}

TEST(HtmlReport, SameInputSameBytes) {
  const auto first = PlanTiny();
  const auto second = PlanTiny();
  EXPECT_EQ(Render("html", first->doc), Render("html", second->doc));
  EXPECT_EQ(Render("dot", first->doc), Render("dot", second->doc));
}

TEST(HtmlReport, EscapesProfileNames) {
  const auto planned = PlanTiny("<b onload='x'>&\"dev");
  const std::string html = Render("html", planned->doc);
  EXPECT_EQ(html.find("<b onload"), std::string::npos);
  EXPECT_NE(html.find("&lt;b onload=&#39;x&#39;&gt;&amp;&quot;dev"), std::string::npos);
  const std::string dot = Render("dot", planned->doc);
  EXPECT_EQ(dot.find("&\"dev"), std::string::npos);
  EXPECT_NE(dot.find("&\\\"dev"), std::string::npos);
}

TEST(HtmlReport, RefusesToOverwriteWithoutForce) {
  const auto planned = PlanTiny();
  const std::string path = (std::filesystem::temp_directory_path() / "dnnpart_report_test.html").string();
  std::filesystem::remove(path);
  WriteHtmlReportFile(planned->doc, path, false);
  EXPECT_THROW(WriteHtmlReportFile(planned->doc, path, false), Error);
  EXPECT_NO_THROW(WriteHtmlReportFile(planned->doc, path, true));
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), Render("html", planned->doc));
  std::filesystem::remove(path);
}

TEST(HtmlReport, OnlyForPlans) {
  EXPECT_THROW(MakeReporter("html")->WriteCuts(CutsReport{}, std::cout), Error);
  EXPECT_THROW(MakeReporter("dot")->WriteInspect(InspectReport{}, std::cout), Error);
}

TEST(DotReport, OneClusterPerStageAndChosenCutEdgesInRed) {
  const auto planned = PlanTiny();
  const PlanReport& best = planned->doc.result.pareto[*planned->doc.result.recommended];
  const std::string dot = Render("dot", planned->doc);
  EXPECT_EQ(dot.rfind("digraph dnnpart {", 0), 0U);
  for (size_t s = 0; s < best.stages.size(); ++s) {
    EXPECT_NE(dot.find("cluster_stage_" + std::to_string(s) + " "), std::string::npos);
  }
  EXPECT_EQ(dot.find("cluster_stage_" + std::to_string(best.stages.size()) + " "), std::string::npos);
  // Each tensor crossing a chosen cut: one red edge per consumer on the far side (at least one).
  size_t red = 0;
  for (size_t at = dot.find("#d62728"); at != std::string::npos; at = dot.find("#d62728", at + 1)) ++red;
  size_t crossing = 0;
  for (const HopReport& hop : best.hops) crossing += hop.what == "activations" ? hop.tensors.size() : 0;
  EXPECT_GE(red, crossing);
  if (crossing == 0) {
    EXPECT_EQ(red, 0U);
  }
}

}  // namespace
}  // namespace dnnpart
