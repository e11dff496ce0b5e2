// Private: what dnnpart's own shape rules (shape_propagation.h) share: the
// view of one node they read and write, and attribute and axis helpers.
// Rules are split by family over several files; Rules() in
// shape_propagation.cc gathers them. Not thread-safe (a context writes into
// the caller's values).
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "evaluator/tensor_value.h"
#include "loader/shape_propagation.h"

namespace dnnpart::shape_rules {

using Ints = std::vector<int64_t>;

inline const onnx::AttributeProto* FindAttribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& attribute : node.attribute()) {
    if (attribute.name() == name) return &attribute;
  }
  return nullptr;
}

inline int64_t IntAttr(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  const auto* attribute = FindAttribute(node, name);
  return attribute != nullptr ? attribute->i() : fallback;
}

inline std::optional<Ints> IntsAttr(const onnx::NodeProto& node, const std::string& name) {
  const auto* attribute = FindAttribute(node, name);
  if (attribute == nullptr) return std::nullopt;
  return Ints(attribute->ints().begin(), attribute->ints().end());
}

inline std::string StringAttr(const onnx::NodeProto& node, const std::string& name, const std::string& fallback) {
  const auto* attribute = FindAttribute(node, name);
  return attribute != nullptr ? attribute->s() : fallback;
}

inline int64_t NormalizeAxis(int64_t axis, size_t rank) { return axis < 0 ? axis + static_cast<int64_t>(rank) : axis; }

// An axis of a tensor of this rank after normalisation, or -1 when out of range.
inline int64_t CheckedAxis(int64_t axis, size_t rank) {
  const int64_t normal = NormalizeAxis(axis, rank);
  return normal >= 0 && normal < static_cast<int64_t>(rank) ? normal : -1;
}

inline bool AllPositive(const std::vector<int64_t>& values) {
  return std::all_of(values.begin(), values.end(), [](int64_t v) { return v > 0; });
}

// Shapes broadcast numpy-style; nullopt when they do not.
inline std::optional<Shape> Broadcast(const std::vector<Shape>& shapes) {
  size_t rank = 0;
  for (const auto& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (const auto& s : shapes) {
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& dim = out[rank - s.size() + i];
      if (s[i] == dim || s[i] == 1) continue;
      if (dim != 1) return std::nullopt;
      dim = s[i];
    }
  }
  return out;
}

// Everything one node needs to compute its outputs.
struct NodeContext {
  const onnx::NodeProto& node;
  const NodeValueIds& ids;
  int64_t opset;
  std::vector<ValueInfo>& values;

  int InputCount() const { return ids.input_count; }
  const ValueInfo* In(size_t i) const {
    if (static_cast<int>(i) >= ids.input_count || ids.inputs[i] < 0) return nullptr;
    return &values[static_cast<size_t>(ids.inputs[i])];
  }
  const Shape* InShape(size_t i) const {
    const ValueInfo* v = In(i);
    return v != nullptr && v->shape ? &*v->shape : nullptr;
  }
  const Ints* InInts(size_t i) const {
    const ValueInfo* v = In(i);
    return v != nullptr && v->ints ? &*v->ints : nullptr;
  }
  // The whole value of input i when known at load time.
  const TensorValue* InValue(size_t i) const {
    const ValueInfo* v = In(i);
    return v != nullptr && v->value ? v->value.get() : nullptr;
  }
  int32_t InType(size_t i) const {
    const ValueInfo* v = In(i);
    return v != nullptr ? v->elem_type : 0;
  }
  // Sets output i unless it is already known; returns true when something changed.
  bool Set(size_t i, int32_t elem_type, Shape shape, std::optional<Ints> ints = std::nullopt) const {
    if (static_cast<int>(i) >= ids.output_count || ids.outputs[i] < 0) return false;
    if (std::any_of(shape.begin(), shape.end(), [](int64_t extent) { return extent < 0; })) return false;
    ValueInfo& out = values[static_cast<size_t>(ids.outputs[i])];
    bool changed = false;
    if (!out.shape) out.shape = std::move(shape), changed = true;
    if (out.elem_type == 0 && elem_type != 0) out.elem_type = elem_type, changed = true;
    if (!out.ints && ints) out.ints = std::move(ints), changed = true;
    return changed;
  }
};

using Rule = std::function<bool(const NodeContext&)>;

// Adds the rules whose output shapes come from known input values or
// equations: Resize, Upsample, Tile, TopK, Range, Einsum.
void AddValueRules(std::map<std::string, Rule>& rules);

}  // namespace dnnpart::shape_rules
