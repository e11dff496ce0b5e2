#include "macs.h"

#include <algorithm>
#include <cctype>
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
template <typename Factors>
MacCount ProductOf(const Factors& factors) {
  int64_t value = 1;
  for (const Factor& factor : factors) {
    if (!factor || *factor < 0 || __builtin_mul_overflow(value, *factor, &value)) return {0, true, true};
  }
  return {value, true};
}

MacCount Product(std::initializer_list<Factor> factors) { return ProductOf(factors); }

// The sum of modelled counts; not modelled when one part is not, an overflow
// when one part overflowed or the sum does not fit in int64.
MacCount Sum(std::initializer_list<MacCount> parts) {
  MacCount total{0, true};
  for (const MacCount& part : parts) {
    if (!part.modelled) return {};
    if (part.overflow || __builtin_add_overflow(total.macs, part.macs, &total.macs)) return {0, true, true};
  }
  return total;
}

// A count as a factor of a larger product (nullopt when it overflowed).
Factor AsFactor(const MacCount& count) { return count.overflow ? Factor() : Factor(count.macs); }

const Shape* InputShape(const OpDescription& op, size_t index) {
  if (index >= op.input_shapes.size() || !op.input_shapes[index]) return nullptr;
  return &*op.input_shapes[index];
}

int64_t IntAttribute(const OpDescription& op, const std::string& name, int64_t fallback) {
  auto it = op.int_attributes.find(name);
  return it == op.int_attributes.end() || it->second.empty() ? fallback : it->second.front();
}

std::string_view StringAttribute(const OpDescription& op, const std::string& name, std::string_view fallback) {
  auto it = op.string_attributes.find(name);
  return it == op.string_attributes.end() ? fallback : std::string_view(it->second);
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

// Einsum: one MAC per point of the iteration space (the product of the extents
// of every distinct letter and of the broadcast "..." dimensions) when a
// letter is summed or two or more operands are multiplied; a one-operand
// equation without a summed letter only permutes or takes a diagonal (0).
class EinsumSpace {
 public:
  // False when the equation does not fit the input shapes.
  bool Parse(std::string_view equation, const OpDescription& op) {
    std::string text;
    for (char c : equation) {
      if (c != ' ') text.push_back(c);
    }
    const size_t arrow = text.find("->");
    const std::string inputs = text.substr(0, arrow);
    size_t operand = 0;
    for (size_t begin = 0; begin <= inputs.size(); ++operand) {
      const size_t end = std::min(inputs.find(',', begin), inputs.size());
      const Shape* shape = InputShape(op, operand);
      if (shape == nullptr || !AddOperand(inputs.substr(begin, end - begin), *shape)) return false;
      begin = end + 1;
    }
    if (operand != op.input_shapes.size()) return false;
    operands_ = operand;
    if (arrow == std::string::npos) {  // implicit output: the letters seen once, and "..."
      for (const auto& [letter, count] : seen_) {
        if (count == 1) output_.insert(letter);
      }
      output_ellipsis_ = true;
    } else {
      const std::string output = text.substr(arrow + 2);
      output_ellipsis_ = output.find("...") != std::string::npos;
      for (char c : output) {
        if (c != '.') output_.insert(c);
      }
    }
    return true;
  }

  MacCount Count() const {
    bool summed = !output_ellipsis_ && !ellipsis_.empty();
    std::vector<Factor> factors(ellipsis_.begin(), ellipsis_.end());
    for (const auto& [letter, extent] : extent_) {
      summed = summed || output_.count(letter) == 0;
      factors.push_back(extent);
    }
    if (!summed && operands_ < 2) return {0, true};
    return ProductOf(factors);
  }

 private:
  bool AddOperand(std::string_view term, const Shape& shape) {
    const size_t dots = term.find("...");
    const size_t letters = term.size() - (dots == std::string_view::npos ? 0 : 3);
    if (letters > shape.size() || (dots == std::string_view::npos && letters != shape.size())) return false;
    const size_t ellipsis_rank = shape.size() - letters;
    if (ellipsis_.size() < ellipsis_rank) ellipsis_.insert(ellipsis_.begin(), ellipsis_rank - ellipsis_.size(), 1);
    size_t dim = 0;
    for (size_t i = 0; i < term.size(); ++i) {
      if (i == dots) {  // "..." dims broadcast, aligned to the right
        for (size_t e = 0; e < ellipsis_rank; ++e, ++dim) {
          int64_t& extent = ellipsis_[ellipsis_.size() - ellipsis_rank + e];
          extent = std::max(extent, shape[dim]);
        }
        i += 2;
        continue;
      }
      const char letter = term[i];
      if (!std::isalpha(static_cast<unsigned char>(letter))) return false;
      ++seen_[letter];
      auto [entry, first] = extent_.try_emplace(letter, shape[dim]);
      if (!first) entry->second = std::max(entry->second, shape[dim]);  // an extent of 1 broadcasts
      ++dim;
    }
    return true;
  }

  std::map<char, int64_t> extent_;
  std::map<char, int> seen_;
  std::vector<int64_t> ellipsis_;
  std::set<char> output_;
  bool output_ellipsis_ = false;
  size_t operands_ = 0;
};

MacCount EinsumMacs(const OpDescription& op) {
  auto it = op.string_attributes.find("equation");
  if (it == op.string_attributes.end()) return {};
  EinsumSpace space;
  return space.Parse(it->second, op) ? space.Count() : MacCount{};
}

// Attention (opset 23), Q = [B, H, S_q, D] or [B, S_q, H*D] (K and V alike),
// past_key (input 4) = [B, H_kv, S_past, D]: Q·Kᵀ takes elements(Q) × S_kv
// MACs, the softmax 3 per score (B × H × S_q × S_kv scores), P·V takes
// elements(Y) × S_kv; S_kv = S_past + K's sequence length. Scale and mask
// additions are not counted.
MacCount AttentionMacs(const OpDescription& op) {
  const Shape* q = InputShape(op, 0);
  const Shape* k = InputShape(op, 1);
  if (q == nullptr || k == nullptr || (q->size() != 3 && q->size() != 4) || k->size() != q->size() ||
      op.output_shapes.empty()) {
    return {};  // also refuses com.microsoft's Attention, whose input 1 is a 2-D weight
  }
  const bool four_d = q->size() == 4;
  const int64_t heads = four_d ? (*q)[1] : IntAttribute(op, "q_num_heads", 0);
  if (heads <= 0) return {};
  int64_t kv_length = four_d ? (*k)[2] : (*k)[1];
  if (const Shape* past = InputShape(op, 4); past != nullptr && past->size() == 4) {
    if (__builtin_add_overflow(kv_length, (*past)[2], &kv_length)) return {0, true, true};
  }
  const int64_t query_length = four_d ? (*q)[2] : (*q)[1];
  return Sum({Product({CheckedElementCount(*q), kv_length}), Product({3, (*q)[0], heads, query_length, kv_length}),
              Product({OutputElements(op), kv_length})});
}

// LSTM, GRU, RNN: per time step, direction and batch element, the gate GEMMs
// (gates × H × (I + H) MACs) plus `pointwise_per_unit` × H for the gate
// activations and state updates. X = [S, B, I] (layout 1: [B, S, I]),
// W = [directions, gates × H, I], R = [directions, gates × H, H].
MacCount RecurrentMacs(const OpDescription& op, int64_t gates, int64_t pointwise_per_unit) {
  const Shape* x = InputShape(op, 0);
  const Shape* w = InputShape(op, 1);
  const Shape* r = InputShape(op, 2);
  if (x == nullptr || w == nullptr || r == nullptr || x->size() != 3 || w->size() != 3 || r->size() != 3) return {};
  const bool batch_first = IntAttribute(op, "layout", 0) == 1;
  const int64_t steps = batch_first ? (*x)[1] : (*x)[0];
  const int64_t batch = batch_first ? (*x)[0] : (*x)[1];
  const int64_t hidden = IntAttribute(op, "hidden_size", (*r)[2]);
  if (hidden < 0) return {};  // a malformed attribute: no model rather than a bogus overflow
  const MacCount step = Sum({Product({gates, hidden, (*w)[2]}), Product({gates, hidden, hidden}),
                             Product({pointwise_per_unit, hidden})});
  return Product({steps, batch, (*w)[0], AsFactor(step)});
}

// Taps per resized axis of an interpolation mode: 0 for nearest (a copy), 2
// for linear, 4 for cubic; nullopt for a mode without a model.
std::optional<int64_t> TapsPerAxis(std::string_view mode) {
  if (mode == "nearest") return 0;
  if (mode == "linear" || mode == "bilinear") return 2;
  if (mode == "cubic" || mode == "bicubic") return 4;
  return std::nullopt;
}

// Interpolation: out × taps^axes multiply-adds (each output element is a
// weighted sum of taps^axes inputs); nearest or no axis interpolated: 0.
MacCount InterpolationMacs(const OpDescription& op, std::optional<int64_t> taps, size_t axes) {
  if (!taps) return {};
  if (*taps == 0 || axes == 0) return {0, true};
  std::vector<Factor> factors(axes, *taps);
  factors.push_back(OutputElements(op));
  return ProductOf(factors);
}

// Resize, Upsample: the interpolated axes are those whose size changes.
MacCount ResizeMacs(const OpDescription& op) {
  const Shape* input = InputShape(op, 0);
  if (input == nullptr || op.output_shapes.empty() || op.output_shapes.front().size() != input->size()) return {};
  size_t axes = 0;
  for (size_t d = 0; d < input->size(); ++d) axes += (*input)[d] != op.output_shapes.front()[d] ? 1 : 0;
  return InterpolationMacs(op, TapsPerAxis(StringAttribute(op, "mode", "nearest")), axes);
}

// GridSample: every spatial axis of X = [N, C, spatial...] is interpolated.
MacCount GridSampleMacs(const OpDescription& op) {
  const Shape* input = InputShape(op, 0);
  if (input == nullptr || input->size() < 3) return {};
  return InterpolationMacs(op, TapsPerAxis(StringAttribute(op, "mode", "linear")), input->size() - 2);
}

// TopK: input elements × max(1, ⌈log2 k⌉) comparisons (a k-element heap per
// slice); k is the output's extent along `axis`.
MacCount TopKMacs(const OpDescription& op) {
  const Shape* input = InputShape(op, 0);
  if (input == nullptr || op.output_shapes.empty() || op.output_shapes.front().empty()) return {};
  const Shape& out = op.output_shapes.front();
  const auto rank = static_cast<int64_t>(out.size());
  int64_t axis = IntAttribute(op, "axis", -1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return {};
  const int64_t k = out[static_cast<size_t>(axis)];
  int64_t depth = 1;
  while (depth < 62 && (int64_t{1} << depth) < k) ++depth;
  return Product({CheckedElementCount(*input), k == 0 ? 0 : depth});
}

// NonMaxSuppression: boxes = [B, N, 4], scores = [B, C, N]; one IoU test per
// ordered box pair and class (the worst case of greedy suppression).
MacCount NonMaxSuppressionMacs(const OpDescription& op) {
  const Shape* boxes = InputShape(op, 0);
  const Shape* scores = InputShape(op, 1);
  if (boxes == nullptr || scores == nullptr || boxes->size() != 3 || scores->size() != 3) return {};
  return Product({(*boxes)[0], (*scores)[1], (*boxes)[1], (*boxes)[1]});
}

// ScatterND, ScatterElements: a plain write (0) unless `reduction` combines
// each update with the data (one operation per update element).
MacCount ScatterMacs(const OpDescription& op) {
  if (StringAttribute(op, "reduction", "none") == "none") return {0, true};
  const Shape* updates = InputShape(op, 2);
  if (updates == nullptr) return {};
  return Product({CheckedElementCount(*updates)});
}

// Ops whose cost is one operation per output element.
const std::set<std::string_view>& ElementwiseOps() {
  static const std::set<std::string_view> ops{
      "Abs", "Add", "And", "BitShift", "BitwiseAnd", "BitwiseNot", "BitwiseOr", "BitwiseXor", "Ceil", "Celu", "Clip", "Cos", "CumSum", "DequantizeLinear", "Div", "Elu", "Equal", "Erf", "Exp",
      "Floor", "Gelu", "Greater", "GreaterOrEqual", "HardSigmoid", "HardSwish", "IsInf", "IsNaN", "LeakyRelu", "Less",
      "LessOrEqual", "Log", "Max", "Mean", "Min", "Mish", "Mod", "Mul", "Neg", "Not", "Or", "Pow",
      "PRelu", "QuantizeLinear", "Range", "Reciprocal", "Relu", "Round", "Selu", "Shrink", "Sigmoid", "Sign", "Sin", "Softplus",
      "Softsign", "Sqrt", "Sub", "Sum", "Tan", "Tanh", "ThresholdedRelu", "Where", "Xor"};
  return ops;
}

// Ops that only move or re-label data: 0 MACs is their true count.
const std::set<std::string_view>& DataMovementOps() {
  static const std::set<std::string_view> ops{
      "Cast", "Compress", "Concat", "ConstantOfShape", "DepthToSpace", "Dropout", "Expand", "EyeLike",
      "Flatten", "Gather", "GatherElements", "GatherND", "Identity", "OneHot", "Pad", "Reshape",
      "ReverseSequence", "Scatter", "Shape", "Size", "Slice", "SpaceToDepth", "Split", "Squeeze", "Tile",
      "Transpose", "Trilu", "Unsqueeze"};
  return ops;
}

const std::set<std::string_view>& ReduceOps() {
  static const std::set<std::string_view> ops{
      "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean",
      "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare", "ArgMax", "ArgMin", "Hardmax", "NonZero"};
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
      type == "MeanVarianceNormalization" || type == "Softmax" || type == "LogSoftmax") {
    return Product({3, OutputElements(op)});
  }
  if (type == "RMSNormalization" || type == "LpNormalization") return Product({2, OutputElements(op)});
  if (type == "Einsum") return EinsumMacs(op);
  if (type == "Attention") return AttentionMacs(op);
  if (type == "LSTM") return RecurrentMacs(op, 4, 8);
  if (type == "GRU") return RecurrentMacs(op, 3, 6);
  if (type == "RNN") return RecurrentMacs(op, 1, 1);
  if (type == "Resize" || type == "Upsample") return ResizeMacs(op);
  if (type == "GridSample") return GridSampleMacs(op);
  if (type == "TopK") return TopKMacs(op);
  if (type == "NonMaxSuppression") return NonMaxSuppressionMacs(op);
  if (type == "ScatterND" || type == "ScatterElements") return ScatterMacs(op);
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
