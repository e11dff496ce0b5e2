#include <gtest/gtest.h>

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "dnnpart/cuts.h"
#include "dnnpart/error.h"
#include "dnnpart/model.h"
#include "dnnpart/split.h"
#include "test_util.h"

namespace dnnpart {
namespace {

using test::SourcePath;

onnx::ModelProto Parse(const StageModel& stage) {
  onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromString(stage.onnx));
  return model;
}

// The checks every stage must pass, run here independently of SplitOptions::verify.
void ExpectValid(const StageModel& stage) {
  onnx::ModelProto model = Parse(stage);
  EXPECT_NO_THROW(onnx::checker::check_model(model)) << model.graph().name();
  EXPECT_NO_THROW(onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                                     onnx::ShapeInferenceOptions(true, 1)))
      << model.graph().name();
}

std::vector<std::string> NodeNames(const onnx::ModelProto& model) {
  std::vector<std::string> names;
  for (const auto& node : model.graph().node()) names.push_back(node.name());
  return names;
}

std::vector<std::string> Names(const std::vector<StageValue>& values) {
  std::vector<std::string> names;
  for (const StageValue& value : values) names.push_back(value.name);
  return names;
}

std::vector<StageSpec> ByName(const LayerGraph& g, const std::vector<std::vector<std::string>>& stages) {
  std::vector<StageSpec> specs;
  for (const auto& names : stages) {
    StageSpec spec;
    spec.platform = "p";
    spec.platform += std::to_string(specs.size());
    for (const std::string& name : names) spec.layers.push_back(*g.FindLayer(name));
    specs.push_back(spec);
  }
  return specs;
}

std::string SplitError(const Model& model, const std::vector<StageSpec>& stages) {
  try {
    SplitModel(model, stages, {});
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(Split, TwoStagesKeepNamesAndPassCheckerAndStrictInference) {
  const Model model = Model::Load(SourcePath("tests/data/tiny_residual.onnx"), {});
  const auto stages = SplitModel(model, ByName(model.graph(), {{"c1", "r1", "c2", "add"}, {"r2"}}), {});
  ASSERT_EQ(stages.size(), 2U);
  for (const StageModel& stage : stages) ExpectValid(stage);
  EXPECT_EQ(NodeNames(Parse(stages[0])), (std::vector<std::string>{"c1", "r1", "c2", "add"}));
  EXPECT_EQ(NodeNames(Parse(stages[1])), (std::vector<std::string>{"r2"}));
  EXPECT_EQ(Names(stages[0].inputs), (std::vector<std::string>{"x"}));
  EXPECT_EQ(Names(stages[0].outputs), Names(stages[1].inputs));
  EXPECT_EQ(Names(stages[1].outputs), (std::vector<std::string>{"y"}));
  EXPECT_EQ(Parse(stages[0]).graph().initializer_size(), 4);  // two Convs' weights and biases
  EXPECT_EQ(Parse(stages[1]).graph().initializer_size(), 0);
  EXPECT_EQ(Parse(stages[0]).graph().value_info_size(), 3);   // c1, r1 and c2 outputs
  EXPECT_NE(Parse(stages[1]).doc_string().find("stage 1 of 2 (platform 'p1')"), std::string::npos);
}

// The loader leaves this If to its declared shape because ONNX would infer
// its branches unchecked (a Conv whose weight rank differs from its input's:
// SIGSEGV in ONNX 1.12); the stage check must not hand them to ONNX either.
TEST(Split, StageWithAnIfWhoseBranchesOnnxCannotInferIsNotInferredByOnnx) {
  const Model model = Model::Load(SourcePath("tests/data/malformed/if_branch_conv_declared.onnx"), {});
  const auto stages = SplitModel(model, ByName(model.graph(), {{"if"}, {"relu"}}), {});
  ASSERT_EQ(stages.size(), 2U);
  EXPECT_EQ(NodeNames(Parse(stages[0])), (std::vector<std::string>{"if"}));
}

TEST(Split, AGraphInputReadLaterIsSentOnByTheStagesBefore) {
  const Model model = Model::Load(SourcePath("tests/data/tiny_residual.onnx"), {});
  const auto stages = SplitModel(model, ByName(model.graph(), {{"c1", "r1", "c2"}, {"add", "r2"}}), {});
  for (const StageModel& stage : stages) ExpectValid(stage);
  // x is read by c1 (stage 0) and add (stage 1): stage 0 passes it on.
  EXPECT_EQ(NodeNames(Parse(stages[0])), (std::vector<std::string>{"dnnpart_pass/x", "c1", "r1", "c2"}));
  EXPECT_EQ(Names(stages[0].inputs), (std::vector<std::string>{"dnnpart_pass_in/x"}));
  EXPECT_EQ(stages[1].inputs.size(), 2U);
}

TEST(Split, TensorSkippingAStageIsPassedThroughByIdentity) {
  const Model model = Model::Load(SourcePath("tests/data/tiny_residual.onnx"), {});
  const auto stages = SplitModel(model, ByName(model.graph(), {{"c1"}, {"r1", "c2"}, {"add", "r2"}}), {});
  ASSERT_EQ(stages.size(), 3U);
  for (const StageModel& stage : stages) ExpectValid(stage);
  // x is read by stage 0 (c1) and stage 2 (add): stage 0 and 1 pass it on.
  const onnx::ModelProto middle = Parse(stages[1]);
  EXPECT_EQ(NodeNames(middle).front(), "dnnpart_pass/x");
  EXPECT_EQ(middle.graph().node(0).op_type(), "Identity");
  const auto pass = std::find_if(stages[1].inputs.begin(), stages[1].inputs.end(),
                                 [](const StageValue& v) { return v.passed_through; });
  ASSERT_NE(pass, stages[1].inputs.end());
  EXPECT_EQ(pass->name, "dnnpart_pass_in/x");
  EXPECT_EQ(model.graph().tensor(pass->tensor).name, "x");
  // Stage 0 reads x and sends it on too.
  EXPECT_TRUE(std::any_of(stages[0].outputs.begin(), stages[0].outputs.end(),
                          [](const StageValue& v) { return v.name == "x" && v.passed_through; }));
}

TEST(Split, FoldedShapeNodesAreCopiedIntoTheStageThatNeedsThem) {
  const Model model = Model::Load(SourcePath("tests/data/shape_subgraph.onnx"), {});
  const LayerGraph& g = model.graph();
  std::vector<std::vector<std::string>> names(2);
  const auto& order = g.topological_order();
  names[0].push_back(g.layer(order[0]).name);
  for (size_t i = 1; i < order.size(); ++i) names[1].push_back(g.layer(order[i]).name);
  const auto stages = SplitModel(model, ByName(g, names), {});
  for (const StageModel& stage : stages) ExpectValid(stage);
  const onnx::ModelProto tail = Parse(stages[1]);
  std::set<std::string> ops;
  for (const auto& node : tail.graph().node()) ops.insert(node.op_type());
  EXPECT_EQ(ops, (std::set<std::string>{"Shape", "Gather", "Unsqueeze", "Concat", "Constant", "Reshape", "Gemm"}));
  // The head needs none of them.
  EXPECT_EQ(Parse(stages[0]).graph().node_size(), 1);
}

TEST(Split, ShapeOfATensorTheStageDoesNotReceiveBecomesAConstant) {
  const Model model = Model::Load(SourcePath("tests/data/shape_subgraph.onnx"), {});
  const LayerGraph& g = model.graph();
  const auto& order = g.topological_order();
  // Stage 1 receives the Reshape output only; the Shape of the Conv output is
  // not needed there. Splitting after the Reshape keeps the Shape in stage 0.
  const auto stages = SplitModel(
      model, ByName(g, {{g.layer(order[0]).name, g.layer(order[1]).name}, {g.layer(order[2]).name}}), {});
  for (const StageModel& stage : stages) ExpectValid(stage);
  EXPECT_EQ(Parse(stages[1]).graph().node_size(), 1);
}

TEST(Split, IfSubgraphImplicitReadsBringTheirInitializersAndValues) {
  LoadOptions options;
  const Model model = Model::Load(SourcePath("tests/data/if_branch.onnx"), options);
  const LayerGraph& g = model.graph();
  const auto& order = g.topological_order();
  std::vector<std::vector<std::string>> names(2);
  names[0].push_back(g.layer(order[0]).name);
  for (size_t i = 1; i < order.size(); ++i) names[1].push_back(g.layer(order[i]).name);
  const auto stages = SplitModel(model, ByName(g, names), {});
  for (const StageModel& stage : stages) ExpectValid(stage);
  // c1_out is read only inside the If's branches: it still crosses.
  EXPECT_TRUE(std::any_of(stages[1].inputs.begin(), stages[1].inputs.end(),
                          [](const StageValue& v) { return v.name == "c1_out"; }));
}

TEST(Split, GraphOutputProducedEarlyLeavesItsStageAndIsCarriedToTheEnd) {
  const Model model = Model::Load(SourcePath("tests/data/multi_io.onnx"), {});
  const auto stages = SplitModel(model, ByName(model.graph(), {{"ra"}, {"rb", "add"}}), {});
  for (const StageModel& stage : stages) ExpectValid(stage);
  EXPECT_EQ(Names(stages[0].outputs), (std::vector<std::string>{"b", "ya"}));
  EXPECT_EQ(Names(stages[1].outputs), (std::vector<std::string>{"ya", "s"}));
  EXPECT_TRUE(stages[1].outputs[0].passed_through);
}

TEST(Split, OldIrVersionListsInitializersAsInputs) {
  const Model model = Model::Load(SourcePath("tests/data/opset7_bn_mlp.onnx"), {});
  const LayerGraph& g = model.graph();
  const std::vector<Cut> cuts = FindCuts(g, {});
  for (size_t c = 0; c < cuts.size(); ++c) {
    const auto stages = SplitModel(model, StagesFromCuts(g, cuts, {c}, {"a", "b"}), {});
    for (const StageModel& stage : stages) ExpectValid(stage);
  }
}

// Every cut of a few bundled networks (structure-only: external entries are
// kept) gives two valid stages; the library's own verification runs too.
TEST(Split, EveryCutOfBundledNetworksGivesValidStages) {
  for (const char* name : {"resnet18", "googlenet", "bert_tiny_encoder", "efficientnet_b0"}) {
    const Model model = Model::Load(SourcePath(std::string("models/") + name + ".onnx"), {});
    const LayerGraph& g = model.graph();
    const std::vector<Cut> cuts = FindCuts(g, {2});
    ASSERT_FALSE(cuts.empty()) << name;
    const size_t step = std::max<size_t>(1, cuts.size() / 12);
    for (size_t c = 0; c < cuts.size(); c += step) {
      SCOPED_TRACE(std::string(name) + " cut " + std::to_string(c));
      const auto stages = SplitModel(model, StagesFromCuts(g, cuts, {c}, {"a", "b"}), {});
      ASSERT_EQ(stages.size(), 2U);
      EXPECT_GT(stages[0].external_initializer_count + stages[1].external_initializer_count, 0);
    }
  }
}

TEST(Split, WireTypeCastsFloatTensorsOutAndBackIn) {
  const Model model = Model::Load(SourcePath("tests/data/tiny_residual.onnx"), {});
  SplitOptions options;
  options.wire_dtypes = {DType::kFloat16};
  const auto stages = SplitModel(model, ByName(model.graph(), {{"c1", "r1", "c2"}, {"add", "r2"}}), options);
  for (const StageModel& stage : stages) ExpectValid(stage);
  const onnx::ModelProto head = Parse(stages[0]);
  EXPECT_EQ(NodeNames(head).back(), "dnnpart_cast/c2_out");
  EXPECT_EQ(head.graph().output(1).name(), "dnnpart_wire/c2_out");
  EXPECT_EQ(head.graph().output(0).type().tensor_type().elem_type(), onnx::TensorProto::FLOAT16);
  // The graph input x arrives as float32 and leaves as float16.
  EXPECT_EQ(stages[0].inputs[0].dtype, DType::kFloat32);
  const onnx::ModelProto tail = Parse(stages[1]);
  EXPECT_EQ(NodeNames(tail), (std::vector<std::string>{"dnnpart_uncast/x", "dnnpart_uncast/c2_out", "add", "r2"}));
  EXPECT_EQ(stages[1].inputs[0].name, "dnnpart_wire_in/x");
  EXPECT_EQ(stages[1].inputs[0].wire, stages[0].outputs[0].wire);
  EXPECT_EQ(stages[1].outputs[0].dtype, DType::kFloat32);  // the last stage's outputs are never cast
}

TEST(Split, OtherIntegerWireTypesAreRefused) {
  const Model model = Model::Load(SourcePath("tests/data/tiny_residual.onnx"), {});
  SplitOptions options;
  options.wire_dtypes = {DType::kInt16};
  EXPECT_THROW(SplitModel(model, ByName(model.graph(), {{"c1", "r1", "c2"}, {"add", "r2"}}), options), Error);
}

// The initializer `name` of `model` as one float (float_data) or integer (int32_data).
double ScalarInitializer(const onnx::ModelProto& model, const std::string& name) {
  for (const auto& tensor : model.graph().initializer()) {
    if (tensor.name() != name) continue;
    if (tensor.float_data_size() == 1) return tensor.float_data(0);
    return tensor.int32_data(0);
  }
  ADD_FAILURE() << "no initializer " << name;
  return 0;
}

TEST(Split, Int8WireQuantizesFloatTensorsOutAndDequantizesThemIn) {
  const Model model = Model::Load(SourcePath("tests/data/tiny_residual.onnx"), {});
  SplitOptions options;
  options.wire_dtypes = {DType::kInt8};
  options.quant_ranges["c2_out"] = {-1.0, 2.54};  // int8: symmetric, scale 2.54 / 127 = 0.02
  const auto stages = SplitModel(model, ByName(model.graph(), {{"c1", "r1", "c2"}, {"add", "r2"}}), options);
  for (const StageModel& stage : stages) ExpectValid(stage);
  const onnx::ModelProto head = Parse(stages[0]);
  EXPECT_EQ(NodeNames(head).back(), "dnnpart_quantize/c2_out");
  EXPECT_EQ(head.graph().output(0).type().tensor_type().elem_type(), onnx::TensorProto::INT8);
  EXPECT_NEAR(ScalarInitializer(head, "dnnpart_scale/c2_out"), 0.02, 1e-7);
  EXPECT_EQ(ScalarInitializer(head, "dnnpart_zero_point/c2_out"), 0);
  const onnx::ModelProto tail = Parse(stages[1]);
  EXPECT_EQ(NodeNames(tail),
            (std::vector<std::string>{"dnnpart_dequantize/x", "dnnpart_dequantize/c2_out", "add", "r2"}));
  // x has no calibrated range: the default [-8, 8].
  EXPECT_NEAR(ScalarInitializer(tail, "dnnpart_scale/x"), 8.0 / 127, 1e-7);
  ASSERT_TRUE(stages[1].inputs[1].quant.has_value());
  EXPECT_NEAR(stages[1].inputs[1].quant->scale, 0.02, 1e-12);
  EXPECT_EQ(stages[1].outputs[0].dtype, DType::kFloat32);  // the last stage's outputs are never quantized
}

TEST(Split, QuantParamsFollowTheDocumentedFormulas) {
  const QuantParams s8 = QuantParamsFor(DType::kInt8, {-3.0, 1.0});
  EXPECT_DOUBLE_EQ(s8.scale, 3.0 / 127);
  EXPECT_EQ(s8.zero_point, 0);
  const QuantParams u8 = QuantParamsFor(DType::kUInt8, {-1.0, 4.1});
  EXPECT_DOUBLE_EQ(u8.scale, 5.1 / 255);
  EXPECT_EQ(u8.zero_point, 50);  // round(1 / 0.02)
  EXPECT_EQ(QuantParamsFor(DType::kUInt8, {0.5, 2.55}).zero_point, 0);  // the range always holds 0
  EXPECT_DOUBLE_EQ(QuantParamsFor(DType::kInt8, {0.0, 0.0}).scale, 1.0);
  EXPECT_THROW(QuantParamsFor(DType::kInt8, {2.0, 1.0}), Error);
}

TEST(Split, LayersMustBeInExactlyOneStageAndStagesMustFollowTheData) {
  const Model model = Model::Load(SourcePath("tests/data/tiny_residual.onnx"), {});
  const LayerGraph& g = model.graph();
  EXPECT_NE(SplitError(model, ByName(g, {{"c1", "r1"}, {"c2", "add"}})).find("'r2' is in no stage"),
            std::string::npos);
  EXPECT_NE(SplitError(model, ByName(g, {{"c1", "r1", "c2"}, {"c2", "add", "r2"}})).find("'c2' is in two stages"),
            std::string::npos);
  EXPECT_NE(SplitError(model, ByName(g, {{"c2", "add", "r2"}, {"c1", "r1"}})).find("of a later stage"),
            std::string::npos);
  EXPECT_NE(SplitError(model, ByName(g, {{"c1", "r1", "c2", "add", "r2"}, {}})).find("has no layer"),
            std::string::npos);
}

TEST(Split, StagesFromCutsNeedNestedGrowingIdsInRange) {
  const Model model = Model::Load(SourcePath("tests/data/tiny_residual.onnx"), {});
  const LayerGraph& g = model.graph();
  const std::vector<Cut> cuts = FindCuts(g, {2});
  ASSERT_GE(cuts.size(), 2U);
  const auto stages = StagesFromCuts(g, cuts, {0, cuts.size() - 1}, {"a", "b", "c"});
  EXPECT_EQ(stages.size(), 3U);
  EXPECT_EQ(stages[2].platform, "c");
  EXPECT_THROW(StagesFromCuts(g, cuts, {cuts.size()}, {"a", "b"}), Error);
  EXPECT_THROW(StagesFromCuts(g, cuts, {1, 0}, {"a", "b", "c"}), Error);
  EXPECT_THROW(StagesFromCuts(g, cuts, {0, 0}, {"a", "b", "c"}), Error);
  EXPECT_THROW(StagesFromCuts(g, cuts, {0}, {"a"}), Error);
}

}  // namespace
}  // namespace dnnpart
