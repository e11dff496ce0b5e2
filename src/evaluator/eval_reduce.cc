// Reductions: CumSum, ReduceSum/Prod/Min/Max/Mean, ArgMax and ArgMin.
// Integer sums and products wrap in the element type's width; real ones are
// accumulated in double and rounded to the element type once per output.
#include <algorithm>
#include <cmath>
#include <limits>

#include "evaluator/eval_internal.h"

namespace dnnpart::eval {

using onnx::TensorProto;

namespace {

// True when element i of x orders before element j (uint64 unsigned, NaN never).
bool Before(const TensorValue& x, size_t i, size_t j) {
  if (x.is_real()) return x.reals[i] < x.reals[j];
  if (IsUnsigned64(x.elem_type)) return static_cast<uint64_t>(x.ints[i]) < static_cast<uint64_t>(x.ints[j]);
  return x.ints[i] < x.ints[j];
}

// x's shape with the reduced axes set to 1.
Shape KeptShape(const Shape& shape, const std::vector<int64_t>& axes) {
  Shape kept = shape;
  for (int64_t axis : axes) kept[static_cast<size_t>(axis)] = 1;
  return kept;
}

Shape OutputShape(const Shape& shape, const std::vector<int64_t>& axes, bool keepdims) {
  if (keepdims) return KeptShape(shape, axes);
  const std::vector<char> mask = AxisMask(axes, shape.size());
  Shape out;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (mask[d] == 0) out.push_back(shape[d]);
  }
  return out;
}

struct Accumulator {
  std::vector<double> reals;
  std::vector<uint64_t> bits;  // integer sums and products, wrapping
  std::vector<int64_t> best;   // Min/Max: index of the chosen element, -1 before the first
  std::vector<int64_t> count;
};

void Accumulate(std::string_view op, const TensorValue& x, size_t from, size_t to, Accumulator& acc) {
  ++acc.count[to];
  if (op == "ReduceMin" || op == "ReduceMax") {
    const int64_t best = acc.best[to];
    if (best < 0) {
      acc.best[to] = static_cast<int64_t>(from);
      return;
    }
    const auto current = static_cast<size_t>(best);
    const bool is_nan = x.is_real() && std::isnan(x.reals[from]);
    const bool holds_nan = x.is_real() && std::isnan(x.reals[current]);  // NaN propagates
    const bool better = op == "ReduceMin" ? Before(x, from, current) : Before(x, current, from);
    if (!holds_nan && (is_nan || better)) acc.best[to] = static_cast<int64_t>(from);
    return;
  }
  const bool product = op == "ReduceProd";
  if (x.is_real()) {
    acc.reals[to] = product ? acc.reals[to] * x.reals[from] : acc.reals[to] + x.reals[from];
  } else {
    const auto value = static_cast<uint64_t>(x.ints[from]);
    acc.bits[to] = product ? acc.bits[to] * value : acc.bits[to] + value;
  }
}

// The reduced value for output element i.
void Finish(const EvalContext& ctx, const TensorValue& x, const Accumulator& acc, size_t i, TensorValue& out) {
  const std::string_view op = ctx.op();
  if (op == "ReduceMin" || op == "ReduceMax") {
    const int64_t best = acc.best[i];
    if (best >= 0) {
      if (x.is_real()) {
        out.reals[i] = x.reals[static_cast<size_t>(best)];
      } else {
        out.ints[i] = x.ints[static_cast<size_t>(best)];
      }
      return;
    }
    if (!x.is_real()) throw Unevaluable{};  // an empty integer Min/Max
    out.reals[i] = (op == "ReduceMin" ? 1.0 : -1.0) * std::numeric_limits<double>::infinity();
    return;
  }
  const bool mean = op == "ReduceMean";
  if (x.is_real()) {
    out.reals[i] = RoundReal(mean ? acc.reals[i] / static_cast<double>(acc.count[i]) : acc.reals[i], x.elem_type);
    return;
  }
  const int64_t total = WrapInteger(acc.bits[i], x.elem_type);
  if (!mean) {
    out.ints[i] = total;
  } else if (acc.count[i] == 0) {
    throw Unevaluable{};
  } else if (IsUnsigned64(x.elem_type)) {
    out.ints[i] = static_cast<int64_t>(acc.bits[i] / static_cast<uint64_t>(acc.count[i]));
  } else {
    out.ints[i] = total / acc.count[i];
  }
}

TensorValue Reduce(const EvalContext& ctx) {
  const TensorValue& x = ctx.Input(0);
  const int64_t input_from = ctx.op() == "ReduceSum" ? 13 : 18;
  std::vector<int64_t> listed = ctx.opset() < input_from ? ctx.IntsAttr("axes") : std::vector<int64_t>{};
  if (ctx.opset() >= input_from && ctx.OptionalInput(1) != nullptr)
    listed = ctx.IntegerElements(*ctx.OptionalInput(1), "axes");
  if (listed.empty() && ctx.IntAttr("noop_with_empty_axes", 0) != 0) return x;
  const auto rank = static_cast<int64_t>(x.shape.size());
  std::vector<int64_t> axes = ctx.Axes(listed, rank);
  if (axes.empty()) {
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  }
  const Shape kept = KeptShape(x.shape, axes);
  const auto outputs = static_cast<size_t>(ElementCount(kept));
  const bool product = ctx.op() == "ReduceProd";
  Accumulator acc{std::vector<double>(outputs, product ? 1.0 : 0.0), std::vector<uint64_t>(outputs, product ? 1 : 0),
                  std::vector<int64_t>(outputs, -1), std::vector<int64_t>(outputs, 0)};
  const std::vector<int64_t> target = BroadcastIndex(kept, x.shape);
  for (size_t n = 0; n < target.size(); ++n) Accumulate(ctx.op(), x, n, static_cast<size_t>(target[n]), acc);
  TensorValue out = MakeValue(x.elem_type, OutputShape(x.shape, axes, ctx.IntAttr("keepdims", 1) != 0));
  for (size_t i = 0; i < outputs; ++i) Finish(ctx, x, acc, i, out);
  return out;
}

TensorValue ArgExtreme(const EvalContext& ctx) {
  ctx.CheckInputCount(1, 1);
  const TensorValue& x = ctx.Input(0);
  const auto axis = ctx.Axis(ctx.IntAttr("axis", 0), static_cast<int64_t>(x.shape.size()));
  const int64_t extent = x.shape[static_cast<size_t>(axis)];
  if (extent == 0) ctx.Fail("cannot reduce an empty axis");
  const bool is_max = ctx.op() == "ArgMax", last = ctx.IntAttr("select_last_index", 0) != 0;
  const int64_t inner = ElementCount(Shape(x.shape.begin() + axis + 1, x.shape.end()));
  TensorValue out = MakeValue(TensorProto::INT64, OutputShape(x.shape, {axis}, ctx.IntAttr("keepdims", 1) != 0));
  for (size_t i = 0; i < out.ints.size(); ++i) {
    const int64_t base = (static_cast<int64_t>(i) / inner) * extent * inner + static_cast<int64_t>(i) % inner;
    int64_t best = 0;
    for (int64_t k = 1; k < extent; ++k) {
      const auto candidate = static_cast<size_t>(base + k * inner), current = static_cast<size_t>(base + best * inner);
      const bool better = is_max ? Before(x, current, candidate) : Before(x, candidate, current);
      const bool tie = !Before(x, current, candidate) && !Before(x, candidate, current);
      if (better || (last && tie)) best = k;
    }
    out.ints[i] = best;
  }
  return out;
}

TensorValue CumSum(const EvalContext& ctx) {
  ctx.CheckInputCount(2, 2);
  const TensorValue& x = ctx.Input(0);
  const int64_t axis = ctx.Axis(ctx.ScalarInteger(ctx.Input(1), "axis"), static_cast<int64_t>(x.shape.size()));
  const bool exclusive = ctx.IntAttr("exclusive", 0) != 0, reverse = ctx.IntAttr("reverse", 0) != 0;
  const int64_t extent = x.shape[static_cast<size_t>(axis)];
  const int64_t inner = ElementCount(Shape(x.shape.begin() + axis + 1, x.shape.end()));
  const int64_t lines = extent == 0 ? 0 : x.element_count() / extent;
  TensorValue out = x;
  for (int64_t line = 0; line < lines; ++line) {
    const int64_t base = (line / inner) * extent * inner + line % inner;
    double real_sum = 0.0;
    uint64_t int_sum = 0;
    for (int64_t step = 0; step < extent; ++step) {
      const auto at = static_cast<size_t>(base + (reverse ? extent - 1 - step : step) * inner);
      if (x.is_real()) {
        const double before = real_sum;
        real_sum = RoundReal(real_sum + x.reals[at], x.elem_type);
        out.reals[at] = exclusive ? before : real_sum;
      } else {
        const uint64_t before = int_sum;
        int_sum += static_cast<uint64_t>(x.ints[at]);
        out.ints[at] = WrapInteger(exclusive ? before : int_sum, x.elem_type);
      }
    }
  }
  return out;
}

}  // namespace

Values EvalReduce(const EvalContext& ctx) {
  const std::string_view op = ctx.op();
  if (op == "CumSum") return {CumSum(ctx)};
  if (op == "ArgMax" || op == "ArgMin") return {ArgExtreme(ctx)};
  return {Reduce(ctx)};
}

}  // namespace dnnpart::eval
