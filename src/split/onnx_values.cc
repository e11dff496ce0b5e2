#include "split/onnx_values.h"

#include <algorithm>

#include "dnnpart/error.h"

namespace dnnpart {

bool IsFloatingType(DType dtype) {
  return dtype == DType::kFloat32 || dtype == DType::kFloat16 || dtype == DType::kBFloat16 || dtype == DType::kFloat64;
}

int32_t ToOnnxType(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return onnx::TensorProto::FLOAT;
    case DType::kFloat16: return onnx::TensorProto::FLOAT16;
    case DType::kBFloat16: return onnx::TensorProto::BFLOAT16;
    case DType::kFloat64: return onnx::TensorProto::DOUBLE;
    case DType::kInt8: return onnx::TensorProto::INT8;
    case DType::kUInt8: return onnx::TensorProto::UINT8;
    case DType::kInt16: return onnx::TensorProto::INT16;
    case DType::kUInt16: return onnx::TensorProto::UINT16;
    case DType::kInt32: return onnx::TensorProto::INT32;
    case DType::kUInt32: return onnx::TensorProto::UINT32;
    case DType::kInt64: return onnx::TensorProto::INT64;
    case DType::kUInt64: return onnx::TensorProto::UINT64;
    case DType::kBool: return onnx::TensorProto::BOOL;
    case DType::kUnknown: break;
  }
  throw Error("a tensor of unknown element type cannot cross a stage boundary");
}

onnx::ValueInfoProto TensorValueInfo(const Tensor& tensor, const std::string& name, DType dtype) {
  onnx::ValueInfoProto value;
  value.set_name(name);
  auto& type = *value.mutable_type()->mutable_tensor_type();
  try {
    type.set_elem_type(ToOnnxType(dtype));
  } catch (const Error& e) {
    throw e.WithContext("tensor '" + tensor.name + "'");
  }
  auto& shape = *type.mutable_shape();
  for (int64_t dim : tensor.shape) {
    auto& out = *shape.add_dim();
    if (!tensor.bounded) out.set_dim_value(dim);
  }
  return value;
}

onnx::NodeProto ShapeAsConstant(const onnx::NodeProto& node, const Shape& input_shape) {
  const auto rank = static_cast<int64_t>(input_shape.size());
  onnx::TensorProto value;
  value.set_data_type(onnx::TensorProto::INT64);
  if (node.op_type() == "Size") {
    int64_t count = 1;
    for (int64_t dim : input_shape) count *= dim;
    value.add_int64_data(count);
  } else {
    int64_t start = 0, end = rank;
    for (const auto& attribute : node.attribute()) {
      if (attribute.name() == "start") start = attribute.i();
      if (attribute.name() == "end") end = attribute.i();
    }
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, start, rank);
    value.add_dims(end - start);
    for (int64_t i = start; i < end; ++i) value.add_int64_data(input_shape[static_cast<size_t>(i)]);
  }
  onnx::NodeProto constant;
  constant.set_name(node.name());
  constant.set_op_type("Constant");
  constant.add_output(node.output(0));
  auto& attribute = *constant.add_attribute();
  attribute.set_name("value");
  attribute.set_type(onnx::AttributeProto::TENSOR);
  *attribute.mutable_t() = value;
  return constant;
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace dnnpart
