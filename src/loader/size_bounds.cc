#include "loader/size_bounds.h"

#include <algorithm>
#include <string>

namespace dnnpart {
namespace {

std::optional<int64_t> FindIntAttribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& attribute : node.attribute()) {
    if (attribute.name() == name && attribute.type() == onnx::AttributeProto::INT) return attribute.i();
  }
  return std::nullopt;
}

const Shape* InputShape(const NodeValueIds& ids, int i, const BoundReader& reader) {
  if (i >= ids.input_count || ids.inputs[i] < 0) return nullptr;
  const ValueInfo& value = reader.values[static_cast<size_t>(ids.inputs[i])];
  return value.shape ? &*value.shape : nullptr;
}

int32_t InputType(const NodeValueIds& ids, int i, const BoundReader& reader) {
  return i < ids.input_count && ids.inputs[i] >= 0 ? reader.values[static_cast<size_t>(ids.inputs[i])].elem_type : 0;
}

// A Loop's scan output stacks one body output per iteration: with a known
// trip count its first extent is that count, or at most that count when a
// condition may end the loop early. The other extents come from ONNX's
// inference of the body.
std::optional<SizeBound> LoopScanBound(const NodeValueIds& ids, int output, const BoundReader& reader) {
  const int carried = ids.input_count - 2;
  if (ids.input_count < 2 || output < carried || ids.inputs[0] < 0) return std::nullopt;
  const TensorValue* trips = reader.known_value(ids.inputs[0]);
  const onnx::TypeProto* type = reader.inferred_type(ids.outputs[output]);
  if (trips == nullptr || trips->is_real() || trips->ints.size() != 1 || trips->ints[0] < 0 || type == nullptr ||
      !type->has_tensor_type() || !type->tensor_type().has_shape() || type->tensor_type().shape().dim_size() == 0) {
    return std::nullopt;
  }
  SizeBound bound{{trips->ints[0]}, ids.inputs[1] >= 0, type->tensor_type().elem_type()};
  const auto& dims = type->tensor_type().shape().dim();
  for (int d = 1; d < dims.size(); ++d) {
    if (!dims[d].has_dim_value() || dims[d].dim_value() < 0) return std::nullopt;
    bound.shape.push_back(dims[d].dim_value());
  }
  return bound;
}

// An If whose condition stays unknown gives, on each axis, the larger of its
// branches' extents when both branches declare static outputs of one rank.
std::optional<Shape> IfBound(const onnx::NodeProto& node, int output) {
  std::optional<Shape> bound;
  int branches = 0;
  for (const auto& attribute : node.attribute()) {
    if ((attribute.name() != "then_branch" && attribute.name() != "else_branch") || !attribute.has_g()) continue;
    if (output >= attribute.g().output_size()) return std::nullopt;
    std::optional<Shape> shape = StaticShape(attribute.g().output(output).type());
    if (!shape || (bound && bound->size() != shape->size())) return std::nullopt;
    if (!bound) {
      bound = std::move(shape);
    } else {
      for (size_t d = 0; d < shape->size(); ++d) (*bound)[d] = std::max((*bound)[d], (*shape)[d]);
    }
    ++branches;
  }
  return branches == 2 ? bound : std::nullopt;
}

// NonMaxSuppression keeps at most max_output_boxes_per_class boxes of each
// batch and class (0 when that input is absent, as ONNX says), and never more
// than there are boxes.
std::optional<Shape> NmsBound(const NodeValueIds& ids, const BoundReader& reader) {
  const Shape* boxes = InputShape(ids, 0, reader);
  const Shape* scores = InputShape(ids, 1, reader);
  if (boxes == nullptr || scores == nullptr || boxes->size() != 3 || scores->size() != 3) return std::nullopt;
  int64_t per_class = 0;
  if (ids.input_count > 2 && ids.inputs[2] >= 0) {
    const TensorValue* max_boxes = reader.known_value(ids.inputs[2]);
    per_class = (*boxes)[1];
    if (max_boxes != nullptr && !max_boxes->is_real() && max_boxes->ints.size() == 1) {
      per_class = std::clamp<int64_t>(max_boxes->ints[0], 0, (*boxes)[1]);
    }
  }
  int64_t selected = 0;
  if (__builtin_mul_overflow((*scores)[0], (*scores)[1], &selected) ||
      __builtin_mul_overflow(selected, per_class, &selected)) {
    return std::nullopt;
  }
  return Shape{selected, 3};
}

// Compress and Unique: along `axis` at most its extent (Unique's index
// outputs are 1-D); without an axis, the input's element count.
std::optional<Shape> SelectionBound(const onnx::NodeProto& node, const Shape& x, int output) {
  if (std::optional<int64_t> axis = FindIntAttribute(node, "axis")) {
    const int64_t a = *axis < 0 ? *axis + static_cast<int64_t>(x.size()) : *axis;
    if (a < 0 || a >= static_cast<int64_t>(x.size())) return std::nullopt;
    return output == 0 ? x : Shape{x[static_cast<size_t>(a)]};
  }
  const std::optional<int64_t> elements = CheckedElementCount(x);
  if (!elements) return std::nullopt;
  return Shape{*elements};
}

std::optional<Shape> ShapeBound(const onnx::NodeProto& node, const NodeValueIds& ids, int output,
                                const BoundReader& reader) {
  const std::string& op = node.op_type();
  if (op == "If") return IfBound(node, output);
  if (op == "NonMaxSuppression") return NmsBound(ids, reader);
  const Shape* x = InputShape(ids, 0, reader);
  if (x == nullptr) return std::nullopt;
  if (op == "NonZero") {
    const std::optional<int64_t> elements = CheckedElementCount(*x);
    if (!elements) return std::nullopt;
    return Shape{static_cast<int64_t>(x->size()), *elements};
  }
  if (op == "TopK" || op == "Slice") return *x;  // k or bounds unknown: at most the input
  if (op == "Compress" || op == "Unique") return SelectionBound(node, *x, output);
  return std::nullopt;
}

}  // namespace

std::optional<SizeBound> DataDependentBound(const onnx::NodeProto& node, const NodeValueIds& ids, int output,
                                            const BoundReader& reader) {
  if (!node.domain().empty() && node.domain() != "ai.onnx") return std::nullopt;
  if (node.op_type() == "Loop") return LoopScanBound(ids, output, reader);
  std::optional<Shape> shape = ShapeBound(node, ids, output, reader);
  if (!shape) return std::nullopt;
  const std::string& op = node.op_type();
  const bool indices = op == "NonZero" || op == "NonMaxSuppression" || (op == "TopK" && output == 1) ||
                       (op == "Unique" && output > 0);
  const int32_t type = indices ? onnx::TensorProto::INT64 : op == "If" ? 0 : InputType(ids, 0, reader);
  return SizeBound{std::move(*shape), true, type};
}

}  // namespace dnnpart
