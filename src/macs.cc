#include "macs.h"

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <set>
#include <string_view>

namespace dnnpart {
namespace {

using Factor = std::optional<int64_t>;  // nullopt: a count that already overflowed

Factor OutputElements(const OpDescription& op) {
  return op.output_shapes.empty() ? Factor(0) : CheckedElementCount(op.output_shapes.front());
}

// The product of the factors as a modelled count, or an overflow when a
// factor is negative or overflowed or the product does not fit in int64.
MacCount Product(std::initializer_list<Factor> factors) {
  int64_t value = 1;
  for (const Factor& factor : factors) {
    if (!factor || *factor < 0 || __builtin_mul_overflow(value, *factor, &value)) return {0, true, true};
  }
  return {value, true};
}

const Shape* InputShape(const OpDescription& op, size_t index) {
  if (index >= op.input_shapes.size() || !op.input_shapes[index]) return nullptr;
  return &*op.input_shapes[index];
}

int64_t IntAttribute(const OpDescription& op, const std::string& name, int64_t fallback) {
  auto it = op.int_attributes.find(name);
  return it == op.int_attributes.end() || it->second.empty() ? fallback : it->second.front();
}

Factor KernelVolume(const Shape& weight) {
  return CheckedElementCount(Shape(weight.begin() + std::min<std::ptrdiff_t>(2, static_cast<std::ptrdiff_t>(weight.size())), weight.end()));
}

// Conv: each output element needs (Cin / group) * kernel MACs; W = [Cout, Cin/group, k...].
MacCount ConvMacs(const OpDescription& op) {
  const Shape* weight = InputShape(op, 1);
  if (weight == nullptr || weight->size() < 2 || op.output_shapes.empty()) return {};
  return Product({OutputElements(op), (*weight)[1], KernelVolume(*weight)});
}

// ConvTranspose: each input element is scattered into (Cout / group) * kernel
// outputs; W = [Cin, Cout/group, k...].
MacCount ConvTransposeMacs(const OpDescription& op) {
  const Shape* input = InputShape(op, 0);
  const Shape* weight = InputShape(op, 1);
  if (input == nullptr || weight == nullptr || weight->size() < 2) return {};
  return Product({CheckedElementCount(*input), (*weight)[1], KernelVolume(*weight)});
}

// Gemm: Y[M,N] = A[M,K] * B[K,N]; bias additions are not counted.
MacCount GemmMacs(const OpDescription& op) {
  const Shape* a = InputShape(op, 0);
  if (a == nullptr || a->size() != 2 || op.output_shapes.empty()) return {};
  const int64_t k = IntAttribute(op, "transA", 0) != 0 ? (*a)[0] : (*a)[1];
  return Product({OutputElements(op), k});
}

// MatMul (numpy semantics, batched): every output element is a K-long dot product.
MacCount MatMulMacs(const OpDescription& op) {
  const Shape* a = InputShape(op, 0);
  if (a == nullptr || a->empty() || op.output_shapes.empty()) return {};
  return Product({OutputElements(op), a->back()});
}

MacCount PoolMacs(const OpDescription& op) {
  auto it = op.int_attributes.find("kernel_shape");
  if (it == op.int_attributes.end()) return {};
  return Product({OutputElements(op), CheckedElementCount(it->second)});
}

MacCount InputElementsMacs(const OpDescription& op) {
  const Shape* input = InputShape(op, 0);
  if (input == nullptr) return {};
  return Product({CheckedElementCount(*input)});
}

// Ops whose cost is one operation per output element.
const std::set<std::string_view>& ElementwiseOps() {
  static const std::set<std::string_view> ops{
      "Abs", "Add", "And", "Ceil", "Celu", "Clip", "Cos", "Div", "Elu", "Equal", "Erf", "Exp",
      "Floor", "Gelu", "Greater", "GreaterOrEqual", "HardSigmoid", "HardSwish", "LeakyRelu", "Less",
      "LessOrEqual", "Log", "Max", "Mean", "Min", "Mish", "Mod", "Mul", "Neg", "Not", "Or", "Pow",
      "PRelu", "Reciprocal", "Relu", "Round", "Selu", "Sigmoid", "Sign", "Sin", "Softplus",
      "Softsign", "Sqrt", "Sub", "Sum", "Tan", "Tanh", "ThresholdedRelu", "Where", "Xor"};
  return ops;
}

// Ops that only move or re-label data: 0 MACs is their true count.
const std::set<std::string_view>& DataMovementOps() {
  static const std::set<std::string_view> ops{
      "Cast", "Concat", "DepthToSpace", "Dropout", "Expand", "Flatten", "Gather", "GatherElements",
      "GatherND", "Identity", "Pad", "Reshape", "Slice", "SpaceToDepth", "Split", "Squeeze", "Tile",
      "Transpose", "Unsqueeze"};
  return ops;
}

const std::set<std::string_view>& ReduceOps() {
  static const std::set<std::string_view> ops{
      "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean",
      "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare", "ArgMax", "ArgMin"};
  return ops;
}

}  // namespace

MacCount CountMacs(const OpDescription& op) {
  const std::string& type = op.op_type;
  if (type == "Conv" || type == "ConvInteger" || type == "QLinearConv") {
    if (type == "QLinearConv") {
      OpDescription shifted = op;  // QLinearConv's weight is input 3
      if (op.input_shapes.size() > 3) shifted.input_shapes[1] = op.input_shapes[3];
      return ConvMacs(shifted);
    }
    return ConvMacs(op);
  }
  if (type == "ConvTranspose") return ConvTransposeMacs(op);
  if (type == "Gemm") return GemmMacs(op);
  if (type == "MatMul" || type == "MatMulInteger" || type == "QLinearMatMul") return MatMulMacs(op);
  if (type == "MaxPool" || type == "AveragePool" || type == "LpPool") return PoolMacs(op);
  if (type == "GlobalAveragePool" || type == "GlobalMaxPool" || type == "GlobalLpPool") return InputElementsMacs(op);
  if (ReduceOps().count(type) != 0) return InputElementsMacs(op);
  if (type == "BatchNormalization") return Product({OutputElements(op)});
  if (type == "InstanceNormalization" || type == "LayerNormalization" || type == "GroupNormalization" ||
      type == "Softmax" || type == "LogSoftmax") {
    return Product({3, OutputElements(op)});
  }
  if (ElementwiseOps().count(type) != 0) return Product({OutputElements(op)});
  if (DataMovementOps().count(type) != 0) return {0, true};
  return {};
}

bool IsDepthwiseConv(const OpDescription& op) {
  if (op.op_type != "Conv") return false;
  const Shape* weight = InputShape(op, 1);
  return weight != nullptr && weight->size() >= 2 && (*weight)[1] == 1 && IntAttribute(op, "group", 1) > 1;
}

}  // namespace dnnpart
