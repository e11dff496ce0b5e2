#include <gtest/gtest.h>

#include <map>

#include "dnnpart/error.h"
#include "value_inference.h"

namespace dnnpart {
namespace {

void AddNode(onnx::GraphProto& g, const std::string& op, std::vector<std::string> in, std::vector<std::string> out,
             std::vector<std::pair<std::string, std::vector<int64_t>>> int_lists = {}) {
  auto* node = g.add_node();
  node->set_op_type(op);
  for (const auto& i : in) node->add_input(i);
  for (const auto& o : out) node->add_output(o);
  for (const auto& [name, values] : int_lists) {
    auto* attribute = node->add_attribute();
    attribute->set_name(name);
    if (values.size() == 1 && name != "axes" && name != "perm") {
      attribute->set_type(onnx::AttributeProto::INT);
      attribute->set_i(values[0]);
    } else {
      attribute->set_type(onnx::AttributeProto::INTS);
      for (int64_t v : values) attribute->add_ints(v);
    }
  }
}

ValueInfo Float(Shape shape) { return {onnx::TensorProto::FLOAT, std::move(shape), std::nullopt}; }
ValueInfo Ints(std::vector<int64_t> values) {
  return {onnx::TensorProto::INT64, Shape{static_cast<int64_t>(values.size())}, std::move(values)};
}

// Declares `known` as graph inputs (float shapes) or initializers (integer
// values), runs the inference driver and returns every value by name.
std::map<std::string, ValueInfo> Infer(onnx::ModelProto& model, int64_t opset, bool use_onnx,
                                       const std::map<std::string, ValueInfo>& known) {
  auto* import = model.add_opset_import();
  import->set_version(opset);
  model.set_ir_version(8);
  onnx::GraphProto& g = *model.mutable_graph();
  for (const auto& [name, value] : known) {
    if (value.ints) {
      auto* tensor = g.add_initializer();
      tensor->set_name(name);
      tensor->set_data_type(value.elem_type);
      for (int64_t d : *value.shape) tensor->add_dims(d);
      for (int64_t v : *value.ints) tensor->add_int64_data(v);
    } else {
      auto* input = g.add_input();
      input->set_name(name);
      auto* type = input->mutable_type()->mutable_tensor_type();
      type->set_elem_type(value.elem_type);
      for (int64_t d : *value.shape) type->mutable_shape()->add_dim()->set_dim_value(d);
    }
  }
  const NameIndex index = IndexNames(g);
  const std::vector<ValueInfo> values = InferValues(model, index, use_onnx);
  std::map<std::string, ValueInfo> by_name;
  for (size_t id = 0; id < values.size(); ++id) by_name[std::string(index.names[id])] = values[id];
  return by_name;
}

// Both paths must agree: ONNX's inference functions with dnnpart's rules
// filling gaps, and dnnpart's rules alone (opsets newer than the library).
class BothPaths : public ::testing::TestWithParam<bool> {};

TEST_P(BothPaths, ResolvesShapeGatherConcatReshapeChain) {
  onnx::ModelProto model;
  onnx::GraphProto& g = *model.mutable_graph();
  AddNode(g, "Conv", {"x", "w"}, {"c"}, {{"pads", {1, 1, 1, 1}}, {"strides", {2, 2}}});
  AddNode(g, "Shape", {"c"}, {"s"});
  AddNode(g, "Gather", {"s", "zero"}, {"n"}, {{"axis", {0}}});
  AddNode(g, "Unsqueeze", {"n", "axes0"}, {"n1"});
  AddNode(g, "Concat", {"n1", "minus1"}, {"target"}, {{"axis", {0}}});
  AddNode(g, "Reshape", {"c", "target"}, {"flat"});
  auto values = Infer(model, 13, GetParam(),
                      {{"x", Float({1, 3, 8, 8})},
                       {"w", Float({4, 3, 3, 3})},
                       {"zero", {onnx::TensorProto::INT64, Shape{}, std::vector<int64_t>{0}}},
                       {"axes0", Ints({0})},
                       {"minus1", Ints({-1})}});
  EXPECT_EQ(values.at("c").shape, (Shape{1, 4, 4, 4}));
  EXPECT_EQ(values.at("target").ints, (std::vector<int64_t>{1, -1}));
  EXPECT_EQ(values.at("flat").shape, (Shape{1, 64}));
  EXPECT_EQ(values.at("flat").elem_type, onnx::TensorProto::FLOAT);
}

TEST_P(BothPaths, UnsortedNodesAreInferredInTopologicalOrder) {
  onnx::ModelProto model;
  onnx::GraphProto& g = *model.mutable_graph();
  AddNode(g, "Relu", {"p"}, {"out"});
  AddNode(g, "MaxPool", {"r"}, {"p"}, {{"kernel_shape", {2, 2}}, {"strides", {2, 2}}});
  AddNode(g, "Relu", {"x"}, {"r"});
  auto values = Infer(model, 13, GetParam(), {{"x", Float({1, 2, 8, 8})}});
  EXPECT_EQ(values.at("out").shape, (Shape{1, 2, 4, 4}));
}

INSTANTIATE_TEST_SUITE_P(OnnxAndOwn, BothPaths, ::testing::Bool());

TEST(ShapePropagation, SliceSplitAndReduceInOpset18Forms) {
  onnx::ModelProto model;
  onnx::GraphProto& g = *model.mutable_graph();
  AddNode(g, "Slice", {"x", "starts", "ends", "axes", "steps"}, {"sl"});
  AddNode(g, "Split", {"x"}, {"a", "b", "c"}, {{"axis", {1}}, {"num_outputs", {3}}});
  AddNode(g, "ReduceMean", {"x", "raxes"}, {"m"}, {{"keepdims", {0}}});
  AddNode(g, "Transpose", {"x"}, {"t"}, {{"perm", {0, 2, 3, 1}}});
  auto values = Infer(model, 18, false,
                      {{"x", Float({1, 10, 6, 6})}, {"starts", Ints({-1})}, {"ends", Ints({-100})},
                       {"axes", Ints({1})}, {"steps", Ints({-2})}, {"raxes", Ints({2, 3})}});
  EXPECT_EQ(values.at("sl").shape, (Shape{1, 5, 6, 6}));  // indices 9, 7, 5, 3, 1
  EXPECT_EQ(values.at("a").shape, (Shape{1, 4, 6, 6}));
  EXPECT_EQ(values.at("c").shape, (Shape{1, 2, 6, 6}));
  EXPECT_EQ(values.at("m").shape, (Shape{1, 10}));
  EXPECT_EQ(values.at("t").shape, (Shape{1, 6, 6, 10}));
}

TEST(ShapePropagation, UnknownOpLeavesOutputUnknown) {
  onnx::ModelProto model;
  onnx::GraphProto& g = *model.mutable_graph();
  AddNode(g, "MysteryOp", {"x"}, {"y"});
  AddNode(g, "Relu", {"y"}, {"z"});
  auto values = Infer(model, 13, true, {{"x", Float({1, 2})}});
  EXPECT_FALSE(values.at("z").shape.has_value());
}

// DepthToSpace has no dnnpart rule: only ONNX's inference function knows it.
TEST(ValueInference, UsesOnnxInferenceFunctions) {
  for (bool use_onnx : {true, false}) {
    onnx::ModelProto model;
    AddNode(*model.mutable_graph(), "DepthToSpace", {"x"}, {"y"}, {{"blocksize", {2}}});
    auto values = Infer(model, 13, use_onnx, {{"x", Float({1, 8, 3, 3})}});
    if (use_onnx) {
      EXPECT_EQ(values.at("y").shape, (Shape{1, 2, 6, 6}));
    } else {
      EXPECT_FALSE(values.at("y").shape.has_value());
    }
  }
}

TEST(ValueInference, InferenceRefinesDeclaredSymbolicDims) {
  onnx::ModelProto model;
  onnx::GraphProto& g = *model.mutable_graph();
  AddNode(g, "Relu", {"x"}, {"y"});
  auto* output = g.add_output();
  output->set_name("y");
  auto* type = output->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::FLOAT);
  type->mutable_shape()->add_dim()->set_dim_param("batch");
  type->mutable_shape()->add_dim()->set_dim_value(5);
  auto values = Infer(model, 13, true, {{"x", Float({3, 5})}});
  EXPECT_EQ(values.at("y").shape, (Shape{3, 5}));
  EXPECT_EQ(g.value_info_size(), 0);  // the model itself is left as it was
}

TEST(ValueInference, ContradictingValueInfoIsAnErrorNamingNodeAndTensor) {
  onnx::ModelProto model;
  onnx::GraphProto& g = *model.mutable_graph();
  AddNode(g, "Relu", {"x"}, {"y"});
  g.mutable_node(0)->set_name("act");
  auto* info = g.add_value_info();
  info->set_name("y");
  auto* type = info->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::FLOAT);
  type->mutable_shape()->add_dim()->set_dim_value(4);
  type->mutable_shape()->add_dim()->set_dim_value(5);
  try {
    Infer(model, 13, true, {{"x", Float({3, 5})}});
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("node 'act' (Relu)"), std::string::npos) << message;
    EXPECT_NE(message.find("'y' FLOAT [3x5]"), std::string::npos) << message;
    EXPECT_NE(message.find("declares FLOAT [4x5]"), std::string::npos) << message;
  }
}

// If: ONNX's graph inferencer infers both branches, which read `x` from the
// outer scope.
TEST(ValueInference, InfersSubgraphsOfIf) {
  onnx::ModelProto model;
  onnx::GraphProto& g = *model.mutable_graph();
  AddNode(g, "If", {"cond"}, {"y"});
  for (const char* branch : {"then_branch", "else_branch"}) {
    auto* attribute = g.mutable_node(0)->add_attribute();
    attribute->set_name(branch);
    attribute->set_type(onnx::AttributeProto::GRAPH);
    onnx::GraphProto& body = *attribute->mutable_g();
    AddNode(body, std::string(branch) == "then_branch" ? "Relu" : "Sigmoid", {"x"}, {"b"});
    body.add_output()->set_name("b");
  }
  auto values = Infer(model, 13, true,
                      {{"x", Float({2, 3})}, {"cond", {onnx::TensorProto::BOOL, Shape{}, std::nullopt}}});
  EXPECT_EQ(values.at("y").shape, (Shape{2, 3}));
}

}  // namespace
}  // namespace dnnpart
