// What loading learns from values known before any data arrives: shape
// arithmetic evaluated at load time, If nodes replaced by the branch their
// known condition takes, values and shapes the user binds, and upper bounds
// for sizes that depend on the data.
#include <gtest/gtest.h>

#include <map>

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

const Tensor& TensorNamed(const LayerGraph& g, const std::string& name) {
  const std::optional<TensorId> id = g.FindTensor(name);
  if (!id) throw std::runtime_error("no tensor " + name);
  return g.tensor(*id);
}

// ViT's class token: Expand's target comes from ConstantOfShape -> Mul ->
// Equal -> Where over constants; all of it is evaluated and folded away.
TEST(LoadTimeValues, ClassTokenExpandTargetIsEvaluated) {
  const Model model = LoadFixture("class_token_expand.onnx");
  const LayerGraph& g = model.graph();
  EXPECT_EQ(LayerNames(g), (std::vector<std::string>{"patch", "flatten", "to_tokens", "prepend", "proj"}));
  EXPECT_EQ(TensorNamed(g, "sequence").shape, (Shape{1, 17, 4}));
  EXPECT_EQ(TensorNamed(g, "y").shape, (Shape{1, 17, 6}));
  EXPECT_FALSE(TensorNamed(g, "y").bounded);
  // The expanded token is a constant input of the Concat: 1x1x4 floats.
  EXPECT_EQ(g.layer(*g.FindLayer("prepend")).param_count, 4);
}

TEST(LoadTimeValues, BoundConditionReplacesIfByItsBranch) {
  LoadOptions options;
  options.input_values["cond"] = {1};
  const Model then_model = LoadFixture("if_branch.onnx", options);
  EXPECT_EQ(LayerNames(then_model.graph()), (std::vector<std::string>{"c1", "then_relu", "add"}));
  EXPECT_EQ(then_model.info().inlined_if_count, 1);
  // The If's output keeps its name; the bound input is no graph input.
  const LayerGraph& g = then_model.graph();
  EXPECT_EQ(TensorNamed(g, "branch_out").producer, *g.FindLayer("then_relu"));
  EXPECT_EQ(g.graph_inputs().size(), 1U);

  options.input_values["cond"] = {0};
  const Model else_model = LoadFixture("if_branch.onnx", options);
  EXPECT_EQ(LayerNames(else_model.graph()), (std::vector<std::string>{"c1", "else_sigmoid", "add"}));
}

TEST(LoadTimeValues, InputValueMustFitTheInput) {
  LoadOptions options;
  options.input_values["nope"] = {1};
  EXPECT_NE(LoadError("tests/data/if_branch.onnx", options).find("'nope', which is not a graph input (inputs: x, cond)"),
            std::string::npos);
  options.input_values.clear();
  options.input_values["cond"] = {1, 0};
  EXPECT_NE(LoadError("tests/data/if_branch.onnx", options).find("2 value(s) were given"), std::string::npos);
  options.input_values["cond"] = {0.5};
  EXPECT_NE(LoadError("tests/data/if_branch.onnx", options).find("not an integer"), std::string::npos);
  options.input_values["cond"] = {2};
  EXPECT_NE(LoadError("tests/data/if_branch.onnx", options).find("--input-value: graph input 'cond'"), std::string::npos);
}

// NonMaxSuppression keeps at most max_output_boxes_per_class (5) boxes of
// each batch (1) and class (2); NonZero at most every element.
TEST(LoadTimeValues, DataDependentSizesGetTheirUpperBound) {
  const Model model = LoadFixture("data_dependent.onnx");
  const LayerGraph& g = model.graph();
  const Tensor& selected = TensorNamed(g, "selected");
  EXPECT_EQ(selected.shape, (Shape{10, 3}));
  EXPECT_TRUE(selected.bounded);
  EXPECT_EQ(selected.bytes, 10 * 3 * 8);
  EXPECT_EQ(TensorNamed(g, "kept_boxes").shape, (Shape{10, 4}));
  EXPECT_TRUE(TensorNamed(g, "kept_boxes").bounded);  // computed from a bounded tensor
  EXPECT_EQ(TensorNamed(g, "where").shape, (Shape{4, 80}));
  EXPECT_TRUE(TensorNamed(g, "where").bounded);
  EXPECT_FALSE(TensorNamed(g, "logits").bounded);
  EXPECT_FALSE(TensorNamed(g, "active").bounded);
}

TEST(LoadTimeValues, UnknownSizeAsksForTensorShape) {
  const std::string message = LoadError("tests/data/unknown_op.onnx");
  EXPECT_NE(message.find("cannot determine a static shape for tensor 'mystery_out'"), std::string::npos) << message;
  EXPECT_NE(message.find("--tensor-shape 'mystery_out=AxBx...'"), std::string::npos) << message;

  LoadOptions options;
  options.tensor_shapes["mystery_out"] = {1, 4, 8, 8};
  const Model model = LoadFixture("unknown_op.onnx", options);
  EXPECT_EQ(TensorNamed(model.graph(), "y").shape, (Shape{1, 4, 8, 8}));
  EXPECT_FALSE(TensorNamed(model.graph(), "mystery_out").bounded);
}

TEST(LoadTimeValues, TensorShapeMustNameATensorAndAgreeWithStaticShapes) {
  LoadOptions options;
  options.tensor_shapes["nope"] = {1};
  EXPECT_NE(LoadError("tests/data/unknown_op.onnx", options).find("--tensor-shape names 'nope'"), std::string::npos);
  options.tensor_shapes.clear();
  options.tensor_shapes["r"] = {1, 2};
  EXPECT_NE(LoadError("tests/data/unknown_op.onnx", options).find("gives it the static shape 1x4x8x8"), std::string::npos)
      << LoadError("tests/data/unknown_op.onnx", options);
}

// A bound replaced by the user's shape is no longer a bound.
TEST(LoadTimeValues, TensorShapeReplacesABound) {
  LoadOptions options;
  options.tensor_shapes["selected"] = {4, 3};
  const Model model = LoadFixture("data_dependent.onnx", options);
  EXPECT_EQ(TensorNamed(model.graph(), "selected").shape, (Shape{4, 3}));
  EXPECT_FALSE(TensorNamed(model.graph(), "selected").bounded);
  EXPECT_EQ(TensorNamed(model.graph(), "kept_boxes").shape, (Shape{4, 4}));
}

// A Loop with a constant trip count stays one layer costing trips × body
// (MatMul 2x4x4 = 32 plus Relu 8, three times); its scan output stacks one
// body output per iteration, exactly (no condition can end it early).
TEST(LoadTimeValues, LoopWithKnownTripCountCostsTripsTimesBody) {
  const Model model = LoadFixture("loop_known_trips.onnx");
  const LayerGraph& g = model.graph();
  const Layer& loop = g.layer(*g.FindLayer("repeat"));
  EXPECT_TRUE(loop.macs_modelled);
  EXPECT_EQ(loop.macs, 3 * (32 + 8));
  EXPECT_EQ(TensorNamed(g, "stacked").shape, (Shape{3, 2, 4}));
  EXPECT_FALSE(TensorNamed(g, "stacked").bounded);
}

// torch's `torch.split` into a list (MViT): the Loop that fills a sequence is
// unrolled, and the sequence's tensors replace SequenceAt and
// ConcatFromSequence. Node names keep their origin, with the iteration.
TEST(LoadTimeValues, SequenceFillingLoopIsUnrolledAndSequencesDisappear) {
  const Model model = LoadFixture("sequence_split_loop.onnx");
  const LayerGraph& g = model.graph();
  EXPECT_EQ(model.info().unrolled_loop_count, 1);
  EXPECT_EQ(LayerNames(g),
            (std::vector<std::string>{"relu", "slice@0", "slice@1", "tail", "ends_joined", "rejoin", "squash"}));
  EXPECT_EQ(g.layer(*g.FindLayer("rejoin")).op_type, "Concat");
  EXPECT_EQ(TensorNamed(g, "piece@1").shape, (Shape{2, 4}));
  EXPECT_EQ(TensorNamed(g, "y").shape, (Shape{4, 4}));
  EXPECT_EQ(TensorNamed(g, "z").shape, (Shape{6, 4}));
  // ends_joined reads the first and the last piece, under their own names.
  std::vector<std::string> inputs;
  for (TensorId t : g.layer(*g.FindLayer("ends_joined")).inputs) inputs.push_back(g.tensor(t).name);
  EXPECT_EQ(inputs, (std::vector<std::string>{"piece@0", "tail"}));
}

// The bundled modern networks (models/README.md): each loads with static
// shapes, every layer costed, and gives cuts and a plan. Layer and cut counts
// pin what loading found; total MACs match the architectures' published
// counts where they exist (ViT-B/16 17.6 G, Swin-T 4.5 G, R3D-18 40.7 G).
struct ModernModel {
  std::string name;
  size_t layers;
  size_t single_cuts;
  int64_t macs;
  bool has_bounded;
  std::map<std::string, Shape> input_shapes = {};
  std::map<std::string, std::vector<double>> input_values = {};
};

class ModernModels : public ::testing::TestWithParam<ModernModel> {};

TEST_P(ModernModels, LoadCostedWithCutsAndAPlan) {
  const ModernModel& param = GetParam();
  LoadOptions options;
  options.input_shapes = param.input_shapes;
  options.input_values = param.input_values;
  const Model model = Model::Load(SourcePath("models/" + param.name + ".onnx"), options);
  const LayerGraph& g = model.graph();
  EXPECT_EQ(g.layer_count(), param.layers);
  int64_t macs = 0;
  bool bounded = false;
  for (size_t l = 0; l < g.layer_count(); ++l) {
    const Layer& layer = g.layer(static_cast<LayerId>(l));
    EXPECT_TRUE(layer.macs_modelled) << layer.name << " (" << layer.op_type << ")";
    macs += layer.macs;
  }
  for (size_t t = 0; t < g.tensor_count(); ++t) {
    EXPECT_GT(g.tensor(static_cast<TensorId>(t)).bytes, 0) << g.tensor(static_cast<TensorId>(t)).name;
    bounded = bounded || g.tensor(static_cast<TensorId>(t)).bounded;
  }
  EXPECT_EQ(macs, param.macs);
  EXPECT_EQ(bounded, param.has_bounded);
  EXPECT_EQ(FindCuts(g, {}).size(), param.single_cuts);
}

const std::map<std::string, Shape> kSileroShapes{{"input", {1, 512}}, {"h", {2, 1, 64}}, {"c", {2, 1, 64}}};

INSTANTIATE_TEST_SUITE_P(
    Bundled, ModernModels,
    ::testing::Values(ModernModel{"vit_b_16", 616, 34, 17663513770, false},
                      ModernModel{"swin_t", 837, 58, 4572284740, false},
                      ModernModel{"bert_tiny_encoder", 232, 13, 441654400, false},
                      ModernModel{"ssdlite320_mobilenet_v3_large", 1238, 43, 1331722043, true},
                      ModernModel{"lraspp_mobilenet_v3_large", 166, 16, 393527880, false},
                      ModernModel{"r3d_18", 48, 20, 40725404672, false},
                      ModernModel{"lstm_speech", 10, 9, 57756800, false},
                      ModernModel{"silero_vad", 76, 0, 703243, false, kSileroShapes, {{"sr", {16000}}}}),
    [](const auto& test_param) { return test_param.param.name; });

// Without its sample rate, Silero's whole network sits in an If whose
// condition is unknown: the error says what to bind.
TEST(LoadTimeValues, SileroWithoutSampleRateAsksForIt) {
  LoadOptions options;
  options.input_shapes = kSileroShapes;
  try {
    Model::Load(SourcePath("models/silero_vad.onnx"), options);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bind the inputs it reads with --input-value"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dnnpart
