// Test helpers for the evaluator: a node and tensor values from literals,
// and one-line ways to evaluate a node or read the Error it throws.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dnnpart/error.h"
#include "evaluator/evaluate.h"
#include "evaluator/tensor_value.h"

namespace dnnpart::test {

// The operators the evaluator promises (docs/loading.md), in its list's order.
inline const std::vector<std::string>& PromisedEvaluatorOps() {
  static const std::vector<std::string> ops = {
      "Add", "Sub", "Mul", "Div", "Mod", "Pow", "Neg", "Abs", "Floor", "Ceil", "Sqrt", "Reciprocal", "Min", "Max",
      "Sign", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Not", "And", "Or", "Xor", "Where",
      "ConstantOfShape", "Range", "Expand", "Tile", "Concat", "Split", "Slice", "Gather", "GatherElements",
      "GatherND", "ScatterND", "Squeeze", "Unsqueeze", "Reshape", "Flatten", "Transpose", "Cast", "CastLike",
      "Identity", "CumSum", "ReduceSum", "ReduceProd", "ReduceMin", "ReduceMax", "ReduceMean", "ArgMax", "ArgMin",
      "NonZero", "Trilu", "OneHot", "Einsum", "Shape", "Size"};
  return ops;
}

inline onnx::NodeProto MakeNode(const std::string& op, int inputs, int outputs = 1) {
  onnx::NodeProto node;
  node.set_op_type(op);
  // Appending (not "x" + std::to_string(i)) avoids GCC 12's false -Wrestrict.
  for (int i = 0; i < inputs; ++i) node.add_input()->append("x").append(std::to_string(i));
  for (int i = 0; i < outputs; ++i) node.add_output()->append("y").append(std::to_string(i));
  return node;
}

inline void SetInt(onnx::NodeProto& node, const std::string& name, int64_t value) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

inline void SetInts(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INTS);
  for (int64_t value : values) attribute->add_ints(value);
}

inline void SetString(onnx::NodeProto& node, const std::string& name, const std::string& value) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::STRING);
  attribute->set_s(value);
}

inline TensorValue Ints(Shape shape, std::vector<int64_t> values, int32_t type = onnx::TensorProto::INT64) {
  TensorValue value;
  value.elem_type = type;
  value.shape = std::move(shape);
  value.ints = std::move(values);
  return value;
}

inline TensorValue Reals(Shape shape, std::vector<double> values, int32_t type = onnx::TensorProto::FLOAT) {
  TensorValue value;
  value.elem_type = type;
  value.shape = std::move(shape);
  value.reals = std::move(values);
  return value;
}

inline std::optional<std::vector<TensorValue>> Evaluate(const onnx::NodeProto& node,
                                                        const std::vector<TensorValue>& values, int64_t opset = 17,
                                                        EvalLimits limits = {}) {
  std::vector<const TensorValue*> inputs;
  for (const TensorValue& value : values) inputs.push_back(&value);
  return EvaluateNode(node, opset, inputs, limits);
}

inline TensorValue RunOne(const onnx::NodeProto& node, const std::vector<TensorValue>& values, int64_t opset = 17) {
  std::optional<std::vector<TensorValue>> outputs = Evaluate(node, values, opset);
  if (!outputs || outputs->empty()) throw std::runtime_error("not evaluated");
  return outputs->front();
}

inline std::string ErrorOf(const onnx::NodeProto& node, const std::vector<TensorValue>& values, int64_t opset = 17) {
  try {
    Evaluate(node, values, opset);
  } catch (const Error& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace dnnpart::test
