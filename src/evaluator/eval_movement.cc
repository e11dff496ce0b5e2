// Data-movement operators that only rearrange or create elements:
// ConstantOfShape, Range, Expand, Tile, Concat, Split, Slice, Squeeze,
// Unsqueeze, Reshape, Flatten, Transpose, Identity, Shape, Size.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "evaluator/eval_internal.h"

namespace dnnpart::eval {

using onnx::TensorProto;

namespace {

__extension__ typedef __int128 Int128;

// Source indices for an output of `out` shape when the source index is a sum
// of one term per output dimension: term(d, position along d).
std::vector<int64_t> SeparableIndex(const Shape& out, const std::function<int64_t(size_t, int64_t)>& term) {
  const int64_t count = ElementCount(out);
  if (count == 0) return {};
  std::vector<std::vector<int64_t>> tables(out.size());
  int64_t source = 0;
  for (size_t d = 0; d < out.size(); ++d) {
    for (int64_t p = 0; p < out[d]; ++p) tables[d].push_back(term(d, p));
    source += tables[d][0];
  }
  std::vector<int64_t> index(static_cast<size_t>(count));
  std::vector<size_t> position(out.size(), 0);
  for (int64_t n = 0; n < count; ++n) {
    index[static_cast<size_t>(n)] = source;
    for (size_t d = out.size(); d-- > 0;) {
      source -= tables[d][position[d]];
      if (++position[d] < tables[d].size()) {
        source += tables[d][position[d]];
        break;
      }
      position[d] = 0;
      source += tables[d][0];
    }
  }
  return index;
}

TensorValue WithShape(TensorValue value, Shape shape) {
  value.shape = std::move(shape);
  return value;
}

Shape ShapeInput(const EvalContext& ctx, const TensorValue& value, std::string_view what) {
  if (value.shape.size() != 1)
    ctx.Fail(std::string(what) + " must be a 1-D tensor, got shape " + ShapeText(value.shape));
  return ctx.IntegerElements(value, what);
}

// Axes from the attribute before `input_from_opset`, from input `index` since.
std::vector<int64_t> AxesFromAttrOrInput(const EvalContext& ctx, int64_t input_from_opset, size_t index) {
  if (ctx.opset() < input_from_opset) return ctx.IntsAttr("axes");
  const TensorValue* axes = ctx.OptionalInput(index);
  return axes != nullptr ? ctx.IntegerElements(*axes, "axes") : std::vector<int64_t>{};
}

TensorValue ConstantOfShape(const EvalContext& ctx) {
  const Shape shape = ShapeInput(ctx, ctx.Input(0), "shape");
  TensorValue fill = MakeValue(TensorProto::FLOAT, {1});
  if (const onnx::AttributeProto* value = ctx.Attr("value")) {
    std::optional<TensorValue> parsed = FromTensorProto(value->t(), 1);
    if (!parsed) throw Unevaluable{};
    if (parsed->element_count() != 1) ctx.Fail("attribute 'value' must hold one element");
    fill = *parsed;
  }
  ctx.CheckSize(shape);
  TensorValue out = MakeValue(fill.elem_type, shape);
  std::fill(out.reals.begin(), out.reals.end(), fill.reals.empty() ? 0.0 : fill.reals[0]);
  std::fill(out.ints.begin(), out.ints.end(), fill.ints.empty() ? 0 : fill.ints[0]);
  return out;
}

TensorValue RealRange(const EvalContext& ctx, double start, double limit, double delta, int32_t type) {
  const double steps = std::ceil((limit - start) / delta);
  if (!std::isfinite(steps)) ctx.Fail("start, limit and delta must be finite");
  const int64_t count =
      steps <= 0 ? 0 : (steps > static_cast<double>(ctx.max_elements()) ? -1 : static_cast<int64_t>(steps));
  if (count < 0) throw Unevaluable{};
  TensorValue out = MakeValue(type, {count});
  for (int64_t i = 0; i < count; ++i)
    out.reals[static_cast<size_t>(i)] = RoundReal(start + static_cast<double>(i) * delta, type);
  return out;
}

TensorValue IntegerRange(const EvalContext& ctx, int64_t start, int64_t limit, int64_t delta, int32_t type) {
  const Int128 span = Int128{limit} - start;
  Int128 count = 0;
  if ((span > 0 && delta > 0) || (span < 0 && delta < 0)) {
    const Int128 magnitude = span < 0 ? -span : span, step = delta < 0 ? -Int128{delta} : Int128{delta};
    count = (magnitude + step - 1) / step;
  }
  if (count > ctx.max_elements()) throw Unevaluable{};
  TensorValue out = MakeValue(type, {static_cast<int64_t>(count)});
  for (size_t i = 0; i < out.ints.size(); ++i) {
    out.ints[i] =
        WrapInteger(static_cast<uint64_t>(start) + static_cast<uint64_t>(i) * static_cast<uint64_t>(delta), type);
  }
  return out;
}

TensorValue Range(const EvalContext& ctx) {
  ctx.CheckInputCount(3, 3);
  const TensorValue &start = ctx.Input(0), &limit = ctx.Input(1), &delta = ctx.Input(2);
  for (const TensorValue* v : {&start, &limit, &delta}) {
    if (v->elem_type != start.elem_type) ctx.Fail("start, limit and delta must have the same type");
    if (v->element_count() != 1) ctx.Fail("start, limit and delta must be scalars");
  }
  if (start.is_real()) {
    if (delta.reals[0] == 0) ctx.Fail("delta must not be 0");
    return RealRange(ctx, start.reals[0], limit.reals[0], delta.reals[0], start.elem_type);
  }
  if (delta.ints[0] == 0) ctx.Fail("delta must not be 0");
  if (start.elem_type == TensorProto::BOOL || IsUnsigned64(start.elem_type)) throw Unevaluable{};
  return IntegerRange(ctx, start.ints[0], limit.ints[0], delta.ints[0], start.elem_type);
}

TensorValue Expand(const EvalContext& ctx) {
  ctx.CheckInputCount(2, 2);
  const TensorValue& x = ctx.Input(0);
  const Shape shape = BroadcastShapes(ctx, {x.shape, ShapeInput(ctx, ctx.Input(1), "shape")});
  ctx.CheckSize(shape);
  return TakeElements(x, shape, BroadcastIndex(x.shape, shape));
}

TensorValue Tile(const EvalContext& ctx) {
  ctx.CheckInputCount(2, 2);
  const TensorValue& x = ctx.Input(0);
  const std::vector<int64_t> repeats = ShapeInput(ctx, ctx.Input(1), "repeats");
  if (repeats.size() != x.shape.size()) {
    ctx.Fail("repeats has " + std::to_string(repeats.size()) + " values for rank " + std::to_string(x.shape.size()));
  }
  Shape shape(x.shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    if (repeats[d] < 0) ctx.Fail("repeats must not be negative");
    if (__builtin_mul_overflow(x.shape[d], repeats[d], &shape[d])) throw Unevaluable{};
  }
  ctx.CheckSize(shape);
  const std::vector<int64_t> strides = Strides(x.shape);
  return TakeElements(x, shape,
                      SeparableIndex(shape, [&](size_t d, int64_t p) { return (p % x.shape[d]) * strides[d]; }));
}

TensorValue Concat(const EvalContext& ctx) {
  if (ctx.input_count() == 0) ctx.Fail("expects at least one input");
  if (!ctx.HasAttr("axis") && ctx.opset() >= 4) ctx.Fail("attribute 'axis' is required");  // Concat-1 defaults to 1
  const TensorValue& first = ctx.Input(0);
  const int64_t rank = static_cast<int64_t>(first.shape.size());
  const auto axis = static_cast<size_t>(ctx.Axis(ctx.IntAttr("axis", 1), rank));
  Shape shape = first.shape;
  shape[axis] = 0;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    const TensorValue& x = ctx.Input(i);
    if (x.elem_type != first.elem_type) ctx.Fail("inputs have different types");
    bool same = x.shape.size() == first.shape.size();
    for (size_t d = 0; same && d < x.shape.size(); ++d) same = d == axis || x.shape[d] == first.shape[d];
    if (!same) ctx.Fail("shapes " + ShapeText(first.shape) + " and " + ShapeText(x.shape) + " differ off the axis");
    if (__builtin_add_overflow(shape[axis], x.shape[axis], &shape[axis])) throw Unevaluable{};
  }
  ctx.CheckSize(shape);
  const int64_t outer = ElementCount(Shape(shape.begin(), shape.begin() + static_cast<int64_t>(axis)));
  TensorValue out = MakeValue(first.elem_type, {});
  out.shape = shape;
  out.reals.clear();
  out.ints.clear();
  auto append = [](auto& to, const auto& from, int64_t begin, int64_t length) {
    to.insert(to.end(), from.begin() + begin, from.begin() + begin + length);
  };
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < ctx.input_count(); ++i) {
      const TensorValue& x = ctx.Input(i);
      const int64_t chunk = x.element_count() / outer;  // one outer row of x
      if (x.is_real()) {
        append(out.reals, x.reals, o * chunk, chunk);
      } else {
        append(out.ints, x.ints, o * chunk, chunk);
      }
    }
  }
  return out;
}

// Elements [start, start + length) of `x` along `axis`.
TensorValue SliceAxis(const TensorValue& x, size_t axis, int64_t start, int64_t length) {
  Shape shape = x.shape;
  shape[axis] = length;
  const std::vector<int64_t> strides = Strides(x.shape);
  return TakeElements(
      x, shape, SeparableIndex(shape, [&](size_t d, int64_t p) { return (d == axis ? start + p : p) * strides[d]; }));
}

std::vector<int64_t> SplitSizes(const EvalContext& ctx, int64_t extent) {
  std::vector<int64_t> sizes = ctx.opset() < 13 ? ctx.IntsAttr("split") : std::vector<int64_t>{};
  const bool split_input = ctx.opset() >= 13 || ctx.opset() < 2;  // Split-1 also took the sizes as an input
  if (split_input && ctx.OptionalInput(1) != nullptr) sizes = ctx.IntegerElements(*ctx.OptionalInput(1), "split");
  const auto outputs = static_cast<int64_t>(ctx.output_count());
  if (outputs == 0) ctx.Fail("has no outputs");
  if (ctx.opset() >= 18 && ctx.HasAttr("num_outputs") && ctx.IntAttr("num_outputs", 0) != outputs) {
    ctx.Fail("num_outputs is " + std::to_string(ctx.IntAttr("num_outputs", 0)) + " for " + std::to_string(outputs) +
             " outputs");
  }
  if (sizes.empty()) {
    const int64_t chunk = (extent + outputs - 1) / outputs;
    if (extent % outputs != 0 && ctx.opset() < 18) {
      ctx.Fail("cannot split " + std::to_string(extent) + " into " + std::to_string(outputs) + " equal parts");
    }
    for (int64_t i = 0; i < outputs; ++i) sizes.push_back(std::clamp<int64_t>(extent - i * chunk, 0, chunk));
  }
  Int128 total = 0;
  for (int64_t size : sizes) {
    if (size < 0) ctx.Fail("split sizes must not be negative");
    total += size;
  }
  if (static_cast<int64_t>(sizes.size()) != outputs || total != extent) {
    ctx.Fail("split sizes do not match " + std::to_string(outputs) + " outputs over extent " + std::to_string(extent));
  }
  return sizes;
}

Values Split(const EvalContext& ctx) {
  const TensorValue& x = ctx.Input(0);
  const auto axis = static_cast<size_t>(ctx.Axis(ctx.IntAttr("axis", 0), static_cast<int64_t>(x.shape.size())));
  Values outputs;
  int64_t start = 0;
  for (int64_t size : SplitSizes(ctx, x.shape[axis])) {
    outputs.push_back(SliceAxis(x, axis, start, size));
    start += size;
  }
  return outputs;
}

struct SliceArgs {
  std::vector<int64_t> starts, ends, axes, steps;
};

SliceArgs ReadSliceArgs(const EvalContext& ctx, int64_t rank) {
  SliceArgs args;
  if (ctx.opset() < 10) {
    args.starts = ctx.IntsAttr("starts");
    args.ends = ctx.IntsAttr("ends");
    args.axes = ctx.IntsAttr("axes");
  } else {
    ctx.CheckInputCount(3, 5);
    args.starts = ctx.IntegerElements(ctx.Input(1), "starts");
    args.ends = ctx.IntegerElements(ctx.Input(2), "ends");
    if (const TensorValue* axes = ctx.OptionalInput(3)) args.axes = ctx.IntegerElements(*axes, "axes");
    if (const TensorValue* steps = ctx.OptionalInput(4)) args.steps = ctx.IntegerElements(*steps, "steps");
  }
  const size_t n = args.starts.size();
  if (args.axes.empty()) {
    for (size_t i = 0; i < n; ++i) args.axes.push_back(static_cast<int64_t>(i));
  }
  if (args.steps.empty()) args.steps.assign(n, 1);
  if (args.ends.size() != n || args.axes.size() != n || args.steps.size() != n) {
    ctx.Fail("starts, ends, axes and steps must have the same length");
  }
  args.axes = ctx.Axes(args.axes, rank);
  return args;
}

TensorValue Slice(const EvalContext& ctx) {
  const TensorValue& x = ctx.Input(0);
  const SliceArgs args = ReadSliceArgs(ctx, static_cast<int64_t>(x.shape.size()));
  Shape shape = x.shape;
  std::vector<int64_t> first(x.shape.size(), 0), step(x.shape.size(), 1);
  for (size_t i = 0; i < args.axes.size(); ++i) {
    const auto d = static_cast<size_t>(args.axes[i]);
    const int64_t extent = x.shape[d];
    int64_t start = args.starts[i], end = args.ends[i];
    step[d] = args.steps[i];
    if (step[d] == 0) ctx.Fail("steps must not be 0");
    if (extent == 0) continue;  // stays empty; clamping below needs extent >= 1
    if (start < 0) start += extent;
    if (end < 0) end += extent;
    start = step[d] > 0 ? std::clamp<int64_t>(start, 0, extent) : std::clamp<int64_t>(start, 0, extent - 1);
    end = step[d] > 0 ? std::clamp<int64_t>(end, 0, extent) : std::clamp<int64_t>(end, -1, extent - 1);
    const Int128 span = step[d] > 0 ? Int128{end} - start : Int128{start} - end;
    const Int128 stride = step[d] > 0 ? Int128{step[d]} : -Int128{step[d]};
    shape[d] = span <= 0 ? 0 : static_cast<int64_t>((span - 1) / stride + 1);
    first[d] = start;
  }
  ctx.CheckSize(shape);
  const std::vector<int64_t> strides = Strides(x.shape);
  return TakeElements(
      x, shape, SeparableIndex(shape, [&](size_t d, int64_t p) { return (first[d] + p * step[d]) * strides[d]; }));
}

TensorValue Squeeze(const EvalContext& ctx) {
  const TensorValue& x = ctx.Input(0);
  const std::vector<int64_t> axes = ctx.Axes(AxesFromAttrOrInput(ctx, 13, 1), static_cast<int64_t>(x.shape.size()));
  const std::vector<char> mask = AxisMask(axes, x.shape.size());
  Shape shape;
  for (size_t d = 0; d < x.shape.size(); ++d) {
    const bool listed = mask[d] != 0;
    if (listed && x.shape[d] != 1)
      ctx.Fail("cannot squeeze axis " + std::to_string(d) + " of extent " + std::to_string(x.shape[d]));
    if (!(listed || (axes.empty() && x.shape[d] == 1))) shape.push_back(x.shape[d]);
  }
  return WithShape(x, shape);
}

TensorValue Unsqueeze(const EvalContext& ctx) {
  const TensorValue& x = ctx.Input(0);
  if (ctx.opset() >= 13) ctx.CheckInputCount(2, 2);
  const std::vector<int64_t> listed = AxesFromAttrOrInput(ctx, 13, 1);
  const auto rank = static_cast<int64_t>(x.shape.size() + listed.size());
  const std::vector<int64_t> axes = ctx.Axes(listed, rank);
  const std::vector<char> mask = AxisMask(axes, static_cast<size_t>(rank));
  Shape shape;
  auto next = x.shape.begin();
  for (size_t d = 0; d < mask.size(); ++d) shape.push_back(mask[d] != 0 ? 1 : *next++);
  return WithShape(x, shape);
}

TensorValue Reshape(const EvalContext& ctx) {
  const TensorValue& x = ctx.Input(0);
  const std::vector<int64_t> requested =
      ctx.opset() < 5 ? ctx.IntsAttr("shape") : ShapeInput(ctx, ctx.Input(1), "shape");
  const bool allow_zero = ctx.IntAttr("allowzero", 0) != 0;
  Shape shape = requested;
  int64_t inferred = -1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0 && !allow_zero) {
      if (d >= x.shape.size()) ctx.Fail("0 at position " + std::to_string(d) + " has no input dimension to copy");
      shape[d] = x.shape[d];
    } else if (shape[d] == -1) {
      if (inferred >= 0) ctx.Fail("more than one -1 in shape " + ShapeText(requested));
      inferred = static_cast<int64_t>(d);
    } else if (shape[d] < -1) {
      ctx.Fail("invalid extent " + std::to_string(shape[d]) + " in shape " + ShapeText(requested));
    }
  }
  const int64_t count = x.element_count();
  if (inferred >= 0) {
    shape[static_cast<size_t>(inferred)] = 1;
    const std::optional<int64_t> known = CheckedElementCount(shape);
    if (!known || *known == 0 || count % *known != 0) {
      ctx.Fail("cannot reshape " + std::to_string(count) + " elements to " + ShapeText(requested));
    }
    shape[static_cast<size_t>(inferred)] = count / *known;
  }
  const std::optional<int64_t> total = CheckedElementCount(shape);
  if (!total || *total != count)
    ctx.Fail("cannot reshape " + std::to_string(count) + " elements to " + ShapeText(requested));
  return WithShape(x, shape);
}

TensorValue Flatten(const EvalContext& ctx) {
  const TensorValue& x = ctx.Input(0);
  const auto rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = ctx.IntAttr("axis", 1);
  if (axis < -rank || axis > rank)
    ctx.Fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  if (axis < 0) axis += rank;
  const Shape outer(x.shape.begin(), x.shape.begin() + axis), inner(x.shape.begin() + axis, x.shape.end());
  return WithShape(x, {ElementCount(outer), ElementCount(inner)});
}

TensorValue Transpose(const EvalContext& ctx) {
  const TensorValue& x = ctx.Input(0);
  const auto rank = static_cast<int64_t>(x.shape.size());
  std::vector<int64_t> perm = ctx.IntsAttr("perm");
  if (!ctx.HasAttr("perm")) {
    for (int64_t d = rank - 1; d >= 0; --d) perm.push_back(d);
  }
  if (static_cast<int64_t>(perm.size()) != rank)
    ctx.Fail("perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(rank));
  perm = ctx.Axes(perm, rank);
  Shape shape;
  for (int64_t p : perm) shape.push_back(x.shape[static_cast<size_t>(p)]);
  const std::vector<int64_t> strides = Strides(x.shape);
  return TakeElements(
      x, shape, SeparableIndex(shape, [&](size_t d, int64_t p) { return p * strides[static_cast<size_t>(perm[d])]; }));
}

TensorValue ShapeOf(const EvalContext& ctx) {
  const TensorValue& x = ctx.Input(0);
  const auto rank = static_cast<int64_t>(x.shape.size());
  int64_t start = ctx.IntAttr("start", 0), end = ctx.IntAttr("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, 0, rank);
  TensorValue out = MakeValue(TensorProto::INT64, {std::max<int64_t>(end - start, 0)});
  for (int64_t d = start; d < end; ++d) out.ints[static_cast<size_t>(d - start)] = x.shape[static_cast<size_t>(d)];
  return out;
}

}  // namespace

Values EvalMovement(const EvalContext& ctx) {
  const std::string_view op = ctx.op();
  if (op == "ConstantOfShape") return {ConstantOfShape(ctx)};
  if (op == "Range") return {Range(ctx)};
  if (op == "Expand") return {Expand(ctx)};
  if (op == "Tile") return {Tile(ctx)};
  if (op == "Concat") return {Concat(ctx)};
  if (op == "Split") return Split(ctx);
  if (op == "Slice") return {Slice(ctx)};
  if (op == "Squeeze") return {Squeeze(ctx)};
  if (op == "Unsqueeze") return {Unsqueeze(ctx)};
  if (op == "Reshape") return {Reshape(ctx)};
  if (op == "Flatten") return {Flatten(ctx)};
  if (op == "Transpose") return {Transpose(ctx)};
  if (op == "Shape") return {ShapeOf(ctx)};
  const TensorValue& x = ctx.Input(0);
  if (op == "Size") {
    TensorValue out = MakeValue(TensorProto::INT64, {});
    out.ints[0] = x.element_count();
    return {out};
  }
  return {x};  // Identity
}

}  // namespace dnnpart::eval
