// EvaluateNode's dispatch, the evaluation context (inputs and attributes)
// and the helpers the operator families share (element access, broadcasting).
#include "evaluator/evaluate.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>

#include "evaluator/eval_internal.h"

namespace dnnpart {

using onnx::TensorProto;

namespace eval {

void EvalContext::Fail(const std::string& message) const { throw Error(std::string(op()) + ": " + message); }

void EvalContext::CheckInputCount(size_t min, size_t max) const {
  if (inputs_.size() < min || inputs_.size() > max) {
    Fail("expects " + (min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max)) +
         " inputs, got " + std::to_string(inputs_.size()));
  }
}

const TensorValue& EvalContext::Input(size_t i) const {
  const TensorValue* value = OptionalInput(i);
  if (value == nullptr) Fail("input " + std::to_string(i) + " is required");
  return *value;
}

const TensorValue* EvalContext::OptionalInput(size_t i) const { return i < inputs_.size() ? inputs_[i] : nullptr; }

const onnx::AttributeProto* EvalContext::Attr(std::string_view name) const {
  for (const onnx::AttributeProto& attribute : node_.attribute()) {
    if (attribute.name() == name) return &attribute;
  }
  return nullptr;
}

int64_t EvalContext::IntAttr(std::string_view name, int64_t fallback) const {
  const onnx::AttributeProto* attribute = Attr(name);
  return attribute != nullptr ? attribute->i() : fallback;
}

double EvalContext::FloatAttr(std::string_view name, double fallback) const {
  const onnx::AttributeProto* attribute = Attr(name);
  return attribute != nullptr ? attribute->f() : fallback;
}

std::string EvalContext::StringAttr(std::string_view name, const std::string& fallback) const {
  const onnx::AttributeProto* attribute = Attr(name);
  return attribute != nullptr ? attribute->s() : fallback;
}

std::vector<int64_t> EvalContext::IntsAttr(std::string_view name) const {
  const onnx::AttributeProto* attribute = Attr(name);
  if (attribute == nullptr) return {};
  return {attribute->ints().begin(), attribute->ints().end()};
}

int64_t EvalContext::CheckSize(const Shape& shape) const {
  for (int64_t extent : shape) {
    if (extent < 0) Fail("negative dimension in output shape " + ShapeText(shape));
  }
  const std::optional<int64_t> count = CheckedElementCount(shape);
  if (!count || *count > limits_.max_elements) throw Unevaluable{};
  return *count;
}

std::vector<int64_t> EvalContext::IntegerElements(const TensorValue& value, std::string_view what) const {
  if (value.is_real() || value.elem_type == TensorProto::BOOL) {
    Fail(std::string(what) + " must be an integer tensor, got " + TypeName(value.elem_type));
  }
  return value.ints;
}

int64_t EvalContext::ScalarInteger(const TensorValue& value, std::string_view what) const {
  std::vector<int64_t> elements = IntegerElements(value, what);
  if (elements.size() != 1) Fail(std::string(what) + " must hold one element, got " + std::to_string(elements.size()));
  return elements[0];
}

int64_t EvalContext::Axis(int64_t axis, int64_t rank) const {
  if (axis < -rank || axis >= rank) {
    Fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  }
  return axis < 0 ? axis + rank : axis;
}

std::vector<int64_t> EvalContext::Axes(const std::vector<int64_t>& axes, int64_t rank) const {
  std::vector<int64_t> result;
  std::vector<char> seen(static_cast<size_t>(std::max<int64_t>(rank, 0)), 0);
  for (int64_t axis : axes) {
    const int64_t normalized = Axis(axis, rank);
    if (seen[static_cast<size_t>(normalized)] != 0) Fail("axis " + std::to_string(axis) + " is repeated");
    seen[static_cast<size_t>(normalized)] = 1;
    result.push_back(normalized);
  }
  return result;
}

std::string ShapeText(const Shape& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(shape[i]);
  }
  text += ']';
  return text;
}

std::string TypeName(int32_t elem_type) {
  if (!TensorProto::DataType_IsValid(elem_type)) return "type " + std::to_string(elem_type);
  std::string name = TensorProto::DataType_Name(static_cast<TensorProto::DataType>(elem_type));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

TensorValue MakeValue(int32_t elem_type, Shape shape) {
  TensorValue value;
  value.elem_type = elem_type;
  const auto count = static_cast<size_t>(ElementCount(shape));
  value.shape = std::move(shape);
  if (IsRealType(elem_type)) {
    value.reals.assign(count, 0.0);
  } else {
    value.ints.assign(count, 0);
  }
  return value;
}

TensorValue TakeElements(const TensorValue& source, Shape shape, const std::vector<int64_t>& index) {
  TensorValue result;
  result.elem_type = source.elem_type;
  result.shape = std::move(shape);
  if (source.is_real()) {
    result.reals.reserve(index.size());
    for (int64_t i : index) result.reals.push_back(source.reals[static_cast<size_t>(i)]);
  } else {
    result.ints.reserve(index.size());
    for (int64_t i : index) result.ints.push_back(source.ints[static_cast<size_t>(i)]);
  }
  return result;
}

double ElementAsReal(const TensorValue& value, int64_t i) {
  const auto at = static_cast<size_t>(i);
  return value.is_real() ? value.reals[at] : IntegerToReal(value.ints[at], value.elem_type);
}

std::vector<char> AxisMask(const std::vector<int64_t>& axes, size_t rank) {
  std::vector<char> mask(rank, 0);
  for (int64_t axis : axes) mask[static_cast<size_t>(axis)] = 1;
  return mask;
}

std::vector<int64_t> Strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

Shape BroadcastShapes(const EvalContext& ctx, const std::vector<Shape>& shapes) {
  size_t rank = 0;
  for (const Shape& shape : shapes) rank = std::max(rank, shape.size());
  Shape result(rank, 1);
  for (const Shape& shape : shapes) {
    const size_t offset = rank - shape.size();
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t& out = result[offset + i];
      if (shape[i] == out || shape[i] == 1) continue;
      if (out != 1) {
        std::string list;
        for (const Shape& s : shapes) {
          if (!list.empty()) list += " and ";
          list += ShapeText(s);
        }
        ctx.Fail("shapes " + list + " are not broadcastable");
      }
      out = shape[i];
    }
  }
  return result;
}

std::vector<int64_t> BroadcastIndex(const Shape& in, const Shape& out) {
  const size_t offset = out.size() - in.size();
  const std::vector<int64_t> in_strides = Strides(in);
  std::vector<int64_t> strides(out.size(), 0);  // 0 along broadcast dimensions
  for (size_t i = 0; i < in.size(); ++i) strides[offset + i] = in[i] == 1 ? 0 : in_strides[i];
  const int64_t count = ElementCount(out);
  std::vector<int64_t> index(static_cast<size_t>(count));
  std::vector<int64_t> position(out.size(), 0);
  int64_t source = 0;
  for (int64_t n = 0; n < count; ++n) {
    index[static_cast<size_t>(n)] = source;
    for (size_t d = out.size(); d-- > 0;) {  // odometer step
      source += strides[d];
      if (++position[d] < out[d]) break;
      source -= strides[d] * out[d];
      position[d] = 0;
    }
  }
  return index;
}

namespace {

using Family = Values (*)(const EvalContext&);

const std::map<std::string_view, Family>& Families() {
  static const std::map<std::string_view, Family> families = [] {
    std::map<std::string_view, Family> table;
    for (const char* op :
         {"Add",  "Sub",        "Mul", "Div", "Mod",  "Pow",   "Neg",  "Abs",         "Floor",   "Ceil",
          "Sqrt", "Reciprocal", "Min", "Max", "Sign", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual",
          "Not",  "And",        "Or",  "Xor"}) {
      table[op] = EvalElementwise;
    }
    table["Cast"] = table["CastLike"] = EvalCast;
    table["Where"] = EvalWhere;
    for (const char* op : {"ConstantOfShape", "Range", "Expand", "Tile", "Concat", "Split", "Slice", "Squeeze",
                           "Unsqueeze", "Reshape", "Flatten", "Transpose", "Identity", "Shape", "Size"}) {
      table[op] = EvalMovement;
    }
    for (const char* op : {"Gather", "GatherElements", "GatherND", "ScatterND", "Trilu", "OneHot", "NonZero"}) {
      table[op] = EvalIndexing;
    }
    for (const char* op :
         {"CumSum", "ReduceSum", "ReduceProd", "ReduceMin", "ReduceMax", "ReduceMean", "ArgMax", "ArgMin"}) {
      table[op] = EvalReduce;
    }
    table["Einsum"] = EvalEinsum;
    return table;
  }();
  return families;
}

}  // namespace
}  // namespace eval

bool CanEvaluate(std::string_view op_type) { return eval::Families().count(op_type) != 0; }

std::optional<std::vector<TensorValue>> EvaluateNode(const onnx::NodeProto& node, int64_t opset,
                                                     const std::vector<const TensorValue*>& inputs,
                                                     const EvalLimits& limits) {
  if (!node.domain().empty() && node.domain() != "ai.onnx") return std::nullopt;
  const auto family = eval::Families().find(node.op_type());
  if (family == eval::Families().end()) return std::nullopt;
  for (const TensorValue* input : inputs) {
    if (input == nullptr) continue;
    if (!IsSupportedValueType(input->elem_type) || input->element_count() > limits.max_elements) return std::nullopt;
    // A TensorValue whose storage disagrees with its shape is a bug in the caller, not bad input.
    const bool other_storage_empty = input->is_real() ? input->ints.empty() : input->reals.empty();
    if (CheckedElementCount(input->shape) != input->element_count() || !other_storage_empty) {
      throw std::logic_error("EvaluateNode: an input's storage does not match its shape and type");
    }
  }
  try {
    return family->second(eval::EvalContext(node, opset, inputs, limits));
  } catch (const eval::Unevaluable&) {
    return std::nullopt;
  }
}

}  // namespace dnnpart
