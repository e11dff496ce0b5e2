// ORT trace reading, kernel→layer mapping, coverage refusal (real fixture
// recorded with tools/profile_ort.mjs, plus crafted traces) and calibration
// on synthetic data with known parameters. No timing is asserted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dnnpart/calibrate.h"
#include "dnnpart/cost.h"
#include "dnnpart/error.h"
#include "dnnpart/model.h"
#include "dnnpart/ort_import.h"
#include "dnnpart/output_file.h"
#include "dnnpart/profile_import.h"
#include "nearest_names.h"
#include "profiles/profile_edit.h"
#include "test_util.h"

namespace dnnpart {
namespace {

using test::SourcePath;

const char kTrace[] = "tests/data/ort/tiny_cnn.trace.json";
const char kOptimized[] = "tests/data/ort/tiny_cnn.optimized.onnx";

class TempFile {
 public:
  TempFile(const std::string& name, const std::string& text)
      : path_((std::filesystem::temp_directory_path() / ("dnnpart_" + std::to_string(::getpid()) + "_" + name)).string()) {
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const Model& TinyCnn() {
  static const Model model = Model::Load(SourcePath("tests/data/ort/tiny_cnn.onnx"), {});
  return model;
}

// tiny_cnn's recorded trace imported into the Pi profile with `options`.
OrtImportResult ImportTiny(const OrtImportOptions& options) {
  return ImportOrtIntoProfile(SourcePath(kTrace), SourcePath(kOptimized), TinyCnn().graph(),
                              SourcePath("platforms/raspberry_pi_4.json"), options);
}

// The message of the Error ImportTiny(options) throws; a test failure and ""
// when it throws none.
std::string ImportTinyError(const OrtImportOptions& options) {
  try {
    ImportTiny(options);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

std::vector<std::string> Names(const LayerGraph& graph, const std::vector<LayerId>& layers) {
  std::vector<std::string> names;
  for (LayerId l : layers) names.push_back(graph.layer(l).name);
  return names;
}

const KernelAssignment& Kernel(const TraceMapping& m, const std::string& name) {
  auto it = std::find_if(m.kernels.begin(), m.kernels.end(), [&](const KernelAssignment& k) { return k.kernel == name; });
  if (it == m.kernels.end()) throw Error("no kernel " + name);
  return *it;
}

// A Chrome trace: one model_run per entry of `runs`, each holding `kernels`
// (name, duration µs) back to back.
std::string CraftTrace(const std::vector<std::vector<std::pair<std::string, double>>>& runs) {
  std::string events = "[";
  double ts = 100;
  for (const auto& run : runs) {
    double dur = 0;
    for (const auto& [name, us] : run) dur += us;
    events += R"({"cat":"Session","name":"model_run","ts":)" + std::to_string(ts) + R"(,"dur":)" +
              std::to_string(dur + 10) + "},";
    double t = ts + 5;
    for (const auto& [name, us] : run) {
      events += R"({"cat":"Node","name":")" + name + R"(_kernel_time","ts":)" + std::to_string(t) + R"(,"dur":)" +
                std::to_string(us) + R"(,"args":{"op_name":"Conv"}},)";
      t += us;
    }
    ts += dur + 1000;
  }
  events.back() = ']';
  return events;
}

TEST(OrtTrace, RealTraceHasEveryRunAndKernel) {
  const OrtTrace trace = ReadOrtTrace(SourcePath(kTrace));
  EXPECT_EQ(trace.runs, 4);  // 1 warm-up + 3 timed
  EXPECT_EQ(trace.kernels.size(), 12u);
  for (const TraceKernel& k : trace.kernels) {
    EXPECT_EQ(k.samples, 4) << k.name;
    EXPECT_GT(k.median_ms, 0) << k.name;
  }
}

TEST(OrtTrace, MedianPerKernelOverRuns) {
  TempFile file("runs.json", CraftTrace({{{"a", 1000}, {"b", 50}}, {{"a", 3000}, {"b", 70}}, {{"a", 2000}, {"b", 60}}}));
  const OrtTrace trace = ReadOrtTrace(file.path());
  ASSERT_EQ(trace.kernels.size(), 2u);
  EXPECT_EQ(trace.runs, 3);
  EXPECT_DOUBLE_EQ(trace.kernels[0].median_ms, 2.0);
  EXPECT_DOUBLE_EQ(trace.kernels[1].median_ms, 0.06);
}

TEST(OrtTrace, RefusesTracesWithoutRunsOrKernels) {
  TempFile no_runs("noruns.json", R"([{"cat":"Node","name":"a_kernel_time","ts":1,"dur":2}])");
  EXPECT_THROW(ReadOrtTrace(no_runs.path()), Error);
  TempFile object("object.json", R"({"a":1})");
  EXPECT_THROW(ReadOrtTrace(object.path()), Error);
  TempFile bad_dur("baddur.json", R"([{"cat":"Session","name":"model_run","ts":1,"dur":-5}])");
  try {
    ReadOrtTrace(bad_dur.path());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("event 0: /dur"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ReadOrtTrace(SourcePath("tests/data")), Error);
}

TEST(OrtMapping, RealTraceMapsEveryLayerAndFusedGroups) {
  const LayerGraph& graph = TinyCnn().graph();
  const TraceMapping m = MapTrace(graph, ReadOrtTrace(SourcePath(kTrace)), ReadKernelNodes(SourcePath(kOptimized)));
  EXPECT_EQ(m.matched_layers, static_cast<int64_t>(graph.layer_count()));
  EXPECT_TRUE(m.unmatched_kernels.empty());
  EXPECT_EQ(Names(graph, Kernel(m, "/c1/Relu_output_0_nchwc").layers),
            (std::vector<std::string>{"/c1/Conv", "/c1/Relu"}));
  EXPECT_EQ(Names(graph, Kernel(m, "/fc/Gemm").layers), std::vector<std::string>{"/fc/Gemm"});
  EXPECT_EQ(Names(graph, Kernel(m, "/dw/Relu_output_0_nchwc").layers),
            (std::vector<std::string>{"/dw/Conv", "/dw/Relu"}));
  // Reorder kernels go to the layer whose tensor they convert.
  EXPECT_EQ(graph.layer(Kernel(m, "ReorderOutput_token_9").converts_for).name, "/c2/Conv");
  EXPECT_EQ(graph.layer(Kernel(m, "ReorderInput").converts_for).name, "/c1/Conv");
  EXPECT_EQ(graph.layer(Kernel(m, "ReorderInput_token_6").converts_for).name, "/add/Relu");
  // Every kernel's time lands on some layer.
  double total = 0;
  for (double ms : m.layer_latency_ms) total += ms;
  EXPECT_NEAR(total, m.mapped_ms, 1e-9);
}

TEST(OrtMapping, FusedKernelCoversNodesBetweenItsTensors) {
  const LayerGraph& graph = TinyCnn().graph();
  // One kernel running c1 Conv+Relu and c2 Conv, one the rest; plus an unknown one.
  std::vector<KernelNode> nodes{
      {"k1", "FusedConv", "", {"input"}, {"/c2/Conv_output_0"}},
      {"k2", "Tail", "", {"/c2/Conv_output_0", "input"}, {"output"}},
      {"k3", "Mystery", "", {"x"}, {"y"}},
  };
  TempFile file("fused.json", CraftTrace({{{"k1", 3000}, {"k2", 1000}, {"k3", 500}}}));
  const TraceMapping m = MapTrace(graph, ReadOrtTrace(file.path()), nodes);
  EXPECT_EQ(Names(graph, Kernel(m, "k1").layers), (std::vector<std::string>{"/c1/Conv", "/c1/Relu", "/c2/Conv"}));
  EXPECT_EQ(Kernel(m, "k2").layers.size(), graph.layer_count() - 3);
  EXPECT_EQ(m.unmatched_kernels, std::vector<std::string>{"k3"});
  EXPECT_DOUBLE_EQ(m.unmatched_ms, 0.5);
  EXPECT_DOUBLE_EQ(m.mapped_ms, 4.0);
  // The fused Relu gets its MAC share only: far less than the Conv.
  const LayerId conv = *graph.FindLayer("/c1/Conv");
  const LayerId relu = *graph.FindLayer("/c1/Relu");
  EXPECT_LT(m.layer_latency_ms[static_cast<size_t>(relu)], 0.01 * m.layer_latency_ms[static_cast<size_t>(conv)]);
  EXPECT_NEAR(m.coverage, 4.0 / 4.51, 1e-9);
}

TEST(OrtMapping, NchwcNamesAndTokensResolve) {
  const LayerGraph& graph = TinyCnn().graph();
  std::vector<KernelNode> nodes{
      {"/c1/Relu_output_0_nchwc", "Conv", "com.microsoft.nchwc", {"input"}, {"reorder_token_1"}},
      {"/c2/Conv_output_0_nchwc", "Conv", "com.microsoft.nchwc", {"reorder_token_1"}, {"reorder_token_3"}},
      {"ReorderOutput", "ReorderOutput", "com.microsoft.nchwc", {"reorder_token_3"}, {"/c2/Conv_output_0"}},
  };
  TempFile file("nchwc.json", CraftTrace({{{"/c1/Relu_output_0_nchwc", 100}, {"/c2/Conv_output_0_nchwc", 100}, {"ReorderOutput", 10}}}));
  const TraceMapping m = MapTrace(graph, ReadOrtTrace(file.path()), nodes);
  EXPECT_EQ(Names(graph, Kernel(m, "/c2/Conv_output_0_nchwc").layers), std::vector<std::string>{"/c2/Conv"});
  EXPECT_EQ(graph.layer(Kernel(m, "ReorderOutput").converts_for).name, "/c2/Conv");
}

TEST(OrtImport, RefusesBelowNinetyPercentUnlessForced) {
  OrtImportOptions options;
  options.min_coverage = 0.999;  // the recorded trace spends some time between kernels
  const std::string refused = ImportTinyError(options);
  EXPECT_NE(refused.find("--force imports anyway"), std::string::npos) << refused;
  options.force = true;
  const OrtImportResult result = ImportTiny(options);
  EXPECT_NE(result.profile_text.find("\"/c1/Conv\""), std::string::npos);
  EXPECT_NE(result.profile_text.find("\"missing\": \"estimate\""), std::string::npos);
  EXPECT_NE(result.profile_text.find("\"energy_mj\""), std::string::npos);  // the Pi profile has active_w
  // Every kernel that ran two or more nodes is a fused group of the profile.
  const nlohmann::json groups = nlohmann::json::parse(result.profile_text).at("layers").at("fused_groups");
  const TraceMapping m =
      MapTrace(TinyCnn().graph(), ReadOrtTrace(SourcePath(kTrace)), ReadKernelNodes(SourcePath(kOptimized)));
  size_t fused_kernels = 0;
  for (const KernelAssignment& k : m.kernels) fused_kernels += k.layers.size() >= 2 ? 1 : 0;
  EXPECT_EQ(groups.size(), fused_kernels);
  EXPECT_GE(fused_kernels, 2U);
  EXPECT_NE(std::find(groups.begin(), groups.end(), nlohmann::json{"/c1/Conv", "/c1/Relu"}), groups.end()) << groups;
  EXPECT_NE(std::find(groups.begin(), groups.end(), nlohmann::json{"/dw/Conv", "/dw/Relu"}), groups.end()) << groups;
}

const char kUnfusedTrace[] = "tests/data/ort/tiny_cnn.unfused.trace.json";

// The same model run with graph optimisations disabled: every node its own
// kernel, whose median becomes the unfused cost of the nodes in fused groups.
TEST(OrtImport, UnfusedTraceGivesFusedGroupNodesTheirOwnKernelTimes) {
  OrtImportOptions options;
  options.min_coverage = 0.5;  // a 0.3 ms model spends a fifth of its run between kernels
  options.unfused_trace_path = SourcePath(kUnfusedTrace);
  const OrtImportResult result = ImportTiny(options);
  const OrtTrace unfused = ReadOrtTrace(SourcePath(kUnfusedTrace));
  auto median = [&](const std::string& node) {
    for (const TraceKernel& k : unfused.kernels) {
      if (k.name == node) return k.median_ms;
    }
    throw Error("no kernel " + node);
  };
  const nlohmann::json profile = nlohmann::json::parse(result.profile_text);
  const nlohmann::json& table = profile.at("layers").at("table");
  for (const char* node : {"/c1/Conv", "/c1/Relu", "/dw/Conv", "/dw/Relu"}) {
    EXPECT_DOUBLE_EQ(table.at(node).at("unfused_latency_ms").get<double>(), median(node)) << node;
    EXPECT_DOUBLE_EQ(table.at(node).at("unfused_energy_mj").get<double>(), 6.4 * median(node)) << node;  // active_w
  }
  // Nodes that ran as kernels of their own in the optimised run get none.
  for (const char* node : {"/c2/Conv", "/add/Add", "/fc/Gemm"}) EXPECT_FALSE(table.at(node).contains("unfused_latency_ms")) << node;
  ASSERT_TRUE(result.unfused);
  EXPECT_EQ(result.unfused->group_layers, 4);
  EXPECT_EQ(result.unfused->measured_layers, 4);
  EXPECT_TRUE(result.unfused->unmatched_kernels.empty());
  EXPECT_EQ(profile.at("provenance").at("measured").at("unfused_trace").at("measured_nodes"), 4);
  // The planner reads them as the measured unfused costs.
  const PlatformProfile platform = ParsePlatformProfile(result.profile_text, "imported.json");
  const LayerCost relu = UnfusedLayerCost(TinyCnn().graph(), *TinyCnn().graph().FindLayer("/c1/Relu"), platform);
  EXPECT_DOUBLE_EQ(relu.latency_ms, median("/c1/Relu"));
  EXPECT_EQ(relu.source, CostSource::kMeasured);
}

TEST(OrtImport, RefusesAnUnfusedTraceOfAnotherModel) {
  OrtImportOptions options;
  options.min_coverage = 0.5;
  options.force = true;  // --force does not import a trace that names no node
  TempFile other("other.json", CraftTrace({{{"/encoder/MatMul", 300}, {"/encoder/Softmax", 100}}}));
  options.unfused_trace_path = other.path();
  const std::string other_model = ImportTinyError(options);
  EXPECT_NE(other_model.find(other.path() + ": none of its 2 kernels is named after a node of the model"),
            std::string::npos)
      << other_model;
  EXPECT_NE(other_model.find("--opt disabled"), std::string::npos) << other_model;
  // The optimised trace given as the unfused one: no node of a fused group ran alone.
  options.unfused_trace_path = SourcePath(kTrace);
  const std::string optimised = ImportTinyError(options);
  EXPECT_NE(optimised.find("none of the 4 nodes in fused groups ran as a kernel of its own (e.g. '/c1/Conv')"),
            std::string::npos)
      << optimised;
}

TEST(OrtImport, RefusesAnUnfusedTraceMostlyOfOtherKernelsUnlessForced) {
  OrtImportOptions options;
  options.min_coverage = 0.5;
  TempFile mixed("mixed.json", CraftTrace({{{"/c1/Conv", 100}, {"/c1/Relu", 10}, {"/dw/Conv", 50},
                                             {"/dw/Relu", 10}, {"ReorderInput", 900}}}));
  options.unfused_trace_path = mixed.path();
  const std::string refused = ImportTinyError(options);
  EXPECT_NE(refused.find("1 of 5 kernels are named after no node (e.g. kernel 'ReorderInput'"), std::string::npos)
      << refused;
  EXPECT_NE(refused.find("--force imports anyway"), std::string::npos) << refused;
  options.force = true;
  const OrtImportResult result = ImportTiny(options);
  const nlohmann::json table = nlohmann::json::parse(result.profile_text).at("layers").at("table");
  EXPECT_DOUBLE_EQ(table.at("/dw/Conv").at("unfused_latency_ms").get<double>(), 0.05);
  EXPECT_EQ(result.unfused->unmatched_kernels, std::vector<std::string>{"ReorderInput"});
}

// Synthetic kernels from known parameters: calibration recovers them.
TEST(Calibrate, RecoversKnownParameters) {
  PlatformProfile truth = LoadPlatformProfile(SourcePath("platforms/raspberry_pi_4.json"));
  truth.efficiency = {{"Conv", 0.4}, {"Conv.pointwise", 0.25}, {"Conv.depthwise", 0.05}, {"Gemm", 0.3}};
  truth.memory_bandwidth_bytes_per_s = 3e9;
  truth.layer_overhead_ms = 0.03;
  truth.fuse_activations = true;
  std::vector<CalibrationNetwork> networks;
  for (const char* name : {"models/resnet18.onnx", "models/mobilenet_v2.onnx", "models/squeezenet1_1.onnx"}) {
    const LayerGraph graph = Model::Load(SourcePath(name), {}).graph();
    CalibrationNetwork n{name, graph, {}, 0};
    n.mapping.layer_kernel.assign(graph.layer_count(), -1);
    n.mapping.layer_latency_ms.assign(graph.layer_count(), 0);
    // One kernel per layer that is not a fused activation; the activation joins its producer.
    for (LayerId l : graph.topological_order()) {
      if (IsFusedActivation(graph, l)) continue;
      KernelAssignment k{graph.layer(l).name, graph.layer(l).op_type, EstimateLayer(graph, l, truth).latency_ms, {l}, kNoLayer};
      for (LayerId s : graph.successors(l)) if (IsFusedActivation(graph, s)) k.layers.push_back(s);
      n.measured_ms += k.median_ms;
      n.mapping.kernels.push_back(k);
    }
    networks.push_back(std::move(n));
  }
  PlatformProfile base = truth;  // start far away
  base.efficiency = {};
  base.default_efficiency = 0.9;
  base.memory_bandwidth_bytes_per_s = 2e10;
  base.layer_overhead_ms = 0;
  const CalibrationResult result = Calibrate(base, networks);
  for (const NetworkError& n : result.networks) {
    EXPECT_NEAR(n.after_ms, n.measured_ms, 0.01 * n.measured_ms) << n.name;
    // Left out, a network whose op classes the others share is still predicted well.
    if (n.name == "models/resnet18.onnx") {
      EXPECT_NEAR(n.leave_one_out_ms, n.measured_ms, 0.05 * n.measured_ms);
    }
    EXPECT_GT(std::abs(n.before_ms - n.measured_ms), 0.1 * n.measured_ms) << n.name;
  }
  const PlatformProfile& fit = result.profile;
  EXPECT_NEAR(fit.peak() * fit.efficiency.at("Conv"), truth.peak() * 0.4, 0.02 * truth.peak() * 0.4);
  EXPECT_NEAR(fit.peak() * fit.efficiency.at("Conv.depthwise"), truth.peak() * 0.05, 0.05 * truth.peak() * 0.05);
  EXPECT_NEAR(fit.layer_overhead_ms, 0.03, 0.003);
}

TEST(CsvImport, ByteOrderMarkIsNotPartOfTheFirstColumnName) {
  TempFile csv("bom.csv", "\xEF\xBB\xBFLayer,Latency [ms]\n/c1/Conv,1.5\n");
  CsvImportOptions options;
  options.energy_column.clear();
  const std::string text = ImportCsvIntoProfile(csv.path(), SourcePath("platforms/raspberry_pi_4.json"), options);
  EXPECT_NE(text.find("\"/c1/Conv\""), std::string::npos);
  EXPECT_NE(text.find("\"missing\": \"estimate\""), std::string::npos);  // the default
  EXPECT_NE(text.find("\"energy_mj\""), std::string::npos);                // active_w × latency
}

TEST(OutputFile, RefusesDevicesFoldersAndExistingFilesWithoutForce) {
  EXPECT_THROW(WriteOutputFile("/dev/full", "x", true), Error);
  EXPECT_THROW(WriteOutputFile(std::filesystem::temp_directory_path().string(), "x", true), Error);
  TempFile existing("existing.json", "old");
  EXPECT_THROW(WriteOutputFile(existing.path(), "new", false), Error);
  WriteOutputFile(existing.path(), "new", true);
  std::ifstream in(existing.path());
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "new");
}

TEST(NearestNames, SuggestsTheClosestOpType) {
  EXPECT_EQ(NearestNames("conv", {"Gemm", "Conv", "ConvTranspose"}, 1), std::vector<std::string>{"Conv"});
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace dnnpart
