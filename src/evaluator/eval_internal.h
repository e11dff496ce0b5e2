// Private to src/evaluator/: what the operator families share — the
// evaluation context (inputs, attributes, limits), element-type arithmetic
// (wrapping integers, rounding reals) and numpy broadcasting.
//
// An operator implementation reads its node through EvalContext, throws Error
// through ctx.Fail() when the inputs contradict the operator's rules, and
// throws Unevaluable when the evaluator cannot or may not compute it (an
// unsupported type, a tensor over the limit); EvaluateNode turns Unevaluable
// into nullopt. All functions are stateless and thread-safe.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dnnpart/error.h"
#include "evaluator/evaluate.h"
#include "evaluator/tensor_value.h"

namespace dnnpart::eval {

// Thrown inside the evaluator when a node is left unevaluated (not an error).
struct Unevaluable {};

using Values = std::vector<TensorValue>;

class EvalContext {
 public:
  EvalContext(const onnx::NodeProto& node, int64_t opset, const std::vector<const TensorValue*>& inputs,
              const EvalLimits& limits)
      : node_(node), opset_(opset), inputs_(inputs), limits_(limits) {}

  std::string_view op() const { return node_.op_type(); }
  int64_t opset() const { return opset_; }
  int output_count() const { return node_.output_size(); }
  size_t input_count() const { return inputs_.size(); }

  // Throws Error("<op>: <message>").
  [[noreturn]] void Fail(const std::string& message) const;
  // Fails unless min <= number of inputs <= max.
  void CheckInputCount(size_t min, size_t max) const;
  // The i-th input; fails when it is absent.
  const TensorValue& Input(size_t i) const;
  // The i-th input, or nullptr when absent or beyond the node's inputs.
  const TensorValue* OptionalInput(size_t i) const;

  const onnx::AttributeProto* Attr(std::string_view name) const;
  int64_t IntAttr(std::string_view name, int64_t fallback) const;
  double FloatAttr(std::string_view name, double fallback) const;
  std::string StringAttr(std::string_view name, const std::string& fallback) const;
  bool HasAttr(std::string_view name) const { return Attr(name) != nullptr; }
  std::vector<int64_t> IntsAttr(std::string_view name) const;

  // The element count of `shape`; throws Unevaluable when it exceeds the limit
  // (or overflows) and fails when an extent is negative. Call before allocating.
  int64_t CheckSize(const Shape& shape) const;
  int64_t max_elements() const { return limits_.max_elements; }

  // An integer tensor's elements (int32/int64 and the other integer types).
  std::vector<int64_t> IntegerElements(const TensorValue& value, std::string_view what) const;
  // A one-element integer tensor's value.
  int64_t ScalarInteger(const TensorValue& value, std::string_view what) const;
  // Normalises `axis` into [0, rank); fails when it is outside [-rank, rank).
  int64_t Axis(int64_t axis, int64_t rank) const;
  // Normalised axes; fails on an out-of-range or repeated axis.
  std::vector<int64_t> Axes(const std::vector<int64_t>& axes, int64_t rank) const;

 private:
  const onnx::NodeProto& node_;
  int64_t opset_;
  const std::vector<const TensorValue*>& inputs_;
  const EvalLimits& limits_;
};

// "[7,5]"
std::string ShapeText(const Shape& shape);
// "int64", "float", ... (ONNX's names) for messages.
std::string TypeName(int32_t elem_type);

bool IsRealType(int32_t elem_type);
bool IsUnsigned64(int32_t elem_type);
bool IsSignedInteger(int32_t elem_type);
bool IsUnsignedInteger(int32_t elem_type);
// Reduces a 64-bit pattern to the integer type's width: sign-extended for
// signed types, zero-extended for unsigned ones (uint64 keeps its bits), 0/1
// for bool.
int64_t WrapInteger(uint64_t bits, int32_t elem_type);
// Rounds to the nearest value of the floating-point type (ties to even).
double RoundReal(double value, int32_t elem_type);
// An integer element (in its normalised form) as a double.
double IntegerToReal(int64_t value, int32_t elem_type);
// ONNX Cast from a double to an integer type: truncation toward zero, then
// wrapping to the width; NaN and values outside int64 (uint64 for uint64)
// become INT64_MIN before wrapping, as x86 conversions do. bool is value != 0.
int64_t RealToInteger(double value, int32_t elem_type);

// A value of `shape` and type with zeroed storage of the right kind.
TensorValue MakeValue(int32_t elem_type, Shape shape);
// result[i] = source[index[i]] for every i, with `shape` and source's type.
TensorValue TakeElements(const TensorValue& source, Shape shape, const std::vector<int64_t>& index);
// Element i of `value` as a double (integers converted).
double ElementAsReal(const TensorValue& value, int64_t i);

// mask[d] != 0 when d is one of the (normalised) `axes`.
std::vector<char> AxisMask(const std::vector<int64_t>& axes, size_t rank);
// Row-major strides of `shape`.
std::vector<int64_t> Strides(const Shape& shape);
// The numpy broadcast of `shapes`; fails when two extents differ and neither is 1.
Shape BroadcastShapes(const EvalContext& ctx, const std::vector<Shape>& shapes);
// For each element of `out` (row-major), the flat index of the element of a
// tensor of shape `in` that broadcasts to it.
std::vector<int64_t> BroadcastIndex(const Shape& in, const Shape& out);

// Operator families; each returns the node's outputs.
Values EvalElementwise(const EvalContext& ctx);
Values EvalCast(const EvalContext& ctx);
Values EvalWhere(const EvalContext& ctx);
Values EvalMovement(const EvalContext& ctx);
Values EvalIndexing(const EvalContext& ctx);
Values EvalReduce(const EvalContext& ctx);
Values EvalEinsum(const EvalContext& ctx);

}  // namespace dnnpart::eval
