// dnnpart's own shape rules for operators whose output shape comes from a
// known input value (Resize, Upsample, Tile, TopK, Range) or from an
// equation (Einsum). ONNX's inference functions do the same when the model's
// opset is one the library knows; these rules serve newer opsets and fill
// what ONNX leaves open.
#include <cmath>
#include <map>
#include <set>

#include "loader/shape_rule_context.h"

namespace dnnpart::shape_rules {
namespace {

// Resize (opset 10+: X, roi, scales, sizes; opset 10: X, scales) and
// Upsample (opset 7-8: scales attribute; 9: scales input). Output extents
// are floor(in * scale), or the given sizes; `axes` (opset 18) selects the
// axes that scales or sizes cover.
bool ResizeShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  if (x == nullptr) return false;
  const bool upsample = c.node.op_type() == "Upsample";
  const bool old_resize = !upsample && c.opset < 11;
  const size_t scales_at = upsample || old_resize ? 1 : 2;
  Ints axes = IntsAttr(c.node, "axes").value_or(Ints{});
  if (axes.empty()) {
    for (size_t i = 0; i < x->size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  for (int64_t& axis : axes) {
    axis = CheckedAxis(axis, x->size());
    if (axis < 0) return false;
  }
  Shape out = *x;
  const TensorValue* sizes = upsample || old_resize ? nullptr : c.InValue(3);
  if (sizes != nullptr && sizes->element_count() > 0) {
    if (sizes->is_real() || sizes->ints.size() != axes.size()) return false;
    for (size_t i = 0; i < axes.size(); ++i) out[static_cast<size_t>(axes[i])] = sizes->ints[i];
    // keep_aspect_ratio_policy (opset 18) changes sizes; leave that to ONNX.
    if (StringAttr(c.node, "keep_aspect_ratio_policy", "stretch") != "stretch") return false;
    return c.Set(0, c.InType(0), out);
  }
  std::vector<double> scales;
  if (upsample && c.opset < 9) {
    const auto* attribute = FindAttribute(c.node, "scales");
    if (attribute == nullptr) return false;
    scales.assign(attribute->floats().begin(), attribute->floats().end());
  } else if (const TensorValue* value = c.InValue(scales_at); value != nullptr && value->is_real()) {
    scales = value->reals;
  } else {
    return false;
  }
  if (scales.size() != axes.size()) return false;
  for (size_t i = 0; i < axes.size(); ++i) {
    const double extent = std::floor(static_cast<double>((*x)[static_cast<size_t>(axes[i])]) * scales[i]);
    if (!(extent >= 0) || extent > 9.0e15) return false;
    out[static_cast<size_t>(axes[i])] = static_cast<int64_t>(extent);
  }
  return c.Set(0, c.InType(0), out);
}

bool TileShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  const Ints* repeats = c.InInts(1);
  if (x == nullptr || repeats == nullptr || repeats->size() != x->size()) return false;
  Shape out = *x;
  for (size_t i = 0; i < out.size(); ++i) {
    if ((*repeats)[i] < 0 || __builtin_mul_overflow(out[i], (*repeats)[i], &out[i])) return false;
  }
  return c.Set(0, c.InType(0), out);
}

// TopK with a known k: the input's shape with k along `axis`.
bool TopKShape(const NodeContext& c) {
  const Shape* x = c.InShape(0);
  std::optional<int64_t> k;
  if (c.opset >= 10) {
    if (const Ints* kv = c.InInts(1); kv != nullptr && kv->size() == 1) k = kv->front();
  } else if (FindAttribute(c.node, "k") != nullptr) {
    k = IntAttr(c.node, "k", 0);
  }
  if (x == nullptr || !k) return false;
  const int64_t axis = CheckedAxis(IntAttr(c.node, "axis", -1), x->size());
  if (axis < 0 || *k < 0 || *k > (*x)[static_cast<size_t>(axis)]) return false;
  Shape out = *x;
  out[static_cast<size_t>(axis)] = *k;
  bool changed = c.Set(0, c.InType(0), out);
  changed |= c.Set(1, onnx::TensorProto::INT64, out);
  return changed;
}

// Range: max(ceil((limit - start) / delta), 0) elements.
bool RangeShape(const NodeContext& c) {
  const TensorValue* values[3] = {c.InValue(0), c.InValue(1), c.InValue(2)};
  double v[3];
  for (int i = 0; i < 3; ++i) {
    if (values[i] == nullptr || values[i]->element_count() != 1) return false;
    v[i] = values[i]->is_real() ? values[i]->reals[0] : static_cast<double>(values[i]->ints[0]);
  }
  if (v[2] == 0) return false;
  const double count = std::max(std::ceil((v[1] - v[0]) / v[2]), 0.0);
  if (!(count <= 9.0e15)) return false;
  return c.Set(0, c.InType(0), {static_cast<int64_t>(count)});
}

// Einsum: the output lists its letters (explicit "->"), or, implicitly, the
// letters used once in alphabetical order; "..." stands for the broadcast
// leading dimensions.
bool EinsumShape(const NodeContext& c) {
  const auto* attribute = FindAttribute(c.node, "equation");
  if (attribute == nullptr) return false;
  std::string equation;
  for (char ch : attribute->s()) {
    if (ch != ' ') equation.push_back(ch);
  }
  const size_t arrow = equation.find("->");
  const std::string lhs = equation.substr(0, arrow);
  std::vector<std::string> terms;
  for (size_t start = 0;;) {
    const size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (static_cast<int>(terms.size()) != c.InputCount()) return false;
  std::map<char, int64_t> extent;
  std::map<char, int> uses;
  std::vector<Shape> ellipses;
  for (size_t t = 0; t < terms.size(); ++t) {
    const Shape* shape = c.InShape(t);
    if (shape == nullptr) return false;
    std::string term = terms[t];
    const size_t dots = term.find("...");
    const size_t letters = term.size() - (dots == std::string::npos ? 0 : 3);
    if (letters > shape->size() || (dots == std::string::npos && letters != shape->size())) return false;
    const size_t ellipsis_rank = shape->size() - letters;
    size_t axis = 0;
    for (size_t i = 0; i < term.size(); ++i) {
      if (i == dots) {
        ellipses.emplace_back(shape->begin() + static_cast<std::ptrdiff_t>(axis),
                              shape->begin() + static_cast<std::ptrdiff_t>(axis + ellipsis_rank));
        axis += ellipsis_rank;
        i += 2;
        continue;
      }
      const char letter = term[i];
      if (!std::isalpha(static_cast<unsigned char>(letter))) return false;
      const int64_t dim = (*shape)[axis++];
      auto [it, added] = extent.emplace(letter, dim);
      if (!added && it->second != dim) {
        if (it->second == 1) it->second = dim;
        else if (dim != 1) return false;
      }
      ++uses[letter];
    }
  }
  const std::optional<Shape> broadcast = Broadcast(ellipses);
  if (!broadcast) return false;
  std::string output;
  if (arrow != std::string::npos) {
    output = equation.substr(arrow + 2);
  } else {
    output = ellipses.empty() ? "" : "...";
    for (const auto& [letter, count] : uses) {
      if (count == 1) output.push_back(letter);
    }
  }
  Shape out;
  for (size_t i = 0; i < output.size(); ++i) {
    if (output.compare(i, 3, "...") == 0) {
      out.insert(out.end(), broadcast->begin(), broadcast->end());
      i += 2;
      continue;
    }
    auto it = extent.find(output[i]);
    if (it == extent.end()) return false;
    out.push_back(it->second);
  }
  return c.Set(0, c.InType(0), out);
}

}  // namespace

void AddValueRules(std::map<std::string, Rule>& rules) {
  rules["Resize"] = ResizeShape;
  rules["Upsample"] = ResizeShape;
  rules["Tile"] = TileShape;
  rules["TopK"] = TopKShape;
  rules["Range"] = RangeShape;
  rules["Einsum"] = EinsumShape;
}

}  // namespace dnnpart::shape_rules
