// Private: dnnpart's own shape propagation for common ONNX ops.
//
// Used when ONNX shape inference cannot run (the model's opset is newer than
// the ONNX library) or left an activation without a static shape. It also
// evaluates small integer tensors (the Shape -> Gather -> Concat -> Reshape
// chains exporters write) so that Reshape targets are known.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <onnx/onnx_pb.h>

#include "dnnpart/dtype.h"

namespace dnnpart {

struct ValueInfo {
  int32_t elem_type = 0;                      // onnx::TensorProto::DataType
  std::optional<Shape> shape;                 // set when every dimension is known
  std::optional<std::vector<int64_t>> ints;   // values of small integer tensors
};
using ValueTable = std::unordered_map<std::string, ValueInfo>;

// Fills missing output shapes (and integer values) of `graph`'s nodes into
// `table`, repeating passes until nothing changes. `opset` selects between
// attribute and input forms of axes/splits. Never throws for unknown ops: their
// outputs stay unknown.
void PropagateShapes(const onnx::GraphProto& graph, int64_t opset, ValueTable& table);

// Reads the integer values of a small inline tensor (int32/int64, <= 64
// elements, data present); nullopt otherwise.
std::optional<std::vector<int64_t>> SmallIntValues(const onnx::TensorProto& tensor);

}  // namespace dnnpart
