#include <gtest/gtest.h>

#include "shape_propagation.h"

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

TEST(ShapePropagation, ResolvesShapeGatherConcatReshapeChain) {
  onnx::GraphProto g;
  AddNode(g, "Conv", {"x", "w"}, {"c"}, {{"pads", {1, 1, 1, 1}}, {"strides", {2, 2}}});
  AddNode(g, "Shape", {"c"}, {"s"});
  AddNode(g, "Gather", {"s", "zero"}, {"n"}, {{"axis", {0}}});
  AddNode(g, "Unsqueeze", {"n", "axes0"}, {"n1"});
  AddNode(g, "Concat", {"n1", "minus1"}, {"target"}, {{"axis", {0}}});
  AddNode(g, "Reshape", {"c", "target"}, {"flat"});
  ValueTable table{{"x", Float({1, 3, 8, 8})},
                   {"w", Float({4, 3, 3, 3})},
                   {"zero", {onnx::TensorProto::INT64, Shape{}, std::vector<int64_t>{0}}},
                   {"axes0", Ints({0})},
                   {"minus1", Ints({-1})}};
  PropagateShapes(g, 13, table);
  EXPECT_EQ(table.at("c").shape, (Shape{1, 4, 4, 4}));
  EXPECT_EQ(table.at("target").ints, (std::vector<int64_t>{1, -1}));
  EXPECT_EQ(table.at("flat").shape, (Shape{1, 64}));
}

TEST(ShapePropagation, SliceSplitAndReduceInOpset18Forms) {
  onnx::GraphProto g;
  AddNode(g, "Slice", {"x", "starts", "ends", "axes", "steps"}, {"sl"});
  AddNode(g, "Split", {"x"}, {"a", "b", "c"}, {{"axis", {1}}, {"num_outputs", {3}}});
  AddNode(g, "ReduceMean", {"x", "raxes"}, {"m"}, {{"keepdims", {0}}});
  AddNode(g, "Transpose", {"x"}, {"t"}, {{"perm", {0, 2, 3, 1}}});
  ValueTable table{{"x", Float({1, 10, 6, 6})}, {"starts", Ints({-1})}, {"ends", Ints({-100})},
                   {"axes", Ints({1})},         {"steps", Ints({-2})},  {"raxes", Ints({2, 3})}};
  PropagateShapes(g, 18, table);
  EXPECT_EQ(table.at("sl").shape, (Shape{1, 5, 6, 6}));  // indices 9, 7, 5, 3, 1
  EXPECT_EQ(table.at("a").shape, (Shape{1, 4, 6, 6}));
  EXPECT_EQ(table.at("c").shape, (Shape{1, 2, 6, 6}));
  EXPECT_EQ(table.at("m").shape, (Shape{1, 10}));
  EXPECT_EQ(table.at("t").shape, (Shape{1, 6, 6, 10}));
}

TEST(ShapePropagation, UnknownOpLeavesOutputUnknown) {
  onnx::GraphProto g;
  AddNode(g, "MysteryOp", {"x"}, {"y"});
  AddNode(g, "Relu", {"y"}, {"z"});
  ValueTable table{{"x", Float({1, 2})}};
  PropagateShapes(g, 13, table);
  EXPECT_FALSE(table.count("z") != 0 && table.at("z").shape.has_value());
}

}  // namespace
}  // namespace dnnpart
