#include "loader/shape_propagation.h"

#include "loader/shape_rule_context.h"

#include "dnnpart/error.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <set>

namespace dnnpart {
namespace shape_rules {
namespace {

// Checked extent arithmetic: an overflow is an Error naming the node and the
// quantity, never a wrapped (or undefined) extent.
[[noreturn]] void ExtentOverflow(const NodeContext& c, const char* what) {
  throw Error("node '" + (c.node.name().empty() ? c.node.op_type() : c.node.name()) + "' (" + c.node.op_type() +
              "): " + what + " overflows 64-bit integers");
}
int64_t Mul(const NodeContext& c, int64_t a, int64_t b, const char* what) {
  int64_t result = 0;
  if (__builtin_mul_overflow(a, b, &result)) ExtentOverflow(c, what);
  return result;
}
int64_t Add(const NodeContext& c, int64_t a, int64_t b, const char* what) {
  int64_t result = 0;
  if (__builtin_add_overflow(a, b, &result)) ExtentOverflow(c, what);
  return result;
}

}  // namespace

// A product A x B needs A's columns to match B's rows.
// Skipped when an operand's shape is only an upper bound.
void CheckInnerExtents(const NodeContext& c, int64_t a_columns, int64_t b_rows) {
  if (a_columns == b_rows) return;
  for (size_t i = 0; i < 2; ++i) {
    if (c.In(i)->bounded || c.In(i)->from_bound) return;
  }
  throw Error("node '" + (c.node.name().empty() ? c.node.op_type() : c.node.name()) + "' (" + c.node.op_type() +
              "): the inner extents of its operands differ (" + std::to_string(a_columns) + " and " +
              std::to_string(b_rows) + ")");
}


// Conv / pooling output extent of one spatial axis.
// Throws Error on overflow and when the (padded) input is smaller than the
// kernel: such a model has no valid output.
int64_t SpatialExtent(const NodeContext& c, int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                      int64_t pad_total, bool ceil_mode) {
  const int64_t effective = Add(c, Mul(c, dilation, kernel - 1, "the dilated kernel extent"), 1, "the dilated kernel extent");
  const int64_t span = Add(c, in, pad_total, "the padded input extent") - effective;
  if (span < 0) {
    throw Error("node '" + (c.node.name().empty() ? c.node.op_type() : c.node.name()) + "' (" + c.node.op_type() +
                "): its kernel (" + std::to_string(effective) + " with dilation) is larger than its padded input (" +
                std::to_string(in + pad_total) + ")");
  }
  return (ceil_mode ? Add(c, span, stride - 1, "the output extent") / stride : span / stride) + 1;
}

std::optional<Shape> WindowedShape(const NodeContext& c, const Shape& x, const Ints& kernel, int64_t out_channels) {
  const size_t spatial = x.size() - 2;
  if (kernel.size() != spatial) return std::nullopt;
  const Ints strides = IntsAttr(c.node, "strides").value_or(Ints(spatial, 1));
  const Ints dilations = IntsAttr(c.node, "dilations").value_or(Ints(spatial, 1));
  const Ints pads = IntsAttr(c.node, "pads").value_or(Ints(2 * spatial, 0));
  const std::string auto_pad = StringAttr(c.node, "auto_pad", "NOTSET");
  const bool ceil_mode = IntAttr(c.node, "ceil_mode", 0) != 0;
  if (strides.size() != spatial || dilations.size() != spatial || pads.size() != 2 * spatial) return std::nullopt;
  if (!AllPositive(strides) || !AllPositive(dilations) || !AllPositive(kernel)) return std::nullopt;
  Shape out{x[0], out_channels};
  for (size_t i = 0; i < spatial; ++i) {
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out.push_back(Add(c, x[i + 2], strides[i] - 1, "the output extent") / strides[i]);
    } else {
      if (auto_pad == "NOTSET" && (pads[i] < 0 || pads[i + spatial] < 0)) return std::nullopt;
      const int64_t pad_total = auto_pad == "VALID" ? 0 : Add(c, pads[i], pads[i + spatial], "attribute 'pads'");
      out.push_back(SpatialExtent(c, x[i + 2], kernel[i], strides[i], dilations[i], pad_total, ceil_mode));
    }
  }
  return out;
}

bool ConvShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  const Shape* w = c.InShape(1);
  if (x == nullptr || w == nullptr || x->size() < 3 || w->size() != x->size()) return false;
  const Ints kernel = IntsAttr(c.node, "kernel_shape").value_or(Ints(w->begin() + 2, w->end()));
  auto out = WindowedShape(c, *x, kernel, (*w)[0]);
  return out && c.Set(0, c.InType(0), *out);
}

bool ConvTransposeShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  const Shape* w = c.InShape(1);
  if (x == nullptr || w == nullptr || x->size() < 3 || w->size() != x->size()) return false;
  const size_t spatial = x->size() - 2;
  const int64_t group = IntAttr(c.node, "group", 1);
  Shape out{(*x)[0], Mul(c, (*w)[1], group, "the output channels (weight extent times 'group')")};
  if (auto explicit_shape = IntsAttr(c.node, "output_shape")) {
    for (int64_t extent : *explicit_shape) out.push_back(extent);
    return out.size() == x->size() && c.Set(0, c.InType(0), out);
  }
  const Ints strides = IntsAttr(c.node, "strides").value_or(Ints(spatial, 1));
  const Ints dilations = IntsAttr(c.node, "dilations").value_or(Ints(spatial, 1));
  const Ints pads = IntsAttr(c.node, "pads").value_or(Ints(2 * spatial, 0));
  const Ints output_padding = IntsAttr(c.node, "output_padding").value_or(Ints(spatial, 0));
  if (strides.size() != spatial || dilations.size() != spatial || pads.size() != 2 * spatial ||
      output_padding.size() != spatial || !AllPositive(strides) || !AllPositive(dilations)) {
    return false;
  }
  for (size_t i = 0; i < spatial; ++i) {
    const char* what = "the output extent";
    int64_t extent = Add(c, Mul(c, strides[i], (*x)[i + 2] - 1, what), output_padding[i], what);
    extent = Add(c, extent, Add(c, Mul(c, (*w)[i + 2] - 1, dilations[i], what), 1, what), what);
    int64_t pad_total = 0;
    if (__builtin_add_overflow(pads[i], pads[i + spatial], &pad_total) ||
        __builtin_sub_overflow(extent, pad_total, &extent)) {
      ExtentOverflow(c, "attribute 'pads'");
    }
    out.push_back(extent);
  }
  return c.Set(0, c.InType(0), out);
}

bool PoolShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  auto kernel = IntsAttr(c.node, "kernel_shape");
  if (x == nullptr || !kernel || x->size() < 3) return false;
  auto out = WindowedShape(c, *x, *kernel, (*x)[1]);
  if (!out) return false;
  bool changed = c.Set(0, c.InType(0), *out);
  changed |= c.Set(1, onnx::TensorProto::INT64, *out);  // MaxPool indices
  return changed;
}

bool GlobalPoolShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  if (x == nullptr || x->size() < 3) return false;
  Shape out(*x);
  std::fill(out.begin() + 2, out.end(), 1);
  return c.Set(0, c.InType(0), out);
}

bool GemmShape(const NodeContext& c) {
  const Shape* a = c.InShape(0);
  const Shape* b = c.InShape(1);
  if (a == nullptr || b == nullptr || a->size() != 2 || b->size() != 2) return false;
  const bool trans_a = IntAttr(c.node, "transA", 0) != 0, trans_b = IntAttr(c.node, "transB", 0) != 0;
  const int64_t m = trans_a ? (*a)[1] : (*a)[0];
  const int64_t n = trans_b ? (*b)[0] : (*b)[1];
  CheckInnerExtents(c, trans_a ? (*a)[0] : (*a)[1], trans_b ? (*b)[1] : (*b)[0]);
  return c.Set(0, c.InType(0), {m, n});
}

bool MatMulShape(const NodeContext& c) {
  const Shape* a = c.InShape(0);
  const Shape* b = c.InShape(1);
  if (a == nullptr || b == nullptr || a->empty() || b->empty()) return false;
  Shape sa = *a, sb = *b;
  const bool a_vector = sa.size() == 1, b_vector = sb.size() == 1;
  if (a_vector) sa.insert(sa.begin(), 1);
  if (b_vector) sb.push_back(1);
  auto batch = Broadcast({Shape(sa.begin(), sa.end() - 2), Shape(sb.begin(), sb.end() - 2)});
  if (!batch) return false;
  CheckInnerExtents(c, sa.back(), sb[sb.size() - 2]);
  Shape out = *batch;
  if (!a_vector) out.push_back(sa[sa.size() - 2]);
  if (!b_vector) out.push_back(sb.back());
  return c.Set(0, c.InType(0), out);
}

bool FlattenShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  if (x == nullptr) return false;
  const int64_t axis = NormalizeAxis(IntAttr(c.node, "axis", 1), x->size());
  if (axis < 0 || axis > static_cast<int64_t>(x->size())) return false;
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < x->size(); ++i) {
    int64_t& part = static_cast<int64_t>(i) < axis ? outer : inner;
    part = Mul(c, part, (*x)[i], "the flattened extent");
  }
  return c.Set(0, c.InType(0), {outer, inner});
}

bool ReshapeShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  std::optional<Ints> target;
  if (c.opset >= 5) {
    if (const Ints* t = c.InInts(1)) target = *t;
  } else {
    target = IntsAttr(c.node, "shape");
  }
  if (x == nullptr || !target) return false;
  const bool allow_zero = IntAttr(c.node, "allowzero", 0) != 0;
  if (std::count(target->begin(), target->end(), -1) > 1 ||
      std::any_of(target->begin(), target->end(), [](int64_t v) { return v < -1; })) {
    return false;
  }
  Shape out = *target;
  int64_t known = 1;
  int inferred = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == 0 && !allow_zero) out[i] = i < x->size() ? (*x)[i] : 0;
    if (out[i] == -1) inferred = static_cast<int>(i);
    else known = Mul(c, known, out[i], "the element count of the target shape");
  }
  const std::optional<int64_t> elements = CheckedElementCount(*x);
  if (!elements) return false;
  if (inferred >= 0) out[static_cast<size_t>(inferred)] = known == 0 ? 0 : *elements / known;
  std::optional<Ints> values;
  if (const Ints* v = c.InInts(0)) values = *v;
  return c.Set(0, c.InType(0), out, values);
}

bool ConcatShape(const NodeContext& c) {
  const Shape* first = c.InShape(0);
  if (first == nullptr) return false;
  const int64_t axis = CheckedAxis(IntAttr(c.node, "axis", 0), first->size());
  if (axis < 0) return false;
  Shape out = *first;
  out[static_cast<size_t>(axis)] = 0;
  std::optional<Ints> values = Ints{};
  for (int i = 0; i < c.InputCount(); ++i) {
    const Shape* s = c.InShape(static_cast<size_t>(i));
    if (s == nullptr || s->size() != first->size()) return false;
    out[static_cast<size_t>(axis)] += (*s)[static_cast<size_t>(axis)];
    const Ints* v = c.InInts(static_cast<size_t>(i));
    if (v != nullptr && values && first->size() == 1) values->insert(values->end(), v->begin(), v->end());
    else values.reset();
  }
  return c.Set(0, c.InType(0), out, values);
}

bool SplitShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  if (x == nullptr) return false;
  const int64_t axis = CheckedAxis(IntAttr(c.node, "axis", 0), x->size());
  if (axis < 0 || c.ids.output_count == 0) return false;
  const int64_t extent = (*x)[static_cast<size_t>(axis)];
  const auto outputs = static_cast<int64_t>(c.ids.output_count);
  std::optional<Ints> split = c.opset >= 13 ? (c.InInts(1) ? std::optional<Ints>(*c.InInts(1)) : std::nullopt)
                                            : IntsAttr(c.node, "split");
  if (c.opset >= 13 && c.In(1) != nullptr && !split) return false;  // split given but not constant
  if (!split) {
    const int64_t chunk = (extent + outputs - 1) / outputs;  // equal parts, the last one smaller
    split = Ints{};
    for (int64_t i = 0, left = extent; i < outputs; ++i, left -= chunk) split->push_back(std::min(chunk, left));
  }
  if (static_cast<int64_t>(split->size()) != outputs ||
      std::any_of(split->begin(), split->end(), [](int64_t v) { return v < 0; })) {
    return false;
  }
  bool changed = false;
  for (size_t i = 0; i < split->size(); ++i) {
    Shape out = *x;
    out[static_cast<size_t>(axis)] = (*split)[i];
    changed |= c.Set(i, c.InType(0), out);
  }
  return changed;
}

bool TransposeShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  if (x == nullptr) return false;
  Ints perm = IntsAttr(c.node, "perm").value_or(Ints{});
  if (perm.empty()) {
    for (size_t i = x->size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  }
  if (perm.size() != x->size()) return false;
  Shape out;
  for (int64_t p : perm) {
    const int64_t axis = CheckedAxis(p, x->size());
    if (axis < 0) return false;
    out.push_back((*x)[static_cast<size_t>(axis)]);
  }
  return c.Set(0, c.InType(0), out);
}

std::optional<Ints> AxesFromAttrOrInput(const NodeContext& c, int64_t input_from_opset) {
  if (c.opset >= input_from_opset) {
    if (c.In(1) == nullptr) return Ints{};
    if (const Ints* axes = c.InInts(1)) return *axes;
    return std::nullopt;
  }
  return IntsAttr(c.node, "axes").value_or(Ints{});
}

bool SqueezeShape(const NodeContext& c, bool unsqueeze) {
  const Shape* x = c.InShape(0);
  auto axes = AxesFromAttrOrInput(c, 13);
  if (x == nullptr || !axes) return false;
  Shape out;
  if (unsqueeze) {
    const size_t rank = x->size() + axes->size();
    std::set<int64_t> inserted;
    for (int64_t a : *axes) inserted.insert(CheckedAxis(a, rank));
    if (inserted.count(-1) != 0 || inserted.size() != axes->size()) return false;
    for (size_t i = 0, j = 0; i < rank; ++i) out.push_back(inserted.count(static_cast<int64_t>(i)) ? 1 : (*x)[j++]);
  } else {
    std::set<int64_t> removed;
    for (int64_t a : *axes) removed.insert(NormalizeAxis(a, x->size()));
    for (size_t i = 0; i < x->size(); ++i) {
      const bool drop = removed.empty() ? (*x)[i] == 1 : removed.count(static_cast<int64_t>(i)) > 0;
      if (!drop) out.push_back((*x)[i]);
    }
  }
  std::optional<Ints> values;
  if (const Ints* v = c.InInts(0)) values = *v;
  return c.Set(0, c.InType(0), out, values);
}

bool ReduceShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  const int64_t axes_input_opset = c.node.op_type() == "ReduceSum" ? 13 : 18;
  auto axes = AxesFromAttrOrInput(c, axes_input_opset);
  if (x == nullptr || !axes) return false;
  const bool keep = IntAttr(c.node, "keepdims", 1) != 0;
  if (axes->empty() && IntAttr(c.node, "noop_with_empty_axes", 0) != 0) return c.Set(0, c.InType(0), *x);
  std::set<int64_t> reduced;
  for (int64_t a : *axes) reduced.insert(NormalizeAxis(a, x->size()));
  Shape out;
  for (size_t i = 0; i < x->size(); ++i) {
    const bool r = reduced.empty() || reduced.count(static_cast<int64_t>(i)) > 0;
    if (!r) out.push_back((*x)[i]);
    else if (keep) out.push_back(1);
  }
  return c.Set(0, c.InType(0), out);
}

bool ArgReduceShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  if (x == nullptr) return false;
  const auto axis = CheckedAxis(IntAttr(c.node, "axis", 0), x->size());
  if (axis < 0) return false;
  Shape out = *x;
  if (IntAttr(c.node, "keepdims", 1) != 0) out[static_cast<size_t>(axis)] = 1;
  else out.erase(out.begin() + axis);
  return c.Set(0, onnx::TensorProto::INT64, out);
}

bool ShapeOp(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  if (x == nullptr) return false;
  const auto rank = static_cast<int64_t>(x->size());
  int64_t start = IntAttr(c.node, "start", 0), end = IntAttr(c.node, "end", rank);
  start = std::clamp(start < 0 ? start + rank : start, int64_t{0}, rank);
  end = std::clamp(end < 0 ? end + rank : end, int64_t{0}, rank);
  Ints values(x->begin() + start, x->begin() + std::max(start, end));
  return c.Set(0, onnx::TensorProto::INT64, {static_cast<int64_t>(values.size())}, values);
}

bool SizeOp(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  if (x == nullptr) return false;
  const std::optional<int64_t> elements = CheckedElementCount(*x);
  return elements && c.Set(0, onnx::TensorProto::INT64, {}, Ints{*elements});
}

bool GatherShape(const NodeContext& c) {
  const Shape* data = c.InShape(0);
  const Shape* indices = c.InShape(1);
  if (data == nullptr || indices == nullptr || data->empty()) return false;
  const int64_t signed_axis = CheckedAxis(IntAttr(c.node, "axis", 0), data->size());
  if (signed_axis < 0) return false;
  const auto axis = static_cast<size_t>(signed_axis);
  Shape out(data->begin(), data->begin() + static_cast<int64_t>(axis));
  out.insert(out.end(), indices->begin(), indices->end());
  out.insert(out.end(), data->begin() + static_cast<int64_t>(axis) + 1, data->end());
  std::optional<Ints> values;
  const Ints* dv = c.InInts(0);
  const Ints* iv = c.InInts(1);
  if (dv != nullptr && iv != nullptr && data->size() == 1) {
    values = Ints{};
    for (int64_t i : *iv) {
      const int64_t at = i < 0 ? i + static_cast<int64_t>(dv->size()) : i;
      if (at < 0 || at >= static_cast<int64_t>(dv->size())) return false;
      values->push_back((*dv)[static_cast<size_t>(at)]);
    }
  }
  return c.Set(0, c.InType(0), out, values);
}

bool SliceShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  if (x == nullptr) return false;
  Ints starts, ends, axes, steps;
  if (c.opset >= 10) {
    const Ints* s = c.InInts(1);
    const Ints* e = c.InInts(2);
    if (s == nullptr || e == nullptr) return false;
    starts = *s, ends = *e;
    if (c.In(3) != nullptr) {
      if (c.InInts(3) == nullptr) return false;
      axes = *c.InInts(3);
    }
    if (c.In(4) != nullptr) {
      if (c.InInts(4) == nullptr) return false;
      steps = *c.InInts(4);
    }
  } else {
    starts = IntsAttr(c.node, "starts").value_or(Ints{});
    ends = IntsAttr(c.node, "ends").value_or(Ints{});
    axes = IntsAttr(c.node, "axes").value_or(Ints{});
  }
  if (axes.empty()) for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || ends.size() != starts.size() || steps.size() != starts.size()) return false;
  Shape out = *x;
  std::vector<std::pair<int64_t, int64_t>> range1d;  // for values of 1-D tensors
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t signed_axis = NormalizeAxis(axes[i], x->size());
    if (signed_axis < 0 || signed_axis >= static_cast<int64_t>(x->size()) || steps[i] == 0 ||
        steps[i] == std::numeric_limits<int64_t>::min()) {
      return false;
    }
    const auto axis = static_cast<size_t>(signed_axis);
    const int64_t dim = (*x)[axis], step = steps[i];
    if (dim == 0) {
      out[axis] = 0;
      continue;
    }
    // ONNX Slice: negative indices count from the end; for negative steps the
    // start clamps to [0, dim-1] and the end to [-1, dim-1].
    auto clampi = [&](int64_t v, bool is_end) {
      if (v < 0) v += dim;
      if (step > 0) return std::clamp(v, int64_t{0}, dim);
      return std::clamp(v, is_end ? int64_t{-1} : int64_t{0}, dim - 1);
    };
    const int64_t b = clampi(starts[i], false), e = clampi(ends[i], true);
    // ceil((e - b) / step) without overflow for huge steps.
    const int64_t count = step > 0 ? (e > b ? (e - b - 1) / step + 1 : 0) : (b > e ? (b - e - 1) / (-step) + 1 : 0);
    out[axis] = count;
    if (x->size() == 1) range1d.emplace_back(b, step);
  }
  std::optional<Ints> values;
  if (const Ints* v = c.InInts(0); v != nullptr && range1d.size() == 1) {
    values = Ints{};
    for (int64_t k = 0; k < out[0] && values; ++k) {
      const int64_t at = range1d[0].first + k * range1d[0].second;
      if (at < 0 || at >= static_cast<int64_t>(v->size())) values.reset();
      else values->push_back((*v)[static_cast<size_t>(at)]);
    }
  }
  return c.Set(0, c.InType(0), out, values);
}

bool ElementwiseShape(const NodeContext& c, bool bool_result) {
  std::vector<Shape> shapes;
  for (int i = 0; i < c.InputCount(); ++i) {
    if (c.ids.inputs[i] < 0) continue;
    const Shape* s = c.InShape(static_cast<size_t>(i));
    if (s == nullptr) return false;
    shapes.push_back(*s);
  }
  auto out = Broadcast(shapes);
  if (!out) return false;
  // Integer arithmetic on small 1-D tensors, as in shape computations.
  std::optional<Ints> values;
  const Ints* a = c.InInts(0);
  const Ints* b = c.InInts(1);
  const std::string& op = c.node.op_type();
  if (a != nullptr && b != nullptr && out->size() <= 1 && (op == "Add" || op == "Sub" || op == "Mul" || op == "Div")) {
    values = Ints{};
    const int64_t n = out->empty() ? 1 : (*out)[0];
    if ((a->size() != 1 && static_cast<int64_t>(a->size()) != n) || (b->size() != 1 && static_cast<int64_t>(b->size()) != n)) {
      return false;
    }
    for (int64_t i = 0; i < n; ++i) {
      const int64_t x = (*a)[a->size() == 1 ? 0 : static_cast<size_t>(i)];
      const int64_t y = (*b)[b->size() == 1 ? 0 : static_cast<size_t>(i)];
      int64_t result = 0;
      if (op == "Div") {
        if (y == 0 || (x == std::numeric_limits<int64_t>::min() && y == -1)) return false;
        result = x / y;
      } else if (op == "Add" ? __builtin_add_overflow(x, y, &result)
                 : op == "Sub" ? __builtin_sub_overflow(x, y, &result)
                               : __builtin_mul_overflow(x, y, &result)) {
        return false;
      }
      values->push_back(result);
    }
  }
  const size_t type_input = op == "Where" ? 1 : 0;
  return c.Set(0, bool_result ? onnx::TensorProto::BOOL : c.InType(type_input), *out, values);
}

bool SameShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  if (x == nullptr) return false;
  int32_t type = c.InType(0);
  if (c.node.op_type() == "Cast") type = static_cast<int32_t>(IntAttr(c.node, "to", 0));
  std::optional<Ints> values;
  if (const Ints* v = c.InInts(0); v != nullptr && (c.node.op_type() == "Cast" || c.node.op_type() == "Identity")) {
    values = *v;
  }
  bool changed = c.Set(0, type, *x, values);
  if (c.node.op_type() == "Dropout") changed |= c.Set(1, onnx::TensorProto::BOOL, *x);
  return changed;
}

bool PadShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  if (x == nullptr) return false;
  std::optional<Ints> pads = c.opset >= 11 ? (c.InInts(1) ? std::optional<Ints>(*c.InInts(1)) : std::nullopt)
                                           : IntsAttr(c.node, "pads");
  if (!pads) return false;
  Ints axes;
  if (c.opset >= 18 && c.In(3) != nullptr) {
    if (c.InInts(3) == nullptr) return false;
    axes = *c.InInts(3);
  } else {
    for (size_t i = 0; i < x->size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (pads->size() != 2 * axes.size()) return false;
  Shape out = *x;
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t axis = CheckedAxis(axes[i], x->size());
    if (axis < 0) return false;
    out[static_cast<size_t>(axis)] += (*pads)[i] + (*pads)[i + axes.size()];
  }
  return c.Set(0, c.InType(0), out);
}

bool ExpandShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  const Ints* target = c.InInts(1);
  if (x == nullptr || target == nullptr) return false;
  auto out = Broadcast({*x, *target});
  return out && c.Set(0, c.InType(0), *out);
}

bool ConstantOfShapeShape(const NodeContext& c) {
  const Ints* target = c.InInts(0);
  if (target == nullptr) return false;
  return c.Set(0, onnx::TensorProto::FLOAT, *target);
}

const std::map<std::string, Rule>& Rules() {
  static const std::map<std::string, Rule> rules = [] {
    std::map<std::string, Rule> r{
        {"Conv", ConvShape}, {"ConvTranspose", ConvTransposeShape}, {"MaxPool", PoolShape},
        {"AveragePool", PoolShape}, {"LpPool", PoolShape}, {"GlobalAveragePool", GlobalPoolShape},
        {"GlobalMaxPool", GlobalPoolShape}, {"GlobalLpPool", GlobalPoolShape}, {"Gemm", GemmShape},
        {"MatMul", MatMulShape}, {"Flatten", FlattenShape}, {"Reshape", ReshapeShape}, {"Concat", ConcatShape},
        {"Split", SplitShape}, {"Transpose", TransposeShape}, {"Shape", ShapeOp}, {"Size", SizeOp}, {"Gather", GatherShape},
        {"Slice", SliceShape}, {"Pad", PadShape}, {"Expand", ExpandShape}, {"ConstantOfShape", ConstantOfShapeShape},
        {"ArgMax", ArgReduceShape}, {"ArgMin", ArgReduceShape},
        {"Squeeze", [](const NodeContext& c) { return SqueezeShape(c, false); }},
        {"Unsqueeze", [](const NodeContext& c) { return SqueezeShape(c, true); }},
    };
    for (const char* op : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                           "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"}) {
      r[op] = ReduceShape;
    }
    for (const char* op : {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Mod", "PRelu", "Where"}) {
      r[op] = [](const NodeContext& c) { return ElementwiseShape(c, false); };
    }
    for (const char* op : {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"}) {
      r[op] = [](const NodeContext& c) { return ElementwiseShape(c, true); };
    }
    for (const char* op : {"Relu", "Sigmoid", "Tanh", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Erf", "Exp",
                           "Log", "Sqrt", "Neg", "Abs", "Identity", "Dropout", "BatchNormalization",
                           "LayerNormalization", "InstanceNormalization", "GroupNormalization", "Softmax",
                           "LogSoftmax", "Cast", "Gelu", "Elu", "Selu", "Celu", "Softplus", "Softsign", "Mish",
                           "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Not", "LRN", "ThresholdedRelu", "Sin",
                           "Cos", "Tan"}) {
      r[op] = SameShape;
    }
    AddValueRules(r);
    return r;
  }();
  return rules;
}

}  // namespace shape_rules

using shape_rules::NodeContext;
using shape_rules::Rules;

std::optional<Shape> StaticShape(const onnx::TypeProto& type) {
  if (!type.has_tensor_type() || !type.tensor_type().has_shape()) return std::nullopt;
  const auto& dims = type.tensor_type().shape().dim();
  Shape shape;
  shape.reserve(static_cast<size_t>(dims.size()));
  for (const auto& dim : dims) {
    if (!dim.has_dim_value() || dim.dim_value() < 0) return std::nullopt;
    shape.push_back(dim.dim_value());
  }
  return shape;
}

std::optional<std::vector<int64_t>> SmallIntValues(const onnx::TensorProto& tensor) {
  constexpr int64_t kMaxElements = 64;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) return std::nullopt;
  int64_t count = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0 || d > kMaxElements) return std::nullopt;
    count *= d;
    if (count > kMaxElements) return std::nullopt;
  }
  std::vector<int64_t> values;
  if (tensor.data_type() == onnx::TensorProto::INT64) {
    if (tensor.int64_data_size() > 0) {
      values.assign(tensor.int64_data().begin(), tensor.int64_data().end());
    } else if (tensor.raw_data().size() == static_cast<size_t>(count) * 8 && count > 0) {
      // count > 0: memcpy of an empty vector's null data() is undefined (the fuzzer's finding).
      values.resize(static_cast<size_t>(count));
      std::memcpy(values.data(), tensor.raw_data().data(), tensor.raw_data().size());
    }
  } else if (tensor.data_type() == onnx::TensorProto::INT32) {
    if (tensor.int32_data_size() > 0) {
      values.assign(tensor.int32_data().begin(), tensor.int32_data().end());
    } else if (tensor.raw_data().size() == static_cast<size_t>(count) * 4 && count > 0) {
      std::vector<int32_t> narrow(static_cast<size_t>(count));
      std::memcpy(narrow.data(), tensor.raw_data().data(), tensor.raw_data().size());
      values.assign(narrow.begin(), narrow.end());
    }
  } else {
    return std::nullopt;
  }
  if (static_cast<int64_t>(values.size()) != count) return std::nullopt;
  return values;
}

void CheckOperands(const onnx::NodeProto& node, const NodeValueIds& ids, int64_t opset,
                   std::vector<ValueInfo>& values) {
  if (!node.domain().empty() || (node.op_type() != "Gemm" && node.op_type() != "MatMul")) return;
  const shape_rules::NodeContext c{node, ids, opset, values};
  const Shape* a = c.InShape(0);
  const Shape* b = c.InShape(1);
  if (a == nullptr || b == nullptr || a->empty() || b->empty()) return;
  if (node.op_type() == "Gemm") {
    if (a->size() != 2 || b->size() != 2) return;
    const bool trans_a = shape_rules::IntAttr(node, "transA", 0) != 0, trans_b = shape_rules::IntAttr(node, "transB", 0) != 0;
    shape_rules::CheckInnerExtents(c, trans_a ? (*a)[0] : (*a)[1], trans_b ? (*b)[1] : (*b)[0]);
  } else {
    shape_rules::CheckInnerExtents(c, a->back(), b->size() == 1 ? b->front() : (*b)[b->size() - 2]);
  }
}

bool PropagateNode(const onnx::NodeProto& node, const NodeValueIds& ids, int64_t opset,
                   std::vector<ValueInfo>& values) {
  if (!node.domain().empty()) return false;
  const auto& rules = Rules();
  auto rule = rules.find(node.op_type());
  if (rule == rules.end()) return false;
  // Run when an output is still unknown, or when the node may compute small
  // integer values: Shape of a known shape, or every input's values known.
  bool needed = false;
  for (int i = 0; i < ids.output_count && !needed; ++i) {
    needed = ids.outputs[i] >= 0 && !values[static_cast<size_t>(ids.outputs[i])].shape;
  }
  if (!needed && (node.op_type() == "Shape" || node.op_type() == "Size")) needed = true;
  if (!needed && ids.input_count > 0) {
    needed = true;
    for (int i = 0; i < ids.input_count && needed; ++i) {
      needed = ids.inputs[i] < 0 || values[static_cast<size_t>(ids.inputs[i])].ints.has_value();
    }
  }
  if (!needed) return false;
  return rule->second(NodeContext{node, ids, opset, values});
}

}  // namespace dnnpart
