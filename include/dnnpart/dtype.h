// Element types and shapes of tensors, independent of ONNX.
//
// DType mirrors the ONNX TensorProto element types dnnpart understands; the
// loader maps ONNX codes onto it at the boundary. Plain values; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dnnpart {

enum class DType {
  kUnknown,
  kFloat32,
  kFloat16,
  kBFloat16,
  kFloat64,
  kInt8,
  kUInt8,
  kInt16,
  kUInt16,
  kInt32,
  kUInt32,
  kInt64,
  kUInt64,
  kBool,
};

// A static tensor shape: one extent per dimension; {} is a scalar.
using Shape = std::vector<int64_t>;

// Returns the lower-case name used in reports ("float32", "int64", ...).
std::string_view DTypeName(DType dtype);

// Returns bytes per element; 0 for kUnknown.
int64_t DTypeBytes(DType dtype);

// True for the floating-point types (their tensors take a platform's or a
// link's data type; others keep their own).
bool IsFloating(DType dtype);

// Returns the product of the extents (1 for a scalar). The loader guarantees
// it fits for every tensor of a loaded model.
int64_t ElementCount(const Shape& shape);

// The product of the extents, or nullopt when an extent is negative or the
// product does not fit in int64 (for shapes read from untrusted files).
std::optional<int64_t> CheckedElementCount(const Shape& shape);

// Returns "1x3x224x224" ("scalar" for {}).
std::string ShapeToString(const Shape& shape);

}  // namespace dnnpart
