// Sweeps: case expansion, bandwidth parsing, rows and their keys, platform-set
// files, and RunSweep's order (same rows whatever the thread count).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "dnnpart/error.h"
#include "dnnpart/sweep.h"
#include "test_util.h"

namespace dnnpart {
namespace {

SweepAxes TinyAxes() {
  SweepAxes axes;
  axes.models = {test::SourcePath("tests/data/tiny_residual.onnx"), test::SourcePath("tests/data/split_concat.onnx")};
  const std::string p = test::SourcePath("tests/data/profiles/");
  axes.platform_sets = {{"ab", {p + "good_a.json", p + "good_b.json"}, {}, ""},
                        {"ba", {p + "good_b.json", p + "good_a.json"}, {}, ""}};
  axes.bandwidths_bytes_per_s = {1e6, 1e8};
  axes.max_cut_tensors = {1, 2};
  return axes;
}

TEST(Sweep, ExpandsEveryCombinationInNestingOrder) {
  const SweepAxes axes = TinyAxes();
  const std::vector<SweepCase> cases = ExpandCases(axes);
  ASSERT_EQ(cases.size(), 2U * 2 * 2 * 2);
  for (size_t i = 0; i < cases.size(); ++i) EXPECT_EQ(cases[i].index, i);
  EXPECT_EQ(cases[1].max_cut_tensors, 2);
  EXPECT_EQ(cases[2].bandwidth_bytes_per_s, 1e8);
  EXPECT_EQ(cases[4].platform_set, 1U);
  EXPECT_EQ(cases[8].model, 1U);
  EXPECT_EQ(CaseKey(axes, cases[3]).substr(CaseKey(axes, cases[3]).find('|')), "|ab|1e+08|2|-");
}

TEST(Sweep, ParsesBandwidthsInBitsOrBytes) {
  EXPECT_DOUBLE_EQ(ParseBandwidth("100M"), 12.5e6);
  EXPECT_DOUBLE_EQ(ParseBandwidth("1G"), 125e6);
  EXPECT_DOUBLE_EQ(ParseBandwidth("800k"), 100e3);
  EXPECT_DOUBLE_EQ(ParseBandwidth("12.5MB"), 12.5e6);
  EXPECT_DOUBLE_EQ(ParseBandwidth("64"), 8);
  for (const char* bad : {"", "M", "-1M", "0", "10X", "1GiB", "nan"}) EXPECT_THROW(ParseBandwidth(bad), Error) << bad;
}

TEST(Sweep, RowsRoundTripTheirKeys) {
  SweepRow row;
  row.key = "m,odel\"x|set|1|2|-";
  row.model = "m,odel\"x";
  row.status = "ok";
  row.warnings = {"a, b", "line\nbreak"};
  row.throughput_fps = 12.5;
  const std::string csv = CsvRow(row);
  EXPECT_EQ(csv.back(), '\n');
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1);
  EXPECT_EQ(KeyOfLine(csv.substr(0, csv.size() - 1), true), row.key);
  const std::string header = CsvHeader();
  EXPECT_EQ(KeyOfLine(header.substr(0, header.size() - 1), true), std::nullopt);
  const std::string jsonl = JsonlRow(row);
  EXPECT_EQ(std::count(jsonl.begin(), jsonl.end(), '\n'), 1);
  EXPECT_EQ(KeyOfLine(jsonl.substr(0, jsonl.size() - 1), false), row.key);
  EXPECT_NE(jsonl.find("\"throughput_fps\":12.5"), std::string::npos);
  EXPECT_NE(jsonl.find("\"latency_ms\":null"), std::string::npos);
  EXPECT_THROW(KeyOfLine("1,2,3", true), Error);
  EXPECT_THROW(KeyOfLine("{\"case\": 1", false), Error);
}

TEST(Sweep, LoadsPlatformSetsRelativeToTheirFile) {
  const auto dir = std::filesystem::temp_directory_path() / "dnnpart_sweep_sets_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "sets.json").string();
  std::ofstream(path) << R"([["x/a.json", "/abs/b.json"], {"name": "pair", "platforms": ["c.json"], "links": ["l.json"]}])";
  const std::vector<PlatformSet> sets = LoadPlatformSets(path);
  ASSERT_EQ(sets.size(), 2U);
  EXPECT_EQ(sets[0].name, "a+b");
  EXPECT_EQ(sets[0].platforms[0], (dir / "x/a.json").string());
  EXPECT_EQ(sets[0].platforms[1], "/abs/b.json");
  EXPECT_EQ(sets[1].name, "pair");
  EXPECT_EQ(sets[1].links[0], (dir / "l.json").string());
  std::ofstream(path) << R"([{"platforms": [3]}])";
  try {
    LoadPlatformSets(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[0].platforms[0]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

std::vector<std::string> RunRows(const SweepAxes& axes, SweepOptions options) {
  std::vector<std::string> rows;
  RunSweep(axes, ExpandCases(axes), options, [&](const SweepRow& row) { rows.push_back(JsonlRow(row)); }, nullptr);
  return rows;
}

TEST(Sweep, SameRowsInCaseOrderWhateverTheThreads) {
  const SweepAxes axes = TinyAxes();
  SweepOptions one;
  one.threads = 1;
  SweepOptions three = one;
  three.threads = 3;
  const std::vector<std::string> a = RunRows(axes, one);
  ASSERT_EQ(a.size(), ExpandCases(axes).size());
  EXPECT_EQ(a, RunRows(axes, three));
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].rfind("{\"case\":" + std::to_string(i) + ",", 0), 0U) << a[i];
    EXPECT_NE(a[i].find("\"status\":\"ok\""), std::string::npos) << a[i];
  }
  SweepOptions resumed = three;
  resumed.skip_cases = 5;
  const std::vector<std::string> tail = RunRows(axes, resumed);
  EXPECT_EQ(tail, std::vector<std::string>(a.begin() + 5, a.end()));
}

TEST(Sweep, GatesAndBadInputBecomeRows) {
  SweepAxes axes = TinyAxes();
  axes.models.push_back(test::SourcePath("tests/data/does_not_exist.onnx"));
  axes.bandwidths_bytes_per_s = {std::nullopt};
  axes.max_cut_tensors = {1};
  SweepOptions options;
  options.threads = 2;
  options.gates.min_fps = 1e12;
  std::vector<SweepRow> rows;
  RunSweep(axes, ExpandCases(axes), options, [&](const SweepRow& row) { rows.push_back(row); }, nullptr);
  ASSERT_EQ(rows.size(), 6U);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(rows[i].status, "gate_failed");
    EXPECT_EQ(rows[i].exit_status, 4);
    ASSERT_EQ(rows[i].gate_failures.size(), 1U);
    EXPECT_NE(rows[i].gate_failures[0].find("< --min-fps 1e+12"), std::string::npos) << rows[i].gate_failures[0];
    EXPECT_FALSE(rows[i].bottleneck.empty());
  }
  for (size_t i = 4; i < 6; ++i) {
    EXPECT_EQ(rows[i].status, "error");
    EXPECT_EQ(rows[i].exit_status, 1);
    EXPECT_NE(rows[i].error.find("does_not_exist.onnx"), std::string::npos) << rows[i].error;
  }
}

TEST(Sweep, LogWarningsGoIntoTheRowOfTheirCase) {
  SweepAxes axes;
  axes.models = {test::SourcePath("tests/data/tiny_residual.onnx")};
  const std::string p = test::SourcePath("tests/data/profiles/");
  axes.platform_sets = {{"clean", {p + "good_a.json", p + "good_b.json"}, {}, ""},
                        {"odd_table", {p + "good_a.json", p + "table_unknown_nodes.json"}, {}, ""}};
  SweepOptions options;
  options.threads = 2;
  std::vector<SweepRow> rows;
  RunSweep(axes, ExpandCases(axes), options, [&](const SweepRow& row) { rows.push_back(row); }, nullptr);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_TRUE(rows[0].warnings.empty());
  ASSERT_EQ(rows[1].warnings.size(), 1U);
  EXPECT_NE(rows[1].warnings[0].find("name no layer of the model"), std::string::npos) << rows[1].warnings[0];
}

TEST(Sweep, StopsStartingCasesWhenAsked) {
  const SweepAxes axes = TinyAxes();
  std::atomic<bool> stop{true};
  SweepOptions options;
  options.stop = &stop;
  options.threads = 2;
  EXPECT_TRUE(RunRows(axes, options).empty());
}

}  // namespace
}  // namespace dnnpart
