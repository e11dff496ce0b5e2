// TensorValue <-> onnx::TensorProto, and the element-type arithmetic the
// evaluator shares (wrapping integers, rounding reals, float16/bfloat16 bits).
#include "evaluator/tensor_value.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "evaluator/eval_internal.h"

namespace dnnpart {

using onnx::TensorProto;

namespace eval {

bool IsRealType(int32_t elem_type) {
  return elem_type == TensorProto::FLOAT || elem_type == TensorProto::DOUBLE || elem_type == TensorProto::FLOAT16 ||
         elem_type == TensorProto::BFLOAT16;
}

bool IsUnsigned64(int32_t elem_type) { return elem_type == TensorProto::UINT64; }

bool IsSignedInteger(int32_t elem_type) {
  return elem_type == TensorProto::INT8 || elem_type == TensorProto::INT16 || elem_type == TensorProto::INT32 ||
         elem_type == TensorProto::INT64;
}

bool IsUnsignedInteger(int32_t elem_type) {
  return elem_type == TensorProto::UINT8 || elem_type == TensorProto::UINT16 || elem_type == TensorProto::UINT32 ||
         elem_type == TensorProto::UINT64;
}

int64_t WrapInteger(uint64_t bits, int32_t elem_type) {
  switch (elem_type) {
    case TensorProto::INT8: return static_cast<int8_t>(static_cast<uint8_t>(bits));
    case TensorProto::INT16: return static_cast<int16_t>(static_cast<uint16_t>(bits));
    case TensorProto::INT32: return static_cast<int32_t>(static_cast<uint32_t>(bits));
    case TensorProto::UINT8: return static_cast<int64_t>(bits & 0xFFu);
    case TensorProto::UINT16: return static_cast<int64_t>(bits & 0xFFFFu);
    case TensorProto::UINT32: return static_cast<int64_t>(bits & 0xFFFFFFFFu);
    case TensorProto::BOOL: return bits != 0 ? 1 : 0;
    default: return static_cast<int64_t>(bits);
  }
}

namespace {

// Rounds to a binary format with `mantissa_bits` explicit fraction bits,
// smallest normal exponent `min_exponent` and overflow at 2^(max_exponent+1).
double RoundToFormat(double value, int mantissa_bits, int min_exponent, int max_exponent) {
  if (!std::isfinite(value) || value == 0.0) return value;
  int exponent = 0;
  std::frexp(value, &exponent);  // |value| in [2^(exponent-1), 2^exponent)
  const int scale = std::max(exponent - 1, min_exponent) - mantissa_bits;
  const double rounded = std::ldexp(std::nearbyint(std::ldexp(value, -scale)), scale);
  if (std::fabs(rounded) >= std::ldexp(1.0, max_exponent + 1)) {
    return std::copysign(std::numeric_limits<double>::infinity(), value);
  }
  return rounded;
}

double HalfBitsToDouble(uint16_t bits) {
  const double sign = (bits & 0x8000u) != 0 ? -1.0 : 1.0;
  const int exponent = (bits >> 10) & 0x1F;
  const int mantissa = bits & 0x3FF;
  if (exponent == 0x1F) {
    return mantissa != 0 ? std::numeric_limits<double>::quiet_NaN() : sign * std::numeric_limits<double>::infinity();
  }
  if (exponent == 0) return sign * std::ldexp(mantissa, -24);
  return sign * std::ldexp(1024 + mantissa, exponent - 25);
}

uint16_t DoubleToHalfBits(double value) {
  if (std::isnan(value)) return 0x7E00;
  value = RoundReal(value, TensorProto::FLOAT16);
  const uint16_t sign = std::signbit(value) ? 0x8000 : 0;
  const double magnitude = std::fabs(value);
  if (std::isinf(magnitude)) return sign | 0x7C00;
  if (magnitude < std::ldexp(1.0, -14)) return sign | static_cast<uint16_t>(std::ldexp(magnitude, 24));
  int exponent = 0;
  const double fraction = std::frexp(magnitude, &exponent);  // [0.5, 1)
  const auto mantissa = static_cast<uint16_t>(std::ldexp(fraction, 11) - 1024.0);
  return sign | static_cast<uint16_t>((exponent + 14) << 10) | mantissa;
}

double BFloatBitsToDouble(uint16_t bits) { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

uint16_t DoubleToBFloatBits(double value) {
  if (std::isnan(value)) return 0x7FC0;
  const auto rounded = static_cast<float>(RoundReal(value, TensorProto::BFLOAT16));  // exact
  return static_cast<uint16_t>(std::bit_cast<uint32_t>(rounded) >> 16);
}

}  // namespace

double RoundReal(double value, int32_t elem_type) {
  switch (elem_type) {
    case TensorProto::FLOAT: return static_cast<float>(value);
    case TensorProto::FLOAT16: return RoundToFormat(value, 10, -14, 15);
    case TensorProto::BFLOAT16: return RoundToFormat(value, 7, -126, 127);
    default: return value;
  }
}

double IntegerToReal(int64_t value, int32_t elem_type) {
  if (IsUnsigned64(elem_type)) return static_cast<double>(static_cast<uint64_t>(value));
  return static_cast<double>(value);
}

int64_t RealToInteger(double value, int32_t elem_type) {
  if (elem_type == TensorProto::BOOL) return value != 0.0 ? 1 : 0;
  const double truncated = std::trunc(value);
  constexpr double kTwo63 = 9223372036854775808.0;
  if (IsUnsigned64(elem_type) && truncated >= kTwo63 && truncated < 2 * kTwo63) {
    return static_cast<int64_t>(static_cast<uint64_t>(truncated));
  }
  if (!(truncated >= -kTwo63 && truncated < kTwo63)) return std::numeric_limits<int64_t>::min();
  return WrapInteger(static_cast<uint64_t>(static_cast<int64_t>(truncated)), elem_type);
}

}  // namespace eval

bool TensorValue::is_real() const { return eval::IsRealType(elem_type); }

bool IsSupportedValueType(int32_t elem_type) {
  return eval::IsRealType(elem_type) || eval::IsSignedInteger(elem_type) || eval::IsUnsignedInteger(elem_type) ||
         elem_type == TensorProto::BOOL;
}

namespace {

int64_t ElementBytes(int32_t elem_type) {
  switch (elem_type) {
    case TensorProto::DOUBLE:
    case TensorProto::INT64:
    case TensorProto::UINT64: return 8;
    case TensorProto::FLOAT:
    case TensorProto::INT32:
    case TensorProto::UINT32: return 4;
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
    case TensorProto::INT16:
    case TensorProto::UINT16: return 2;
    default: return 1;
  }
}

// The element stored in `bits` (the type's little-endian bit pattern).
void AppendFromBits(TensorValue& value, uint64_t bits) {
  switch (value.elem_type) {
    case TensorProto::FLOAT: value.reals.push_back(std::bit_cast<float>(static_cast<uint32_t>(bits))); return;
    case TensorProto::DOUBLE: value.reals.push_back(std::bit_cast<double>(bits)); return;
    case TensorProto::FLOAT16: value.reals.push_back(eval::HalfBitsToDouble(static_cast<uint16_t>(bits))); return;
    case TensorProto::BFLOAT16: value.reals.push_back(eval::BFloatBitsToDouble(static_cast<uint16_t>(bits))); return;
    default: value.ints.push_back(eval::WrapInteger(bits, value.elem_type)); return;
  }
}

uint64_t ElementBits(const TensorValue& value, size_t i) {
  switch (value.elem_type) {
    case TensorProto::FLOAT: return std::bit_cast<uint32_t>(static_cast<float>(value.reals[i]));
    case TensorProto::DOUBLE: return std::bit_cast<uint64_t>(value.reals[i]);
    case TensorProto::FLOAT16: return eval::DoubleToHalfBits(value.reals[i]);
    case TensorProto::BFLOAT16: return eval::DoubleToBFloatBits(value.reals[i]);
    default: return static_cast<uint64_t>(value.ints[i]);
  }
}

bool ReadRaw(const std::string& raw, int64_t count, TensorValue& value) {
  const int64_t bytes = ElementBytes(value.elem_type);
  if (static_cast<int64_t>(raw.size()) != count * bytes) return false;
  for (int64_t i = 0; i < count; ++i) {
    uint64_t bits = 0;
    for (int64_t b = bytes - 1; b >= 0; --b)
      bits = (bits << 8) | static_cast<uint8_t>(raw[static_cast<size_t>(i * bytes + b)]);
    AppendFromBits(value, bits);
  }
  return true;
}

// Reads the typed repeated field that holds `value.elem_type`.
bool ReadTyped(const TensorProto& tensor, int64_t count, TensorValue& value) {
  auto read = [&](const auto& field, auto to_bits) {
    if (field.size() != count) return false;
    for (const auto& element : field) AppendFromBits(value, to_bits(element));
    return true;
  };
  switch (value.elem_type) {
    case TensorProto::FLOAT:
      return read(tensor.float_data(), [](float f) { return uint64_t{std::bit_cast<uint32_t>(f)}; });
    case TensorProto::DOUBLE: return read(tensor.double_data(), [](double d) { return std::bit_cast<uint64_t>(d); });
    case TensorProto::INT64: return read(tensor.int64_data(), [](int64_t v) { return static_cast<uint64_t>(v); });
    case TensorProto::UINT32:
    case TensorProto::UINT64: return read(tensor.uint64_data(), [](uint64_t v) { return v; });
    default:  // int32_data holds the narrower integers, bool and the 16-bit float bit patterns
      return read(tensor.int32_data(), [](int32_t v) { return static_cast<uint64_t>(static_cast<int64_t>(v)); });
  }
}

}  // namespace

std::optional<TensorValue> FromTensorProto(const TensorProto& tensor, int64_t max_elements) {
  if (!IsSupportedValueType(tensor.data_type())) return std::nullopt;
  if (tensor.data_location() == TensorProto::EXTERNAL || tensor.has_segment()) return std::nullopt;
  TensorValue value;
  value.elem_type = tensor.data_type();
  value.shape.assign(tensor.dims().begin(), tensor.dims().end());
  const std::optional<int64_t> count = CheckedElementCount(value.shape);
  if (!count || *count > max_elements) return std::nullopt;
  const bool ok = tensor.has_raw_data() ? ReadRaw(tensor.raw_data(), *count, value) : ReadTyped(tensor, *count, value);
  if (!ok) return std::nullopt;
  return value;
}

void ToTensorProto(const TensorValue& value, TensorProto& out) {
  out.Clear();
  for (int64_t extent : value.shape) out.add_dims(extent);
  out.set_data_type(value.elem_type);
  const int64_t bytes = ElementBytes(value.elem_type);
  const auto count = static_cast<size_t>(value.element_count());
  std::string raw(count * static_cast<size_t>(bytes), '\0');
  for (size_t i = 0; i < count; ++i) {
    uint64_t bits = ElementBits(value, i);
    for (int64_t b = 0; b < bytes; ++b, bits >>= 8)
      raw[i * static_cast<size_t>(bytes) + static_cast<size_t>(b)] = static_cast<char>(bits & 0xFF);
  }
  out.set_raw_data(std::move(raw));
}

}  // namespace dnnpart
