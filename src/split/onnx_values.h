// Private: small ONNX protos the split module makes from dnnpart's values:
// typed value infos, and the Constant that replaces a folded Shape/Size.
// Pure functions; thread-safe.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "dnnpart/dtype.h"
#include "dnnpart/graph.h"

namespace dnnpart {

// True for float32, float16, bfloat16 and float64: the types casts are inserted between.
bool IsFloatingType(DType dtype);

// The ONNX element type of `dtype`; throws Error for kUnknown.
int32_t ToOnnxType(DType dtype);

// A tensor value info named `name` with the tensor's shape and element type
// `dtype`. A bounded tensor (size depends on the data) gets dimensions
// without values.
onnx::ValueInfoProto TensorValueInfo(const Tensor& tensor, const std::string& name, DType dtype);

// A Constant node with the name and output of `node` (a Shape or Size) whose
// value is what the node computes from an input of shape `input_shape`.
onnx::NodeProto ShapeAsConstant(const onnx::NodeProto& node, const Shape& input_shape);

// The first line of an exception message (ONNX's carry several).
std::string FirstLine(const std::string& text);

}  // namespace dnnpart
