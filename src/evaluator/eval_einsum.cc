// Einsum, evaluated directly from its definition: every combination of the
// labels' positions contributes the product of the inputs' elements to the
// output element its output labels select. Supports explicit and implicit
// outputs, repeated labels (diagonals) and ellipsis with numpy broadcasting.
#include <algorithm>
#include <array>

#include "evaluator/eval_internal.h"

namespace dnnpart::eval {

namespace {

// Label ids: 'A'-'Z' are 0-25 and 'a'-'z' 26-51 (so id order is ASCII
// order, which the implicit output uses); ellipsis dimension j is 52 + j.
constexpr int kEllipsisLabel = 52;
// Bounds the work: output elements times reduced combinations, and the
// number of distinct labels (letters plus ellipsis dimensions).
constexpr int64_t kMaxEinsumProducts = int64_t{1} << 24;
constexpr size_t kMaxEinsumLabels = 128;

struct Term {
  std::vector<int> letters_before, letters_after;  // around "...", if any
  bool has_ellipsis = false;
};

Term ParseTerm(const EvalContext& ctx, std::string_view text) {
  Term term;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (term.has_ellipsis || text.substr(i, 3) != "...") ctx.Fail("malformed ellipsis in equation");
      term.has_ellipsis = true;
      i += 2;
    } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
      (term.has_ellipsis ? term.letters_after : term.letters_before).push_back(c <= 'Z' ? c - 'A' : c - 'a' + 26);
    } else {
      ctx.Fail(std::string("invalid character '") + c + "' in equation");
    }
  }
  return term;
}

// The term's label per dimension, given the ellipsis' rank `ellipsis_rank` of
// the whole equation; an input's ellipsis aligns to the right.
std::vector<int> Labels(const Term& term, size_t ellipsis_dims, size_t ellipsis_rank) {
  std::vector<int> labels = term.letters_before;
  for (size_t j = ellipsis_rank - ellipsis_dims; j < ellipsis_rank; ++j)
    labels.push_back(kEllipsisLabel + static_cast<int>(j));
  labels.insert(labels.end(), term.letters_after.begin(), term.letters_after.end());
  return labels;
}

struct Equation {
  std::vector<std::vector<int>> inputs;  // labels per input dimension
  std::vector<int> output;
};

Equation ParseEquation(const EvalContext& ctx) {
  std::string text;
  for (char c : ctx.StringAttr("equation", "")) {
    if (c != ' ') text += c;
  }
  const size_t arrow = text.find("->");
  const std::string left = text.substr(0, arrow);
  std::vector<Term> terms;
  for (size_t begin = 0;;) {
    const size_t comma = left.find(',', begin);
    terms.push_back(ParseTerm(
        ctx, std::string_view(left).substr(begin, comma == std::string::npos ? std::string::npos : comma - begin)));
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  if (terms.size() != ctx.input_count())
    ctx.Fail("equation has " + std::to_string(terms.size()) + " inputs, node has " + std::to_string(ctx.input_count()));
  Equation equation;
  size_t ellipsis_rank = 0;
  std::vector<size_t> ellipsis_dims(terms.size(), 0);
  for (size_t i = 0; i < terms.size(); ++i) {
    const size_t letters = terms[i].letters_before.size() + terms[i].letters_after.size();
    const size_t rank = ctx.Input(i).shape.size();
    if (rank < letters || (!terms[i].has_ellipsis && rank != letters))
      ctx.Fail("term " + std::to_string(i) + " does not match its input's rank " + std::to_string(rank));
    ellipsis_dims[i] = rank - letters;
    ellipsis_rank = std::max(ellipsis_rank, ellipsis_dims[i]);
  }
  std::array<int, kEllipsisLabel> uses{};
  for (size_t i = 0; i < terms.size(); ++i) {
    equation.inputs.push_back(Labels(terms[i], ellipsis_dims[i], ellipsis_rank));
    for (int label : equation.inputs.back()) {
      if (label < kEllipsisLabel) ++uses[static_cast<size_t>(label)];
    }
  }
  if (arrow != std::string::npos) {
    const Term output = ParseTerm(ctx, std::string_view(text).substr(arrow + 2));
    equation.output = Labels(output, output.has_ellipsis ? ellipsis_rank : 0, ellipsis_rank);
    for (int label : equation.output) {
      if (label < kEllipsisLabel && uses[static_cast<size_t>(label)] == 0) ctx.Fail("output label is not in any input");
      if (std::count(equation.output.begin(), equation.output.end(), label) > 1) ctx.Fail("output label is repeated");
    }
    if (!output.has_ellipsis && ellipsis_rank > 0) ctx.Fail("output must contain '...' when the inputs do");
  } else {
    equation.output = Labels(Term{}, ellipsis_rank, ellipsis_rank);
    for (int label = 0; label < kEllipsisLabel; ++label) {
      if (uses[static_cast<size_t>(label)] == 1) equation.output.push_back(label);
    }
  }
  return equation;
}

// Each label's extent; an ellipsis extent of 1 broadcasts.
std::vector<int64_t> LabelExtents(const EvalContext& ctx, const Equation& equation) {
  int max_label = kEllipsisLabel;
  for (const std::vector<int>& labels : equation.inputs) {
    for (int label : labels) max_label = std::max(max_label, label);
  }
  std::vector<int64_t> extents(static_cast<size_t>(max_label) + 1, -1);
  for (size_t i = 0; i < equation.inputs.size(); ++i) {
    const Shape& shape = ctx.Input(i).shape;
    for (size_t d = 0; d < shape.size(); ++d) {
      int64_t& extent = extents[static_cast<size_t>(equation.inputs[i][d])];
      const bool broadcasts = equation.inputs[i][d] >= kEllipsisLabel && (extent == 1 || shape[d] == 1);
      if (extent < 0 || (broadcasts && extent == 1)) {
        extent = shape[d];
      } else if (extent != shape[d] && !broadcasts) {
        ctx.Fail("extents " + std::to_string(extent) + " and " + std::to_string(shape[d]) + " of one label differ");
      }
    }
  }
  return extents;
}

}  // namespace

Values EvalEinsum(const EvalContext& ctx) {
  if (ctx.input_count() == 0) ctx.Fail("expects at least one input");
  const int32_t type = ctx.Input(0).elem_type;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    if (ctx.Input(i).elem_type != type) ctx.Fail("inputs have different types");
  }
  if (type == onnx::TensorProto::BOOL) throw Unevaluable{};
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    if (ctx.Input(i).shape.size() > kMaxEinsumLabels) throw Unevaluable{};
  }
  const Equation equation = ParseEquation(ctx);
  const std::vector<int64_t> extents = LabelExtents(ctx, equation);
  // The loop order: output labels, then the reduced ones.
  std::vector<int> loop = equation.output;
  for (const std::vector<int>& labels : equation.inputs) {
    for (int label : labels) {
      if (std::find(loop.begin(), loop.end(), label) == loop.end()) loop.push_back(label);
    }
  }
  Shape out_shape, loop_shape;
  for (int label : equation.output) out_shape.push_back(extents[static_cast<size_t>(label)]);
  for (int label : loop) loop_shape.push_back(extents[static_cast<size_t>(label)]);
  ctx.CheckSize(out_shape);
  const std::optional<int64_t> products = CheckedElementCount(loop_shape);
  if (!products || *products > kMaxEinsumProducts) throw Unevaluable{};
  // strides[i][l]: how far input i moves when loop label l advances.
  std::vector<std::vector<int64_t>> strides(equation.inputs.size(), std::vector<int64_t>(loop.size(), 0));
  for (size_t i = 0; i < equation.inputs.size(); ++i) {
    const Shape& shape = ctx.Input(i).shape;
    const std::vector<int64_t> input_strides = Strides(shape);
    for (size_t d = 0; d < shape.size(); ++d) {
      const auto l = static_cast<size_t>(std::find(loop.begin(), loop.end(), equation.inputs[i][d]) - loop.begin());
      if (shape[d] != 1 || loop_shape[l] == 1) strides[i][l] += input_strides[d];
    }
  }
  TensorValue out = MakeValue(type, out_shape);
  const int64_t reduced = out.element_count() == 0 ? 0 : *products / out.element_count();
  std::vector<int64_t> position(loop.size(), 0), offset(equation.inputs.size(), 0);
  for (int64_t n = 0; n < *products; ++n) {
    double real_product = 1.0;
    uint64_t int_product = 1;
    for (size_t i = 0; i < offset.size(); ++i) {
      const TensorValue& x = ctx.Input(i);
      const auto at = static_cast<size_t>(offset[i]);
      if (x.is_real()) {
        real_product *= x.reals[at];
      } else {
        int_product *= static_cast<uint64_t>(x.ints[at]);
      }
    }
    const auto target = static_cast<size_t>(n / reduced);
    if (out.is_real()) {
      out.reals[target] += real_product;
    } else {
      out.ints[target] = static_cast<int64_t>(static_cast<uint64_t>(out.ints[target]) + int_product);
    }
    for (size_t l = loop.size(); l-- > 0;) {  // odometer step
      for (size_t i = 0; i < offset.size(); ++i) offset[i] += strides[i][l];
      if (++position[l] < loop_shape[l]) break;
      for (size_t i = 0; i < offset.size(); ++i) offset[i] -= strides[i][l] * loop_shape[l];
      position[l] = 0;
    }
  }
  for (double& v : out.reals) v = RoundReal(v, type);
  for (int64_t& v : out.ints) v = WrapInteger(static_cast<uint64_t>(v), type);
  return {out};
}

}  // namespace dnnpart::eval
