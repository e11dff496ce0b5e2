// Operators driven by index tensors or positions: Gather, GatherElements,
// GatherND, ScatterND, Trilu, OneHot, NonZero. An index outside its axis is
// an error (OneHot's out-of-range indices select no position, as ONNX says).
#include <algorithm>

#include "evaluator/eval_internal.h"

namespace dnnpart::eval {

using onnx::TensorProto;

namespace {

Shape Part(const Shape& shape, size_t begin, size_t end) {
  return Shape(shape.begin() + static_cast<int64_t>(begin), shape.begin() + static_cast<int64_t>(end));
}

// Normalises an index into [0, extent); fails when outside [-extent, extent).
int64_t CheckedIndex(const EvalContext& ctx, int64_t index, int64_t extent) {
  if (index < -extent || index >= extent) {
    ctx.Fail("index " + std::to_string(index) + " is out of range for extent " + std::to_string(extent));
  }
  return index < 0 ? index + extent : index;
}

TensorValue Gather(const EvalContext& ctx) {
  ctx.CheckInputCount(2, 2);
  const TensorValue& data = ctx.Input(0);
  const std::vector<int64_t> indices = ctx.IntegerElements(ctx.Input(1), "indices");
  const size_t axis = static_cast<size_t>(ctx.Axis(ctx.IntAttr("axis", 0), static_cast<int64_t>(data.shape.size())));
  const int64_t extent = data.shape[axis];
  Shape shape = Part(data.shape, 0, axis);
  shape.insert(shape.end(), ctx.Input(1).shape.begin(), ctx.Input(1).shape.end());
  const Shape inner_shape = Part(data.shape, axis + 1, data.shape.size());
  shape.insert(shape.end(), inner_shape.begin(), inner_shape.end());
  ctx.CheckSize(shape);
  const int64_t outer = ElementCount(Part(data.shape, 0, axis)), inner = ElementCount(inner_shape);
  std::vector<int64_t> index;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t raw : indices) {
      const int64_t k = CheckedIndex(ctx, raw, extent);
      for (int64_t i = 0; i < inner; ++i) index.push_back((o * extent + k) * inner + i);
    }
  }
  for (int64_t raw : indices) CheckedIndex(ctx, raw, extent);  // also when the output is empty
  return TakeElements(data, shape, index);
}

TensorValue GatherElements(const EvalContext& ctx) {
  ctx.CheckInputCount(2, 2);
  const TensorValue& data = ctx.Input(0);
  const TensorValue& indices = ctx.Input(1);
  const std::vector<int64_t> values = ctx.IntegerElements(indices, "indices");
  const auto rank = static_cast<int64_t>(data.shape.size());
  if (static_cast<int64_t>(indices.shape.size()) != rank) ctx.Fail("indices must have the rank of data");
  const auto axis = static_cast<size_t>(ctx.Axis(ctx.IntAttr("axis", 0), rank));
  const std::vector<int64_t> strides = Strides(data.shape);
  std::vector<int64_t> index(values.size()), position(indices.shape.size(), 0);
  for (size_t n = 0; n < values.size(); ++n) {
    int64_t source = 0;
    for (size_t d = 0; d < position.size(); ++d) {
      const int64_t coordinate = d == axis ? CheckedIndex(ctx, values[n], data.shape[d]) : position[d];
      if (coordinate >= data.shape[d])
        ctx.Fail("indices shape " + ShapeText(indices.shape) + " exceeds data shape " + ShapeText(data.shape));
      source += coordinate * strides[d];
    }
    index[n] = source;
    for (size_t d = position.size(); d-- > 0;) {
      if (++position[d] < indices.shape[d]) break;
      position[d] = 0;
    }
  }
  return TakeElements(data, indices.shape, index);
}

// The flat offset of the slice that `tuple` (k coordinates) selects inside a
// block of `shape` (whose first k extents the tuple indexes).
int64_t TupleOffset(const EvalContext& ctx, const int64_t* tuple, size_t k, const Shape& shape) {
  const std::vector<int64_t> strides = Strides(shape);
  int64_t offset = 0;
  for (size_t j = 0; j < k; ++j) offset += CheckedIndex(ctx, tuple[j], shape[j]) * strides[j];
  return offset;
}

TensorValue GatherND(const EvalContext& ctx) {
  ctx.CheckInputCount(2, 2);
  const TensorValue& data = ctx.Input(0);
  const TensorValue& indices = ctx.Input(1);
  const std::vector<int64_t> values = ctx.IntegerElements(indices, "indices");
  const int64_t batch_dims = ctx.IntAttr("batch_dims", 0);
  if (batch_dims < 0) ctx.Fail("batch_dims must not be negative");
  const auto batch = static_cast<size_t>(batch_dims);
  if (indices.shape.empty() || data.shape.empty()) ctx.Fail("data and indices must have rank >= 1");
  const auto k = static_cast<size_t>(indices.shape.back());
  if (batch >= indices.shape.size() || batch + k > data.shape.size() ||
      Part(data.shape, 0, batch) != Part(indices.shape, 0, batch)) {
    ctx.Fail("indices shape " + ShapeText(indices.shape) + " does not fit data shape " + ShapeText(data.shape));
  }
  Shape shape = Part(indices.shape, 0, indices.shape.size() - 1);
  const Shape slice_shape = Part(data.shape, batch + k, data.shape.size());
  shape.insert(shape.end(), slice_shape.begin(), slice_shape.end());
  ctx.CheckSize(shape);
  const Shape block = Part(data.shape, batch, data.shape.size());
  const int64_t batches = ElementCount(Part(data.shape, 0, batch));
  const int64_t tuples = ElementCount(Part(indices.shape, batch, indices.shape.size() - 1));
  const int64_t slice = ElementCount(slice_shape), block_size = ElementCount(block);
  std::vector<int64_t> index;
  for (int64_t b = 0; b < batches; ++b) {
    for (int64_t t = 0; t < tuples; ++t) {
      const int64_t base =
          b * block_size + TupleOffset(ctx, values.data() + (b * tuples + t) * static_cast<int64_t>(k), k, block);
      for (int64_t i = 0; i < slice; ++i) index.push_back(base + i);
    }
  }
  return TakeElements(data, shape, index);
}

template <class T>
void Combine(T& target, T update, const std::string& reduction) {
  if (reduction == "add") {
    target = target + update;
  } else if (reduction == "mul") {
    target = target * update;
  } else if (reduction == "max") {
    target = std::max(target, update);
  } else if (reduction == "min") {
    target = std::min(target, update);
  } else {
    target = update;
  }
}

// One element update of ScatterND in the data's type.
void ScatterElement(TensorValue& out, size_t at, const TensorValue& updates, size_t from,
                    const std::string& reduction) {
  if (out.is_real()) {
    Combine(out.reals[at], updates.reals[from], reduction);
    out.reals[at] = RoundReal(out.reals[at], out.elem_type);
  } else if (IsUnsigned64(out.elem_type)) {
    auto target = static_cast<uint64_t>(out.ints[at]);
    Combine(target, static_cast<uint64_t>(updates.ints[from]), reduction);
    out.ints[at] = static_cast<int64_t>(target);
  } else {
    const int64_t original = out.ints[at];
    uint64_t wrapped = static_cast<uint64_t>(original);
    if (reduction == "add" || reduction == "mul") {
      Combine(wrapped, static_cast<uint64_t>(updates.ints[from]), reduction);
      out.ints[at] = WrapInteger(wrapped, out.elem_type);
    } else {
      Combine(out.ints[at], updates.ints[from], reduction);
    }
  }
}

TensorValue ScatterND(const EvalContext& ctx) {
  ctx.CheckInputCount(3, 3);
  const TensorValue& data = ctx.Input(0);
  const TensorValue& indices = ctx.Input(1);
  const TensorValue& updates = ctx.Input(2);
  const std::vector<int64_t> values = ctx.IntegerElements(indices, "indices");
  const std::string reduction = ctx.opset() >= 16 ? ctx.StringAttr("reduction", "none") : "none";
  if (reduction != "none" && reduction != "add" && reduction != "mul" &&
      !(ctx.opset() >= 18 && (reduction == "max" || reduction == "min"))) {
    ctx.Fail("unknown reduction '" + reduction + "'");
  }
  if (updates.elem_type != data.elem_type) ctx.Fail("updates must have the type of data");
  if (indices.shape.empty() || data.shape.empty()) ctx.Fail("data and indices must have rank >= 1");
  const auto k = static_cast<size_t>(indices.shape.back());
  Shape expected = Part(indices.shape, 0, indices.shape.size() - 1);
  const Shape slice_shape = Part(data.shape, std::min(k, data.shape.size()), data.shape.size());
  expected.insert(expected.end(), slice_shape.begin(), slice_shape.end());
  if (k > data.shape.size() || updates.shape != expected) {
    ctx.Fail("updates shape " + ShapeText(updates.shape) + " does not match " + ShapeText(expected));
  }
  TensorValue out = data;
  const int64_t tuples = ElementCount(Part(indices.shape, 0, indices.shape.size() - 1)),
                slice = ElementCount(slice_shape);
  for (int64_t t = 0; t < tuples; ++t) {
    const int64_t base = TupleOffset(ctx, values.data() + t * static_cast<int64_t>(k), k, data.shape);
    for (int64_t i = 0; i < slice; ++i)
      ScatterElement(out, static_cast<size_t>(base + i), updates, static_cast<size_t>(t * slice + i), reduction);
  }
  return out;
}

TensorValue Trilu(const EvalContext& ctx) {
  ctx.CheckInputCount(1, 2);
  const TensorValue& x = ctx.Input(0);
  if (x.shape.size() < 2) ctx.Fail("input must have rank >= 2, got " + ShapeText(x.shape));
  const int64_t k = ctx.OptionalInput(1) != nullptr ? ctx.ScalarInteger(*ctx.OptionalInput(1), "k") : 0;
  const bool upper = ctx.IntAttr("upper", 1) != 0;
  const int64_t rows = x.shape[x.shape.size() - 2], columns = x.shape.back();
  TensorValue out = x;
  for (int64_t n = 0; n < x.element_count(); ++n) {
    const int64_t i = (n / columns) % rows, j = n % columns;
    const bool keep = upper ? j - i >= k : j - i <= k;
    if (keep) continue;
    if (out.is_real()) {
      out.reals[static_cast<size_t>(n)] = 0.0;
    } else {
      out.ints[static_cast<size_t>(n)] = 0;
    }
  }
  return out;
}

TensorValue OneHot(const EvalContext& ctx) {
  ctx.CheckInputCount(3, 3);
  const TensorValue& indices = ctx.Input(0);
  const TensorValue& depth_value = ctx.Input(1);
  const TensorValue& values = ctx.Input(2);
  if (depth_value.element_count() != 1) ctx.Fail("depth must hold one element");
  if (values.element_count() != 2) ctx.Fail("values must hold two elements (off, on)");
  const int64_t depth = RealToInteger(ElementAsReal(depth_value, 0), TensorProto::INT64);
  if (depth < 0) ctx.Fail("depth must not be negative, got " + std::to_string(depth));
  const auto rank = static_cast<int64_t>(indices.shape.size()) + 1;
  const auto axis = static_cast<size_t>(ctx.Axis(ctx.IntAttr("axis", -1), rank));
  Shape shape = indices.shape;
  shape.insert(shape.begin() + static_cast<int64_t>(axis), depth);
  ctx.CheckSize(shape);
  const int64_t inner = ElementCount(Part(indices.shape, axis, indices.shape.size()));
  std::vector<int64_t> pick(static_cast<size_t>(ElementCount(shape)), 0);  // 0 = off, 1 = on
  for (int64_t n = 0; n < indices.element_count(); ++n) {
    int64_t index = RealToInteger(ElementAsReal(indices, n), TensorProto::INT64);
    if (index < 0) index += depth;
    if (index < 0 || index >= depth) continue;
    const int64_t outer_position = n / std::max<int64_t>(inner, 1), inner_position = n % std::max<int64_t>(inner, 1);
    pick[static_cast<size_t>((outer_position * depth + index) * inner + inner_position)] = 1;
  }
  return TakeElements(values, shape, pick);
}

TensorValue NonZero(const EvalContext& ctx) {
  ctx.CheckInputCount(1, 1);
  const TensorValue& x = ctx.Input(0);
  const Shape shape = x.shape.empty() ? Shape{1} : x.shape;  // a scalar counts as one element of a 1-D tensor
  std::vector<int64_t> found;
  for (int64_t n = 0; n < x.element_count(); ++n) {
    if (ElementAsReal(x, n) != 0.0) found.push_back(n);
  }
  const auto count = static_cast<int64_t>(found.size());
  ctx.CheckSize({static_cast<int64_t>(shape.size()), count});
  TensorValue out = MakeValue(TensorProto::INT64, {static_cast<int64_t>(shape.size()), count});
  const std::vector<int64_t> strides = Strides(shape);
  for (size_t d = 0; d < shape.size(); ++d) {
    for (int64_t i = 0; i < count; ++i) {
      out.ints[d * static_cast<size_t>(count) + static_cast<size_t>(i)] =
          (found[static_cast<size_t>(i)] / strides[d]) % shape[d];
    }
  }
  return out;
}

}  // namespace

Values EvalIndexing(const EvalContext& ctx) {
  const std::string_view op = ctx.op();
  if (op == "Gather") return {Gather(ctx)};
  if (op == "GatherElements") return {GatherElements(ctx)};
  if (op == "GatherND") return {GatherND(ctx)};
  if (op == "ScatterND") return {ScatterND(ctx)};
  if (op == "Trilu") return {Trilu(ctx)};
  if (op == "OneHot") return {OneHot(ctx)};
  return {NonZero(ctx)};
}

}  // namespace dnnpart::eval
