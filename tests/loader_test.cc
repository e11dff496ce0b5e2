#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <onnx/onnx_pb.h>

#include "dnnpart/cuts.h"
#include "dnnpart/error.h"
#include "dnnpart/model.h"
#include "test_util.h"

namespace dnnpart {
namespace {

using test::LayerNames;
using test::LoadError;
using test::LoadFixture;
using test::SourcePath;

// A float graph input (or output) of `shape`.
void AddValue(onnx::GraphProto& graph, bool input, const std::string& name, const std::vector<int64_t>& shape) {
  onnx::ValueInfoProto* value = input ? graph.add_input() : graph.add_output();
  value->set_name(name);
  auto* tensor = value->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t dim : shape) tensor->mutable_shape()->add_dim()->set_dim_value(dim);
}

// A float initializer: a 1-D one holds 1, 1, 2, 2, ... (Resize scales), others 0.5.
void AddInitializer(onnx::GraphProto& graph, const std::string& name, const std::vector<int64_t>& shape) {
  onnx::TensorProto* tensor = graph.add_initializer();
  tensor->set_name(name);
  tensor->set_data_type(onnx::TensorProto::FLOAT);
  int64_t elements = 1;
  for (int64_t dim : shape) {
    tensor->add_dims(dim);
    elements *= dim;
  }
  for (int64_t i = 0; i < elements; ++i) tensor->add_float_data(shape.size() == 1 ? (i < 2 ? 1.0F : 2.0F) : 0.5F);
}

onnx::NodeProto* AddNode(onnx::GraphProto& graph, const std::string& op, const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs) {
  onnx::NodeProto* node = graph.add_node();
  node->set_op_type(op);
  node->set_name(op);
  for (const auto& in : inputs) node->add_input(in);
  for (const auto& out : outputs) node->add_output(out);
  return node;
}

void SetAttribute(onnx::NodeProto& node, const std::string& name, const std::string& text) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::STRING);
  attribute->set_s(text);
}

// Resize's mode, Einsum's equation and LSTM's hidden_size and weight shapes
// reach the MAC model through DescribeNode.
TEST(Loader, StringAttributesAndWeightShapesReachTheMacModel) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(17);
  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name("modern_ops");
  AddValue(graph, true, "x", {1, 2, 4, 4});
  AddValue(graph, true, "s", {5, 1, 3});
  AddInitializer(graph, "scales", {4});  // 1, 1, 2, 2
  AddInitializer(graph, "W", {1, 16, 3});
  AddInitializer(graph, "R", {1, 16, 4});
  SetAttribute(*AddNode(graph, "Resize", {"x", "", "scales"}, {"r"}), "mode", "linear");
  SetAttribute(*AddNode(graph, "Einsum", {"r", "r"}, {"e"}), "equation", "nchw,nchw->nc");
  onnx::AttributeProto* hidden = AddNode(graph, "LSTM", {"s", "W", "R"}, {"Y"})->add_attribute();
  hidden->set_name("hidden_size");
  hidden->set_type(onnx::AttributeProto::INT);
  hidden->set_i(4);
  AddValue(graph, false, "e", {1, 2});
  AddValue(graph, false, "Y", {5, 1, 1, 4});
  const std::string path =
      (std::filesystem::temp_directory_path() / ("dnnpart_" + std::to_string(::getpid()) + "_modern_ops.onnx")).string();
  std::ofstream(path, std::ios::binary) << model.SerializeAsString();
  const Model loaded = Model::Load(path, {});
  std::remove(path.c_str());
  const LayerGraph& g = loaded.graph();
  auto layer = [&g](const char* name) { return g.layer(*g.FindLayer(name)); };
  EXPECT_TRUE(layer("Resize").macs_modelled);
  EXPECT_EQ(layer("Resize").macs, 2 * 8 * 8 * 4);  // bilinear: 4 taps per output element
  EXPECT_EQ(layer("Einsum").macs, 2 * 8 * 8);      // n=1, c=2, h=8, w=8 with h, w summed
  EXPECT_EQ(layer("LSTM").macs, 5 * (4 * 4 * (3 + 4) + 8 * 4));
}

TEST(Loader, TinyResidualKeepsNamesShapesAndMacs) {
  const Model model = LoadFixture("tiny_residual.onnx");
  const LayerGraph& g = model.graph();
  EXPECT_EQ(LayerNames(g), (std::vector<std::string>{"c1", "r1", "c2", "add", "r2"}));
  const Layer& c1 = g.layer(*g.FindLayer("c1"));
  EXPECT_EQ(c1.macs, 8LL * 16 * 16 * 8 * 9);
  EXPECT_EQ(c1.param_count, 8 * 8 * 9 + 8);
  EXPECT_EQ(c1.param_bytes, 4 * (8 * 8 * 9 + 8));
  const Tensor& out = g.tensor(c1.outputs.at(0));
  EXPECT_EQ(out.shape, (Shape{1, 8, 16, 16}));
  EXPECT_EQ(out.dtype, DType::kFloat32);
  EXPECT_EQ(out.bytes, 8 * 16 * 16 * 4);
  EXPECT_EQ(model.info().opset, 13);
}

TEST(Loader, ShapeSubgraphIsFoldedAndConstrainsNoCut) {
  const Model model = LoadFixture("shape_subgraph.onnx");
  const LayerGraph& g = model.graph();
  std::vector<std::string> ops;
  for (LayerId id : g.topological_order()) ops.push_back(g.layer(id).op_type);
  EXPECT_EQ(ops, (std::vector<std::string>{"Conv", "Reshape", "Gemm"}));
  EXPECT_EQ(model.info().folded_node_count, 5);
  const Layer& reshape = g.layer(g.topological_order()[1]);
  EXPECT_EQ(g.tensor(reshape.outputs.at(0)).shape, (Shape{1, 32}));
  EXPECT_EQ(FindCuts(g, {}).size(), 2U);  // after Conv, after Reshape
}

TEST(Loader, IdentityAndDropoutBlockNoCutAndDeadNodesAreDropped) {
  const Model model = LoadFixture("identity_dropout.onnx");
  const LayerGraph& g = model.graph();
  EXPECT_EQ(LayerNames(g), (std::vector<std::string>{"r1", "id", "drop", "r2"}));
  EXPECT_EQ(model.info().dropped_node_count, 1);
  EXPECT_EQ(FindCuts(g, {}).size(), 3U);
  // The unused Dropout mask is not a tensor of the layer graph.
  EXPECT_EQ(g.layer(*g.FindLayer("drop")).outputs.size(), 1U);
}

TEST(Loader, OldOpsetWithUnfusedBatchNormalization) {
  // Opset 7, IR version 3: initializers are also listed as graph inputs.
  const Model model = LoadFixture("opset7_bn_mlp.onnx");
  const LayerGraph& g = model.graph();
  EXPECT_EQ(model.info().opset, 7);
  EXPECT_EQ(g.graph_inputs().size(), 1U);
  const Layer& bn = g.layer(*g.FindLayer("bn"));
  EXPECT_EQ(bn.op_type, "BatchNormalization");
  EXPECT_EQ(bn.macs, 4 * 8 * 8);          // one fused scale-and-shift per element
  EXPECT_EQ(bn.param_count, 4 * 4);       // scale, bias, mean, variance
  EXPECT_EQ(g.layer(*g.FindLayer("fc")).macs, 64 * 10);
  EXPECT_EQ(g.tensor(g.graph_outputs().at(0)).shape, (Shape{1, 10}));
  EXPECT_EQ(FindCuts(g, {}).size(), 6U);  // a chain of 7 layers
}

TEST(Loader, SplitWithSeveralOutputs) {
  const Model model = LoadFixture("split_concat.onnx");
  const LayerGraph& g = model.graph();
  const Layer& split = g.layer(*g.FindLayer("split"));
  ASSERT_EQ(split.outputs.size(), 2U);
  EXPECT_EQ(g.tensor(split.outputs[1]).shape, (Shape{1, 4, 4, 4}));
  const auto cuts = FindCuts(g, {.max_cut_tensors = 2});
  ASSERT_FALSE(cuts.empty());
  EXPECT_EQ(cuts[0].crossing.size(), 2U);  // after split: both halves
}

TEST(Loader, SeveralInputsAndOutputs) {
  const Model model = LoadFixture("multi_io.onnx");
  const LayerGraph& g = model.graph();
  EXPECT_EQ(g.graph_inputs().size(), 2U);
  EXPECT_EQ(g.graph_outputs().size(), 2U);
  EXPECT_EQ(test::HeadNameSets(g, FindCuts(g, {.max_cut_tensors = 3})), test::BruteForceCuts(g, 3));
}

TEST(Loader, SymbolicDimensionMustBeBound) {
  const std::string message = LoadError("tests/data/symbolic_dims.onnx");
  EXPECT_NE(message.find("symbolic_dims.onnx"), std::string::npos) << message;
  EXPECT_NE(message.find("'input'"), std::string::npos) << message;
  EXPECT_NE(message.find("'N'"), std::string::npos) << message;
  LoadOptions options;
  options.input_shapes["input"] = {2, 3, 8, 8};
  const Model model = LoadFixture("symbolic_dims.onnx", options);
  const LayerGraph& g = model.graph();
  EXPECT_EQ(g.tensor(g.graph_outputs().at(0)).shape, (Shape{2, 4, 8, 8}));
}

TEST(Loader, InputShapeMustAgreeWithFixedDims) {
  LoadOptions options;
  options.input_shapes["input"] = {1, 4, 8, 8};
  EXPECT_NE(LoadError("tests/data/symbolic_dims.onnx", options).find("fixes it to 3"), std::string::npos);
  options.input_shapes = {{"nope", {1}}};
  EXPECT_NE(LoadError("tests/data/symbolic_dims.onnx", options).find("not a graph input"), std::string::npos);
}

TEST(Loader, BadFilesGiveOneClearError) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"tests/data/does_not_exist.onnx", "cannot open"},
      {"tests/data/empty.onnx", "empty"},
      {"tests/data/random_bytes.onnx", "not a valid ONNX model"},
      {"tests/data/truncated.onnx", "not a valid ONNX model"},
      {"tests/data/cyclic.onnx", "cycle"},
      {"tests/data/dangling_input.onnx", "'ghost'"},
      {"tests/data/external_escape.onnx", "outside the model's folder"},
      {"tests/data/external_absolute.onnx", "outside the model's folder"},
      {"tests/data", "directory"},
      {"tests/data/conflicting_value_info.onnx", "node 'c1' (Conv): ONNX shape inference gives output 'c1_out'"},
  };
  for (const auto& [file, fault] : cases) {
    const std::string message = LoadError(file);
    EXPECT_EQ(message.rfind(SourcePath(file), 0), 0U) << message;  // starts with the file
    EXPECT_NE(message.find(fault), std::string::npos) << file << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

// The If output's shape is known only to ONNX's graph inferencer (the
// branches declare none); the tensor the branches read from the outer scope
// is an input of the If layer.
TEST(Loader, IfBranchesAreInferredAndTheirOuterReadsAreInputs) {
  const Model model = LoadFixture("if_branch.onnx");
  const LayerGraph& g = model.graph();
  EXPECT_EQ(LayerNames(g), (std::vector<std::string>{"c1", "choose", "add"}));
  const Layer& choose = g.layer(*g.FindLayer("choose"));
  std::vector<std::string> inputs;
  for (TensorId t : choose.inputs) inputs.push_back(g.tensor(t).name);
  EXPECT_EQ(inputs, (std::vector<std::string>{"cond", "c1_out"}));
  EXPECT_EQ(g.tensor(*g.FindTensor("branch_out")).shape, (Shape{1, 4, 8, 8}));
  EXPECT_EQ(test::HeadNameSets(g, FindCuts(g, {.max_cut_tensors = 3})), test::BruteForceCuts(g, 3));
}

// Nodes listed out of order load as if sorted: the same layers, shapes and
// MACs as the sorted file, in topological order.
TEST(Loader, UnsortedNodesLoadLikeSortedOnes) {
  const Model sorted = LoadFixture("tiny_residual.onnx");
  const Model unsorted = LoadFixture("unsorted.onnx");
  const LayerGraph& a = sorted.graph();
  const LayerGraph& b = unsorted.graph();
  EXPECT_EQ(LayerNames(a), LayerNames(b));
  ASSERT_EQ(a.tensor_count(), b.tensor_count());
  for (size_t t = 0; t < a.tensor_count(); ++t) {
    const Tensor& ta = a.tensor(static_cast<TensorId>(t));
    EXPECT_EQ(ta.shape, b.tensor(*b.FindTensor(ta.name)).shape) << ta.name;
  }
  for (const std::string name : {"c1", "r1", "c2", "add", "r2"}) {
    EXPECT_EQ(a.layer(*a.FindLayer(name)).macs, b.layer(*b.FindLayer(name)).macs) << name;
  }
}

TEST(Loader, NewerOpsetFallsBackToOwnPropagation) {
  const Model reference = Model::Load(SourcePath("models/resnet18.onnx"), {});
  for (const std::string name : {"opset18_resnet18.onnx", "opset18_resnet18_vi.onnx"}) {
    const Model model = LoadFixture(name);
    EXPECT_TRUE(model.info().shapes_from_fallback);
    EXPECT_EQ(model.info().opset, 18);
    const LayerGraph& a = reference.graph();
    const LayerGraph& b = model.graph();
    ASSERT_EQ(a.layer_count(), b.layer_count()) << name;
    for (size_t t = 0; t < a.tensor_count(); ++t) {
      const Tensor& ta = a.tensor(static_cast<TensorId>(t));
      EXPECT_EQ(ta.shape, b.tensor(*b.FindTensor(ta.name)).shape) << name << " " << ta.name;
    }
    for (size_t l = 0; l < a.layer_count(); ++l) {
      EXPECT_EQ(a.layer(static_cast<LayerId>(l)).macs, b.layer(static_cast<LayerId>(l)).macs);
    }
  }
}

struct BundledModel {
  std::string name;
  size_t single_cuts;  // with --max-cut-tensors 1
};

void PrintTo(const BundledModel& model, std::ostream* out) { *out << model.name; }

class BundledModels : public ::testing::TestWithParam<BundledModel> {};

TEST_P(BundledModels, LoadWithStaticShapesAndCuts) {
  const Model model = Model::Load(SourcePath("models/" + GetParam().name + ".onnx"), {});
  const LayerGraph& g = model.graph();
  EXPECT_GT(g.layer_count(), 10U);
  for (size_t t = 0; t < g.tensor_count(); ++t) {
    EXPECT_GT(g.tensor(static_cast<TensorId>(t)).bytes, 0) << g.tensor(static_cast<TensorId>(t)).name;
  }
  EXPECT_EQ(g.tensor(g.graph_outputs().at(0)).shape, (Shape{1, 1000}));
  EXPECT_EQ(model.info().onnx_node_count - model.info().folded_node_count - model.info().dropped_node_count,
            static_cast<int64_t>(g.layer_count()));
  EXPECT_EQ(FindCuts(g, {}).size(), GetParam().single_cuts);
  const auto two = FindCuts(g, {.max_cut_tensors = 2});
  EXPECT_GE(two.size(), GetParam().single_cuts);  // equal for plain chains (alexnet, vgg16)
  for (const Cut& cut : two) EXPECT_EQ(CrossingTensors(g, HeadMask(g, cut)), cut.crossing);
}

INSTANTIATE_TEST_SUITE_P(Torchvision, BundledModels,
                         ::testing::Values(BundledModel{"resnet18", 21}, BundledModel{"resnet50", 37},
                                           BundledModel{"efficientnet_b0", 55}, BundledModel{"googlenet", 21},
                                           BundledModel{"squeezenet1_1", 32}, BundledModel{"vgg16", 37},
                                           BundledModel{"regnet_x_400mf", 48}, BundledModel{"alexnet", 19},
                                           BundledModel{"mobilenet_v2", 49}),
                         [](const auto& test_param) { return test_param.param.name; });

TEST(Loader, EfficientNetKeepsTheNodeNamesOfThePapersData) {
  const Model model = Model::Load(SourcePath("models/efficientnet_b0.onnx"), {});
  std::ifstream csv(SourcePath("tests/data/cnnparted/efficientnet_eyeriss_like_convlayers.csv"));
  ASSERT_TRUE(csv) << "tests/data/cnnparted is missing";
  std::string line;
  std::getline(csv, line);  // header
  int found = 0;
  while (std::getline(csv, line)) {
    std::stringstream fields(line);
    std::string number, name;
    std::getline(fields, number, ';');
    std::getline(fields, name, ';');
    ASSERT_TRUE(model.graph().FindLayer(name).has_value()) << name;
    EXPECT_EQ(model.graph().layer(*model.graph().FindLayer(name)).op_type, "Conv");
    ++found;
  }
  EXPECT_EQ(found, 81);
}

TEST(Loader, FullWeightsModelLoadsLikeStructureOnly) {
  const Model full = Model::Load(SourcePath("models/squeezenet1_1_full.onnx"), {});
  const Model bare = Model::Load(SourcePath("models/squeezenet1_1.onnx"), {});
  ASSERT_EQ(full.graph().layer_count(), bare.graph().layer_count());
  for (size_t l = 0; l < full.graph().layer_count(); ++l) {
    EXPECT_EQ(full.graph().layer(static_cast<LayerId>(l)).param_bytes,
              bare.graph().layer(static_cast<LayerId>(l)).param_bytes);
  }
}

}  // namespace
}  // namespace dnnpart
