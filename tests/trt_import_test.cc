// TensorRT profile import: the layer-name parser, the two trtexec files, the
// mapping back to ONNX nodes, coverage refusal and provenance. The fixture
// tests/data/trtexec/resnet18.* follows NVIDIA's documented format but was
// written by tools/make_trt_fixture.py, not by a real TensorRT. No timing of
// this machine is asserted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "dnnpart/error.h"
#include "dnnpart/model.h"
#include "dnnpart/trt_import.h"
#include "test_util.h"

namespace dnnpart {
namespace {

using test::SourcePath;
using Parts = TrtNameParts;

const char kProfile[] = "tests/data/trtexec/resnet18.profile.json";
const char kLayers[] = "tests/data/trtexec/resnet18.layers.json";
const char kBase[] = "platforms/jetson_orin_nano_8gb.json";

class TempFile {
 public:
  TempFile(const std::string& name, const std::string& text)
      : path_((std::filesystem::temp_directory_path() / ("dnnpart_trt_" + std::to_string(::getpid()) + "_" + name))
                  .string()) {
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const Model& Resnet18() {
  static const Model model = Model::Load(SourcePath("models/resnet18.onnx"), {});
  return model;
}

std::string ReadText(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// A profile file in trtexec's layout: (name, medianMs) entries, averageMs 10 % above.
std::string Profile(const std::vector<std::pair<std::string, double>>& layers, bool median = true) {
  std::string text = "[\n  { \"count\" : 10 }\n";
  for (const auto& [name, ms] : layers) {
    text += ", { \"name\" : \"" + name + "\", \"timeMs\" : " + std::to_string(ms * 11) +
            ", \"averageMs\" : " + std::to_string(ms * 1.1) +
            (median ? ", \"medianMs\" : " + std::to_string(ms) : std::string()) + ", \"percentage\" : 1 }\n";
  }
  return text + "]\n";
}

double Latency(const TrtMapping& m, const std::string& node) {
  const auto l = Resnet18().graph().FindLayer(node);
  if (!l) throw Error("no node " + node);
  return m.mapping.layer_latency_ms[static_cast<size_t>(*l)];
}

double Macs(const std::string& node) {
  return static_cast<double>(Resnet18().graph().layer(*Resnet18().graph().FindLayer(node)).macs);
}

// The share of `ms` a layer gets in a group split by MACs (equal when none has MACs).
double Share(double ms, const std::string& node, const std::vector<std::string>& group) {
  double total = 0;
  for (const std::string& n : group) total += Macs(n);
  return total > 0 ? ms * Macs(node) / total : ms / static_cast<double>(group.size());
}

TEST(TrtNames, PlusAndParallelJoinsListEveryNode) {
  const Parts vertical = ParseTrtLayerName("Conv_8 + Add_9 + Relu_10");
  EXPECT_EQ(vertical.names, (std::vector<std::string>{"Conv_8", "Add_9", "Relu_10"}));
  const Parts horizontal = ParseTrtLayerName("/a/Conv || /b/Conv");
  EXPECT_EQ(horizontal.names, (std::vector<std::string>{"/a/Conv", "/b/Conv"}));
  EXPECT_EQ(horizontal.reformat, Parts::Reformat::kNone);
  EXPECT_EQ(ParseTrtLayerName("/fc/Gemm").names, (std::vector<std::string>{"/fc/Gemm"}));
}

TEST(TrtNames, NestedPointwiseFusionsYieldEveryNodeAndSkipUnnamedLayers) {
  const Parts parts =
      ParseTrtLayerName("/mlp/fc1/Conv + PWN(PWN(PWN(/act/Constant_output_0 + (Unnamed Layer* 737) [Shuffle], "
                        "/act/Div), /act/Erf), /act/Mul)");
  EXPECT_EQ(parts.names,
            (std::vector<std::string>{"/mlp/fc1/Conv", "/act/Constant_output_0", "/act/Div", "/act/Erf", "/act/Mul"}));
  EXPECT_EQ(parts.internal, (std::vector<std::string>{"(Unnamed Layer* 737) [Shuffle]"}));
  EXPECT_TRUE(parts.ranges.empty());
}

TEST(TrtNames, ForeignNodeIsARangeOfFirstAndLastName) {
  const Parts parts = ParseTrtLayerName("{ForeignNode[ReduceMean_4492...Mul_4557]}");
  ASSERT_EQ(parts.ranges.size(), 1u);
  EXPECT_EQ(parts.ranges[0], std::make_pair(std::string("ReduceMean_4492"), std::string("Mul_4557")));
  EXPECT_TRUE(parts.names.empty());
  const Parts dotted = ParseTrtLayerName("{ForeignNode[encoder.fea_bn1.weight.../softmax/Softmax]}");
  ASSERT_EQ(dotted.ranges.size(), 1u);
  EXPECT_EQ(dotted.ranges[0].first, "encoder.fea_bn1.weight");
  EXPECT_EQ(dotted.ranges[0].second, "/softmax/Softmax");
}

TEST(TrtNames, DeepNestingKeepsTheRestAsOneName) {
  std::string name;
  for (int i = 0; i < 100000; ++i) name += "PWN(";
  name += "x";
  for (int i = 0; i < 100000; ++i) name += ", y)";
  const Parts parts = ParseTrtLayerName(name);
  // 33 levels unwrapped, each giving "y"; the rest is one unknown name.
  EXPECT_EQ(parts.names.size(), 34u);
  EXPECT_EQ(std::count(parts.names.begin(), parts.names.end(), "y"), 33);
}

TEST(TrtNames, ReformatLayersNameTheTensorAndTheLayer) {
  const Parts in = ParseTrtLayerName("Reformatting CopyNode for Input Tensor 1 to Conv_43 + Add_44 + Relu_45");
  EXPECT_EQ(in.reformat, Parts::Reformat::kInput);
  EXPECT_EQ(in.reformat_index, 1);
  EXPECT_EQ(in.reformat_target, "Conv_43 + Add_44 + Relu_45");
  EXPECT_TRUE(in.names.empty());
  const Parts out = ParseTrtLayerName("Reformatting CopyNode for Output Tensor 0 to MaxPool_2");
  EXPECT_EQ(out.reformat, Parts::Reformat::kOutput);
  EXPECT_EQ(out.reformat_target, "MaxPool_2");
  // Not the pattern: an ordinary name.
  const Parts other = ParseTrtLayerName("Reformatting CopyNode for Tensor x");
  EXPECT_EQ(other.reformat, Parts::Reformat::kNone);
  EXPECT_EQ(other.names, (std::vector<std::string>{"Reformatting CopyNode for Tensor x"}));
}

TEST(TrtFiles, ReadsTheFixtureProfileAndLayerInfo) {
  const TrtProfile profile = ReadTrtProfile(SourcePath(kProfile));
  EXPECT_EQ(profile.runs, 200);
  EXPECT_TRUE(profile.has_median);
  ASSERT_EQ(profile.layers.size(), 25u);
  EXPECT_EQ(profile.layers[1].name, "/conv1/Conv + /relu/Relu");
  EXPECT_DOUBLE_EQ(*profile.layers[1].median_ms, 0.1242);
  const TrtLayerInfo info = ReadTrtLayerInfo(SourcePath(kLayers));
  ASSERT_EQ(info.layers.size(), 25u);
  EXPECT_EQ(info.layers[0].layer_type, "Reformat");
  EXPECT_EQ(info.layers[0].inputs, (std::vector<std::string>{"input"}));
}

TEST(TrtFiles, MetadataListsOnnxNodesWhateverTheSeparator) {
  const TempFile info("meta.json", R"({"Layers": [{"Name": "__myl_ConvRelu", "LayerType": "kgen",
    "Metadata": "[ONNX Layer: /a/Conv]\u001f[ONNX Layer: /b [x]/Relu]\u001e[ONNX Layer: c]"}, "names_only_layer"]})");
  const TrtLayerInfo read = ReadTrtLayerInfo(info.path());
  ASSERT_EQ(read.layers.size(), 2u);
  EXPECT_EQ(read.layers[0].onnx_nodes, (std::vector<std::string>{"/a/Conv", "/b [x]/Relu", "c"}));
  EXPECT_EQ(read.layers[1].name, "names_only_layer");
}

TEST(TrtFiles, MalformedEntriesNameTheirJsonPath) {
  auto message = [](const std::string& text, bool layer_info) {
    const TempFile file("bad.json", text);
    try {
      if (layer_info) {
        ReadTrtLayerInfo(file.path());
      } else {
        ReadTrtProfile(file.path());
      }
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(R"([{"count": 2}, {"name": "a", "timeMs": 1, "averageMs": 0.5}, {"name": 3}])", false)
                .find("/2/name: must be text"),
            std::string::npos);
  EXPECT_NE(message(R"([{"count": 2}, {"name": "a", "timeMs": 1, "averageMs": -1}])", false).find("/1/averageMs"),
            std::string::npos);
  EXPECT_NE(message(R"([{"count": 0}, {"name": "a", "timeMs": 1, "averageMs": 1}])", false).find("/0/count"),
            std::string::npos);
  EXPECT_NE(message(R"({"Layers": [{"Name": "a", "Inputs": [{"Format/Datatype": "Half"}]}]})", true)
                .find("/Layers/0/Inputs/0/Name: must be text"),
            std::string::npos);
  EXPECT_NE(message(R"({"layers": []})", true).find("not a trtexec --exportLayerInfo file"), std::string::npos);
  EXPECT_NE(message("[{\"count\": 1}, {\"name\": \"a\", ", false).find("not valid JSON"), std::string::npos);
}

TEST(TrtMapping, FixtureCoversEveryNodeAndSplitsFusedTimeByMacs) {
  const TrtMapping m =
      MapTrtProfile(Resnet18().graph(), ReadTrtProfile(SourcePath(kProfile)), ReadTrtLayerInfo(SourcePath(kLayers)), true);
  const LayerGraph& graph = Resnet18().graph();
  EXPECT_EQ(m.mapping.matched_layers, static_cast<int64_t>(graph.layer_count()));
  EXPECT_EQ(m.mapping.unmatched_kernels, (std::vector<std::string>{"(Unnamed Layer* 71) [Shuffle]"}));
  EXPECT_EQ(m.conversions, 3);  // two reformats and the parser's reshape after the Gemm
  EXPECT_NEAR(m.mapping.unmatched_ms, 0.0041, 1e-12);
  EXPECT_NEAR(m.mapping.coverage, 1.0 - 0.0041 / m.total_ms, 1e-12);
  double table_ms = 0;
  for (double ms : m.mapping.layer_latency_ms) table_ms += ms;
  EXPECT_NEAR(table_ms, m.mapping.mapped_ms, 1e-9);
  EXPECT_NEAR(m.mapping.mapped_ms + m.mapping.unmatched_ms, m.total_ms, 1e-12);
  // Conv + Relu: by MACs; the input reformat goes to the graph input's first consumer.
  const std::vector<std::string> stem{"/conv1/Conv", "/relu/Relu"};
  EXPECT_NEAR(Latency(m, "/conv1/Conv"), 0.0215 + Share(0.1242, "/conv1/Conv", stem), 1e-12);
  EXPECT_NEAR(Latency(m, "/relu/Relu"), Share(0.1242, "/relu/Relu", stem), 1e-12);
  // Nested PWN: Add and Relu share it; the output reformat goes to the Relu.
  const std::vector<std::string> pwn{"/layer2/layer2.1/Add", "/layer2/layer2.1/relu_1/Relu"};
  EXPECT_NEAR(Latency(m, "/layer2/layer2.1/relu_1/Relu"),
              Share(0.0121, "/layer2/layer2.1/relu_1/Relu", pwn) + 0.0089, 1e-12);
  // Horizontal fusion: both Convs of layer3.0.
  const std::vector<std::string> wide{"/layer3/layer3.0/conv1/Conv", "/layer3/layer3.0/downsample/downsample.0/Conv"};
  EXPECT_NEAR(Latency(m, wide[1]), Share(0.0503, wide[1], wide), 1e-12);
  // ForeignNode range: the 11 nodes of layer4 in file order share its time.
  double layer4_ms = 0;
  int layer4_nodes = 0;
  for (size_t l = 0; l < graph.layer_count(); ++l) {
    if (graph.layer(static_cast<LayerId>(l)).name.rfind("/layer4/", 0) == 0) {
      layer4_ms += m.mapping.layer_latency_ms[l];
      ++layer4_nodes;
    }
  }
  EXPECT_EQ(layer4_nodes, 11);
  EXPECT_NEAR(layer4_ms, 0.2874, 1e-12);
  // The parser's reshape after the Gemm is charged to the Gemm through its output tensor.
  EXPECT_NEAR(Latency(m, "/fc/Gemm"), 0.0312 + 0.0052, 1e-12);
  EXPECT_EQ(m.precisions, (std::vector<std::string>{"float16", "float32"}));
}

TEST(TrtMapping, AverageInsteadOfMedianWhenAsked) {
  const TrtMapping m = MapTrtProfile(Resnet18().graph(), ReadTrtProfile(SourcePath(kProfile)),
                                     ReadTrtLayerInfo(SourcePath(kLayers)), false);
  EXPECT_NEAR(Latency(m, "/fc/Gemm"), (0.0312 + 0.0052) * 1.03, 1e-9);
}

TEST(TrtMapping, MetadataWinsOverTheLayerName) {
  const TempFile profile("meta.profile.json", Profile({{"__myl_ConvRelu_0", 0.5}}));
  const TempFile info("meta.layers.json", R"({"Layers": [{"Name": "__myl_ConvRelu_0", "LayerType": "kgen",
    "Metadata": "[ONNX Layer: /conv1/Conv]\u001f[ONNX Layer: /relu/Relu]"}]})");
  const TrtMapping m = MapTrtProfile(Resnet18().graph(), ReadTrtProfile(profile.path()), ReadTrtLayerInfo(info.path()), true);
  EXPECT_EQ(m.from_metadata, 1);
  EXPECT_EQ(m.mapping.matched_layers, 2);
  EXPECT_NEAR(Latency(m, "/conv1/Conv") + Latency(m, "/relu/Relu"), 0.5, 1e-12);
}

TEST(TrtMapping, ForeignNodeRangeLeavesNodesOtherLayersNamed) {
  const TempFile profile("range.profile.json",
                         Profile({{"{ForeignNode[/layer1/layer1.0/conv1/Conv.../layer1/layer1.0/relu_1/Relu]}", 1.0},
                                  {"/layer1/layer1.0/conv2/Conv", 0.25}}));
  const TempFile info("range.layers.json", R"({"Layers": ["/layer1/layer1.0/conv2/Conv"]})");
  const TrtMapping m = MapTrtProfile(Resnet18().graph(), ReadTrtProfile(profile.path()), ReadTrtLayerInfo(info.path()), true);
  EXPECT_EQ(m.mapping.matched_layers, 5);  // conv1, relu, conv2, Add, relu_1
  EXPECT_NEAR(Latency(m, "/layer1/layer1.0/conv2/Conv"), 0.25, 1e-12);
  EXPECT_EQ(m.mapping.kernels[0].layers.size(), 4u);
}

TEST(TrtMapping, ReformatsWithoutTensorsGoToTheLayerTheyNameByDirection) {
  // Names-only layer information: no tensors, so the reformat's name decides.
  const std::string conv = "/layer1/layer1.0/conv1/Conv + /layer1/layer1.0/relu/Relu";
  const TempFile profile("reformat.profile.json",
                         Profile({{"/maxpool/MaxPool", 1.0},
                                  {"Reformatting CopyNode for Output Tensor 0 to /maxpool/MaxPool", 0.5},
                                  {"Reformatting CopyNode for Input Tensor 0 to " + conv, 0.25},
                                  {conv, 2.0},
                                  {"Reformatting CopyNode for Output Tensor 0 to " + conv, 0.125}}));
  const TempFile info("reformat.layers.json", R"({"Layers": ["/maxpool/MaxPool"]})");
  const TrtMapping m =
      MapTrtProfile(Resnet18().graph(), ReadTrtProfile(profile.path()), ReadTrtLayerInfo(info.path()), true);
  EXPECT_EQ(m.conversions, 3);
  EXPECT_NEAR(Latency(m, "/maxpool/MaxPool"), 1.5, 1e-12);
  const std::vector<std::string> group{"/layer1/layer1.0/conv1/Conv", "/layer1/layer1.0/relu/Relu"};
  // An input reformat goes to the group's first node, an output reformat to its last.
  EXPECT_NEAR(Latency(m, group[0]), Share(2.0, group[0], group) + 0.25, 1e-12);
  EXPECT_NEAR(Latency(m, group[1]), Share(2.0, group[1], group) + 0.125, 1e-12);
}

TEST(TrtMapping, ForeignNodeFromAWeightWalksBetweenItsTensors) {
  // The first name is a weight (folded away), as in NVIDIA/TensorRT issue 3768.
  const TempFile profile("weight.profile.json",
                         Profile({{"{ForeignNode[layer4.0.conv1.weight.../layer4/layer4.1/relu_1/Relu]}", 2.0}}));
  const TempFile info("weight.layers.json", R"({"Layers": [{
    "Name": "{ForeignNode[layer4.0.conv1.weight.../layer4/layer4.1/relu_1/Relu]}", "LayerType": "Myelin",
    "Inputs": [{"Name": "/layer3/layer3.1/relu_1/Relu_output_0"}],
    "Outputs": [{"Name": "/layer4/layer4.1/relu_1/Relu_output_0"}]}]})");
  const TrtMapping m =
      MapTrtProfile(Resnet18().graph(), ReadTrtProfile(profile.path()), ReadTrtLayerInfo(info.path()), true);
  ASSERT_TRUE(m.mapping.unmatched_kernels.empty());
  EXPECT_EQ(m.mapping.matched_layers, 11);  // layer4, no node before it
  EXPECT_EQ(m.mapping.layer_kernel[static_cast<size_t>(*Resnet18().graph().FindLayer("/layer3/layer3.1/relu_1/Relu"))],
            -1);
}

TEST(TrtMapping, UnknownNamesAreUnmatchedWithNearestNodeNames) {
  const TempFile profile("typo.profile.json", Profile({{"/layer1/layer1.0/conv1/Cnv + /layer1/layer1.0/relu/Relux", 1.0},
                                                       {"/maxpool/MaxPool", 1.0}}));
  const TempFile info("typo.layers.json", R"({"Layers": ["/maxpool/MaxPool"]})");
  const TrtMapping m = MapTrtProfile(Resnet18().graph(), ReadTrtProfile(profile.path()), ReadTrtLayerInfo(info.path()), true);
  ASSERT_EQ(m.mapping.unmatched_kernels.size(), 1u);
  EXPECT_NE(m.unmatched_hints[0].find("/layer1/layer1.0/conv1/Conv"), std::string::npos) << m.unmatched_hints[0];
  EXPECT_NEAR(m.mapping.coverage, 0.5, 1e-12);
}

TEST(TrtImport, RefusesBelowNinetyPercentUnlessForced) {
  std::string text = ReadText(SourcePath(kProfile));
  text.insert(text.rfind(']'),
              ", { \"name\" : \"(Unnamed Layer* 99) [Shuffle]\", \"timeMs\" : 40, \"averageMs\" : 0.2, "
              "\"medianMs\" : 0.2, \"percentage\" : 12 }\n");
  const TempFile profile("low.profile.json", text);
  TrtImportOptions options;
  try {
    ImportTrtIntoProfile(profile.path(), SourcePath(kLayers), Resnet18().graph(), SourcePath(kBase), options);
    FAIL() << "imported below 90 %";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("below 90 %"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(profile.path()), std::string::npos) << e.what();
  }
  options.force = true;
  const TrtImportResult r =
      ImportTrtIntoProfile(profile.path(), SourcePath(kLayers), Resnet18().graph(), SourcePath(kBase), options);
  EXPECT_LT(r.mapping.mapping.coverage, 0.9);
  EXPECT_GT(r.mapping.mapping.coverage, 0.8);
}

TEST(TrtImport, WritesPerNodeTableAndProvenance) {
  const TempFile run_info("run.json", R"({"runtime_version": "8.5.2", "device": "Jetson Orin Nano", "ignored": 1})");
  TrtImportOptions options;
  options.run_info_path = run_info.path();
  const TrtImportResult r =
      ImportTrtIntoProfile(SourcePath(kProfile), SourcePath(kLayers), Resnet18().graph(), SourcePath(kBase), options);
  const nlohmann::json profile = nlohmann::json::parse(r.profile_text);
  const nlohmann::json& measured = profile["provenance"]["measured"];
  EXPECT_EQ(measured["runtime"], "TensorRT");
  EXPECT_EQ(measured["runtime_version"], "8.5.2");
  EXPECT_EQ(measured["device"], "Jetson Orin Nano");
  EXPECT_FALSE(measured.contains("ignored"));
  EXPECT_EQ(measured["statistic"], "median");
  EXPECT_EQ(measured["profiled_runs"], 200);
  EXPECT_EQ(measured["unmatched_layers"], 1);
  EXPECT_EQ(measured["precision"], (nlohmann::json{"float16", "float32"}));
  const nlohmann::json& table = profile["layers"]["table"];
  EXPECT_EQ(table.size(), Resnet18().graph().layer_count());
  EXPECT_NEAR(table["/fc/Gemm"]["latency_ms"].get<double>(), 0.0364, 1e-12);
  EXPECT_EQ(profile["layers"]["missing"], "estimate");
  // Engine layers that ran two or more nodes become fused groups, nodes in
  // topological order; a node is in at most one group.
  const nlohmann::json& groups = profile["layers"]["fused_groups"];
  ASSERT_TRUE(groups.is_array());
  EXPECT_FALSE(groups.empty());
  std::set<std::string> seen;
  for (const nlohmann::json& group : groups) {
    EXPECT_GE(group.size(), 2U) << group;
    for (const nlohmann::json& node : group) EXPECT_TRUE(seen.insert(node.get<std::string>()).second) << node;
  }
}

TEST(TrtImport, OlderProfilesWithoutMedianUseTheAverage) {
  const TempFile profile("old.profile.json", Profile({{"/conv1/Conv + /relu/Relu", 1.0}}, false));
  const TempFile info("old.layers.json", R"({"Layers": ["/conv1/Conv + /relu/Relu"]})");
  TrtImportOptions options;
  options.force = true;  // one layer of a whole network
  const TrtImportResult r =
      ImportTrtIntoProfile(profile.path(), info.path(), Resnet18().graph(), SourcePath(kBase), options);
  EXPECT_EQ(r.statistic, "average");
  EXPECT_NEAR(r.mapping.mapping.mapped_ms, 1.1, 1e-9);
}

TEST(TrtImport, LayerInfoOfAnotherEngineOrModelIsRefused) {
  const TempFile other_engine("other.layers.json", R"({"Layers": ["Conv_0 + Relu_1", "MaxPool_2"]})");
  try {
    ImportTrtIntoProfile(SourcePath(kProfile), other_engine.path(), Resnet18().graph(), SourcePath(kBase), {});
    FAIL() << "accepted a layer-info file of another engine";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("were both exported from the same engine"), std::string::npos) << e.what();
  }
  const Model other = Model::Load(SourcePath("tests/data/tiny_residual.onnx"), {});
  try {
    ImportTrtIntoProfile(SourcePath(kProfile), SourcePath(kLayers), other.graph(), SourcePath(kBase), {});
    FAIL() << "accepted an engine of another model";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("was the engine built from this model"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dnnpart
