// Elementwise operators: arithmetic, comparison, logic, Where, Cast and
// CastLike, with numpy broadcasting. Integers wrap in their type's width;
// reals are computed in double and rounded to their type after every op.
#include <cmath>
#include <limits>
#include <map>

#include "evaluator/eval_internal.h"

namespace dnnpart::eval {

using onnx::TensorProto;

namespace {

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

struct Broadcast2 {
  Shape shape;
  std::vector<int64_t> a, b;
};

Broadcast2 BroadcastPair(const EvalContext& ctx, const TensorValue& a, const TensorValue& b) {
  Broadcast2 result;
  result.shape = BroadcastShapes(ctx, {a.shape, b.shape});
  ctx.CheckSize(result.shape);
  result.a = BroadcastIndex(a.shape, result.shape);
  result.b = BroadcastIndex(b.shape, result.shape);
  return result;
}

void RequireSameType(const EvalContext& ctx, const TensorValue& a, const TensorValue& b) {
  if (a.elem_type != b.elem_type) {
    ctx.Fail("input types differ (" + TypeName(a.elem_type) + " and " + TypeName(b.elem_type) + ")");
  }
}

void RequireReal(const EvalContext& ctx, const TensorValue& x) {
  if (!x.is_real()) ctx.Fail("expects a floating-point input, got " + TypeName(x.elem_type));
}

void RequireBool(const EvalContext& ctx, const TensorValue& x) {
  if (x.elem_type != TensorProto::BOOL) ctx.Fail("expects a bool input, got " + TypeName(x.elem_type));
}

// Applies int_fn(a, b) or real_fn(a, b) to broadcast element pairs; the result
// has a's type.
template <class IntFn, class RealFn>
TensorValue Arithmetic(const EvalContext& ctx, const TensorValue& a, const TensorValue& b, IntFn int_fn,
                       RealFn real_fn) {
  RequireSameType(ctx, a, b);
  const Broadcast2 pair = BroadcastPair(ctx, a, b);
  TensorValue out = MakeValue(a.elem_type, pair.shape);
  for (size_t i = 0; i < pair.a.size(); ++i) {
    const auto ia = static_cast<size_t>(pair.a[i]), ib = static_cast<size_t>(pair.b[i]);
    if (a.is_real()) {
      out.reals[i] = RoundReal(real_fn(a.reals[ia], b.reals[ib]), a.elem_type);
    } else {
      out.ints[i] = int_fn(a.ints[ia], b.ints[ib]);
    }
  }
  return out;
}

// -1, 0 or 1 comparing two integer elements of `type` (uint64 compares unsigned).
int CompareIntegers(int64_t a, int64_t b, int32_t type) {
  if (IsUnsigned64(type)) {
    const auto ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
    return ua < ub ? -1 : (ua > ub ? 1 : 0);
  }
  return a < b ? -1 : (a > b ? 1 : 0);
}

// A bool tensor: pred(ordering) for integers, real_pred(a, b) for reals.
template <class Pred, class RealPred>
TensorValue Comparison(const EvalContext& ctx, const TensorValue& a, const TensorValue& b, Pred pred,
                       RealPred real_pred) {
  RequireSameType(ctx, a, b);
  const Broadcast2 pair = BroadcastPair(ctx, a, b);
  TensorValue out = MakeValue(TensorProto::BOOL, pair.shape);
  for (size_t i = 0; i < pair.a.size(); ++i) {
    const auto ia = static_cast<size_t>(pair.a[i]), ib = static_cast<size_t>(pair.b[i]);
    const bool result =
        a.is_real() ? real_pred(a.reals[ia], b.reals[ib]) : pred(CompareIntegers(a.ints[ia], b.ints[ib], a.elem_type));
    out.ints[i] = result ? 1 : 0;
  }
  return out;
}

int64_t IntegerDivide(const EvalContext& ctx, int64_t a, int64_t b, int32_t type) {
  if (b == 0) ctx.Fail("integer division by zero");
  if (IsUnsigned64(type)) return static_cast<int64_t>(static_cast<uint64_t>(a) / static_cast<uint64_t>(b));
  if (a == kInt64Min && b == -1) return kInt64Min;  // wraps, as two's complement does
  return WrapInteger(static_cast<uint64_t>(a / b), type);
}

int64_t IntegerModulo(const EvalContext& ctx, int64_t a, int64_t b, int32_t type, bool fmod) {
  if (b == 0) ctx.Fail("integer modulo by zero");
  if (IsUnsigned64(type)) return static_cast<int64_t>(static_cast<uint64_t>(a) % static_cast<uint64_t>(b));
  int64_t remainder = b == -1 ? 0 : a % b;                                      // C's sign: the dividend's
  if (!fmod && remainder != 0 && ((remainder < 0) != (b < 0))) remainder += b;  // Python's: the divisor's
  return remainder;
}

// base^exponent in the base's integer type, wrapping; a negative exponent
// truncates 1/base^n toward zero.
int64_t IntegerPower(const EvalContext& ctx, int64_t base, int64_t exponent, bool exponent_negative, int32_t type) {
  if (exponent_negative) {
    if (base == 0) ctx.Fail("0 cannot be raised to a negative integer power");
    if (base == 1) return 1;
    if (base == -1 && !IsUnsignedInteger(type)) return (exponent & 1) != 0 ? -1 : 1;
    return 0;
  }
  uint64_t result = 1, factor = static_cast<uint64_t>(base), rest = static_cast<uint64_t>(exponent);
  for (; rest != 0; rest >>= 1, factor *= factor) {
    if ((rest & 1) != 0) result *= factor;
  }
  return WrapInteger(result, type);
}

TensorValue Power(const EvalContext& ctx, const TensorValue& a, const TensorValue& b) {
  const Broadcast2 pair = BroadcastPair(ctx, a, b);
  TensorValue out = MakeValue(a.elem_type, pair.shape);
  for (size_t i = 0; i < pair.a.size(); ++i) {
    const int64_t ia = pair.a[i], ib = pair.b[i];
    if (a.is_real()) {
      out.reals[i] = RoundReal(std::pow(a.reals[static_cast<size_t>(ia)], ElementAsReal(b, ib)), a.elem_type);
    } else if (b.is_real()) {
      out.ints[i] = RealToInteger(std::pow(ElementAsReal(a, ia), b.reals[static_cast<size_t>(ib)]), a.elem_type);
    } else {
      const int64_t exponent = b.ints[static_cast<size_t>(ib)];
      const bool negative = exponent < 0 && !IsUnsigned64(b.elem_type);
      out.ints[i] = IntegerPower(ctx, a.ints[static_cast<size_t>(ia)], exponent, negative, a.elem_type);
    }
  }
  return out;
}

TensorValue MinMax(const EvalContext& ctx, const TensorValue& a, const TensorValue& b, bool is_max) {
  const int32_t type = a.elem_type;
  return Arithmetic(
      ctx, a, b, [&](int64_t x, int64_t y) { return (CompareIntegers(x, y, type) < 0) == is_max ? y : x; },
      [&](double x, double y) {
        if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
        return is_max ? std::max(x, y) : std::min(x, y);
      });
}

TensorValue Variadic(const EvalContext& ctx) {
  if (ctx.input_count() == 0) ctx.Fail("expects at least one input");
  TensorValue result = ctx.Input(0);
  for (size_t i = 1; i < ctx.input_count(); ++i) result = MinMax(ctx, result, ctx.Input(i), ctx.op() == "Max");
  return result;
}

TensorValue BinaryArithmetic(const EvalContext& ctx, std::string_view op, const TensorValue& a, const TensorValue& b) {
  const int32_t t = a.elem_type;
  auto u = [](int64_t v) { return static_cast<uint64_t>(v); };  // wrapping arithmetic on the bit pattern
  auto add = [&](int64_t x, int64_t y) { return WrapInteger(u(x) + u(y), t); };
  auto subtract = [&](int64_t x, int64_t y) { return WrapInteger(u(x) - u(y), t); };
  auto multiply = [&](int64_t x, int64_t y) { return WrapInteger(u(x) * u(y), t); };
  auto divide = [&](int64_t x, int64_t y) { return IntegerDivide(ctx, x, y, t); };
  if (op == "Add") return Arithmetic(ctx, a, b, add, std::plus<double>());
  if (op == "Sub") return Arithmetic(ctx, a, b, subtract, std::minus<double>());
  if (op == "Mul") return Arithmetic(ctx, a, b, multiply, std::multiplies<double>());
  if (op == "Div") return Arithmetic(ctx, a, b, divide, std::divides<double>());
  if (op == "Pow") return Power(ctx, a, b);
  // Mod
  const bool fmod = ctx.IntAttr("fmod", 0) != 0;
  if (a.is_real() && !fmod) ctx.Fail("fmod must be 1 for floating-point inputs");
  auto modulo = [&](int64_t x, int64_t y) { return IntegerModulo(ctx, x, y, t, fmod); };
  return Arithmetic(ctx, a, b, modulo, [](double x, double y) { return std::fmod(x, y); });
}

TensorValue Compare(const EvalContext& ctx, std::string_view op, const TensorValue& a, const TensorValue& b) {
  // Integers compare through their ordering (-1, 0, 1); reals directly, so NaN compares false.
  auto equal = [](int c) { return c == 0; };
  auto less = [](int c) { return c < 0; };
  auto less_equal = [](int c) { return c <= 0; };
  auto greater = [](int c) { return c > 0; };
  auto greater_equal = [](int c) { return c >= 0; };
  if (op == "Equal") return Comparison(ctx, a, b, equal, std::equal_to<double>());
  if (op == "Less") return Comparison(ctx, a, b, less, std::less<double>());
  if (op == "LessOrEqual") return Comparison(ctx, a, b, less_equal, std::less_equal<double>());
  if (op == "Greater") return Comparison(ctx, a, b, greater, std::greater<double>());
  return Comparison(ctx, a, b, greater_equal, std::greater_equal<double>());
}

TensorValue Logic(const EvalContext& ctx, std::string_view op, const TensorValue& a, const TensorValue& b) {
  RequireBool(ctx, a);
  RequireBool(ctx, b);
  auto unused = [](double, double) { return 0.0; };  // bool tensors have no reals
  auto both = [](int64_t x, int64_t y) -> int64_t { return x & y; };
  auto either = [](int64_t x, int64_t y) -> int64_t { return x | y; };
  auto exactly_one = [](int64_t x, int64_t y) -> int64_t { return x ^ y; };
  if (op == "And") return Arithmetic(ctx, a, b, both, unused);
  if (op == "Or") return Arithmetic(ctx, a, b, either, unused);
  return Arithmetic(ctx, a, b, exactly_one, unused);
}

template <class IntFn, class RealFn>
TensorValue MapUnary(const TensorValue& x, IntFn int_fn, RealFn real_fn) {
  TensorValue out = x;
  for (double& v : out.reals) v = RoundReal(real_fn(v), x.elem_type);
  for (int64_t& v : out.ints) v = int_fn(v);
  return out;
}

TensorValue Unary(const EvalContext& ctx, std::string_view op, const TensorValue& x) {
  const int32_t t = x.elem_type;
  const bool is_signed = IsSignedInteger(t);
  auto negate = [t](int64_t v) { return WrapInteger(0 - static_cast<uint64_t>(v), t); };
  if (op == "Neg") return MapUnary(x, negate, [](double v) { return -v; });
  auto absolute = [&](int64_t v) { return is_signed && v < 0 ? negate(v) : v; };
  auto sign = [&](int64_t v) -> int64_t { return is_signed ? (v > 0) - (v < 0) : v != 0; };
  auto real_sign = [](double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : v); };  // keeps NaN and -0
  if (op == "Abs") return MapUnary(x, absolute, [](double v) { return std::fabs(v); });
  if (op == "Sign") return MapUnary(x, sign, real_sign);
  if (op == "Not") {
    RequireBool(ctx, x);
    return MapUnary(
        x, [](int64_t v) -> int64_t { return v == 0 ? 1 : 0; }, [](double v) { return v; });
  }
  RequireReal(ctx, x);
  auto keep = [](int64_t v) { return v; };
  if (op == "Floor") return MapUnary(x, keep, [](double v) { return std::floor(v); });
  if (op == "Ceil") return MapUnary(x, keep, [](double v) { return std::ceil(v); });
  if (op == "Sqrt") return MapUnary(x, keep, [](double v) { return std::sqrt(v); });
  return MapUnary(x, keep, [](double v) { return 1.0 / v; });  // Reciprocal
}

bool IsUnaryOp(std::string_view op) {
  return op == "Neg" || op == "Abs" || op == "Sign" || op == "Not" || op == "Floor" || op == "Ceil" || op == "Sqrt" ||
         op == "Reciprocal";
}

bool IsComparison(std::string_view op) {
  return op == "Equal" || op == "Less" || op == "LessOrEqual" || op == "Greater" || op == "GreaterOrEqual";
}

// Converts one element of `x` to `to` following ONNX Cast.
void CastElement(const TensorValue& x, size_t i, TensorValue& out) {
  if (x.is_real()) {
    if (out.is_real()) {
      out.reals[i] = RoundReal(x.reals[i], out.elem_type);
    } else {
      out.ints[i] = RealToInteger(x.reals[i], out.elem_type);
    }
  } else if (out.is_real()) {
    out.reals[i] = RoundReal(IntegerToReal(x.ints[i], x.elem_type), out.elem_type);
  } else {
    out.ints[i] = WrapInteger(static_cast<uint64_t>(x.ints[i]), out.elem_type);
  }
}

// Before opset 7, binary operators broadcast only with broadcast=1, and then
// B's shape matches a run of A's dimensions starting at `axis` (default: the
// trailing ones). Padding B with trailing 1s makes numpy broadcasting agree.
TensorValue LegacyBroadcastOperand(const EvalContext& ctx, const TensorValue& a, const TensorValue& b) {
  if (ctx.opset() >= 7 || ctx.IntAttr("broadcast", 0) == 0 || !ctx.HasAttr("axis")) return b;
  const auto rank = static_cast<int64_t>(a.shape.size());
  const int64_t axis = ctx.Axis(ctx.IntAttr("axis", 0), rank);
  const int64_t trailing = rank - axis - static_cast<int64_t>(b.shape.size());
  if (trailing < 0) ctx.Fail("B of shape " + ShapeText(b.shape) + " does not fit A at axis " + std::to_string(axis));
  TensorValue padded = b;
  padded.shape.insert(padded.shape.end(), static_cast<size_t>(trailing), 1);
  return padded;
}

}  // namespace

Values EvalElementwise(const EvalContext& ctx) {
  const std::string_view op = ctx.op();
  if (op == "Min" || op == "Max") return {Variadic(ctx)};
  if (IsUnaryOp(op)) {
    ctx.CheckInputCount(1, 1);
    return {Unary(ctx, op, ctx.Input(0))};
  }
  ctx.CheckInputCount(2, 2);
  const TensorValue& a = ctx.Input(0);
  const TensorValue b = LegacyBroadcastOperand(ctx, a, ctx.Input(1));
  if (IsComparison(op)) return {Compare(ctx, op, a, b)};
  if (op == "And" || op == "Or" || op == "Xor") return {Logic(ctx, op, a, b)};
  return {BinaryArithmetic(ctx, op, a, b)};
}

Values EvalCast(const EvalContext& ctx) {
  ctx.CheckInputCount(ctx.op() == "Cast" ? 1 : 2, ctx.op() == "Cast" ? 1 : 2);
  const TensorValue& x = ctx.Input(0);
  int32_t to = 0;
  if (ctx.op() == "Cast") {
    if (!ctx.HasAttr("to")) ctx.Fail("attribute 'to' is required");
    const onnx::AttributeProto& attribute = *ctx.Attr("to");
    TensorProto::DataType named = TensorProto::UNDEFINED;  // before opset 6 `to` is a name, e.g. "FLOAT"
    if (attribute.type() == onnx::AttributeProto::STRING) TensorProto::DataType_Parse(attribute.s(), &named);
    to = attribute.type() == onnx::AttributeProto::STRING ? named : static_cast<int32_t>(attribute.i());
  } else {
    to = ctx.Input(1).elem_type;
  }
  if (!IsSupportedValueType(to)) throw Unevaluable{};
  TensorValue out = MakeValue(to, x.shape);
  for (size_t i = 0; i < static_cast<size_t>(x.element_count()); ++i) CastElement(x, i, out);
  return {out};
}

Values EvalWhere(const EvalContext& ctx) {
  ctx.CheckInputCount(3, 3);
  const TensorValue& condition = ctx.Input(0);
  const TensorValue& x = ctx.Input(1);
  const TensorValue& y = ctx.Input(2);
  RequireBool(ctx, condition);
  RequireSameType(ctx, x, y);
  const Shape shape = BroadcastShapes(ctx, {condition.shape, x.shape, y.shape});
  ctx.CheckSize(shape);
  const std::vector<int64_t> ic = BroadcastIndex(condition.shape, shape);
  const std::vector<int64_t> ix = BroadcastIndex(x.shape, shape);
  const std::vector<int64_t> iy = BroadcastIndex(y.shape, shape);
  std::vector<int64_t> pick(ic.size());  // flat index into x, or into y offset by x's size
  for (size_t i = 0; i < ic.size(); ++i) {
    pick[i] = condition.ints[static_cast<size_t>(ic[i])] != 0 ? ix[i] : x.element_count() + iy[i];
  }
  TensorValue both = x;
  both.reals.insert(both.reals.end(), y.reals.begin(), y.reals.end());
  both.ints.insert(both.ints.end(), y.ints.begin(), y.ints.end());
  return {TakeElements(both, shape, pick)};
}

}  // namespace dnnpart::eval
