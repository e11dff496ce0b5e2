// Private: TensorValue — the value of a small tensor known at load time.
//
// The load-time evaluator (evaluate.h) computes these from initializers,
// Constant nodes, shapes of statically shaped tensors and values bound by the
// user. A TensorValue owns its data; it is a plain value type, safe to copy
// and to read from several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <onnx/onnx_pb.h>

#include "dnnpart/dtype.h"

namespace dnnpart {

struct TensorValue {
  int32_t elem_type = 0;  // onnx::TensorProto::DataType
  Shape shape;            // static; {} is a scalar
  // Exactly one storage holds the elements, in row-major order, chosen by
  // elem_type: integer and bool types in `ints` (uint64 as its bit pattern,
  // bool as 0/1), floating-point types (float16, bfloat16, float, double) in
  // `reals`, rounded to the element type after every operation.
  std::vector<int64_t> ints;
  std::vector<double> reals;

  bool is_real() const;  // true for the floating-point element types
  int64_t element_count() const { return is_real() ? static_cast<int64_t>(reals.size()) : static_cast<int64_t>(ints.size()); }
};

// True for the element types a TensorValue can hold (not string, complex, or
// the 4-bit and 8-bit float types).
bool IsSupportedValueType(int32_t elem_type);

// Reads an initializer or Constant payload. nullopt when the data lives in
// external data, the type is unsupported, the tensor has more than
// `max_elements` elements, or the payload does not match the dims.
std::optional<TensorValue> FromTensorProto(const onnx::TensorProto& tensor, int64_t max_elements);

// Writes `value` into `out` (dims, data_type, raw_data), replacing what was there.
void ToTensorProto(const TensorValue& value, onnx::TensorProto& out);

}  // namespace dnnpart
