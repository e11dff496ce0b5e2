// Private: dnnpart's own shape rules for common ONNX ops.
//
// They fill what ONNX shape inference could not: every shape when the model's
// opset is newer than the ONNX library, and single gaps otherwise. They also
// evaluate small integer tensors (the Shape -> Gather -> Concat -> Reshape
// chains exporters write), which the inference driver hands to ONNX's Reshape,
// Expand, ... as their known input values (value_inference.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "dnnpart/dtype.h"

namespace dnnpart {

struct TensorValue;

struct ValueInfo {
  int32_t elem_type = 0;                      // onnx::TensorProto::DataType
  std::optional<Shape> shape;                 // set when every dimension is known
  std::optional<std::vector<int64_t>> ints;   // values of small integer tensors
  std::shared_ptr<const TensorValue> value;   // the whole value, when known at load time
  // The size depends on the data (NonZero, NonMaxSuppression, ...): `shape`
  // is the upper bound the operator's semantics give, or derives from one.
  bool bounded = false;
  // The value or shape was computed from a bounded tensor (its Shape, say):
  // it describes the bound, not what a run will see. An If never branches on
  // such a value at load time.
  bool from_bound = false;
};

// A node's explicit inputs and its outputs as dense value ids (-1 for an
// empty optional slot), indexing a std::vector<ValueInfo>.
struct NodeValueIds {
  const int32_t* inputs = nullptr;
  int input_count = 0;
  const int32_t* outputs = nullptr;
  int output_count = 0;
};

// Applies dnnpart's rule for `node` (default domain only), when it has one and
// it is needed: an output's shape is still unknown, or the node may compute
// small integer values (Shape, or every input's values known). Fills output
// shapes not yet known, element types and integer values into `values`; never
// overwrites what is known. `opset` selects between the attribute and input
// forms of axes/splits. Returns true when something changed. Unknown ops and
// unusable inputs leave the outputs as they were; throws Error naming the
// node when its extents overflow int64 or its kernel is larger than its
// padded input.
bool PropagateNode(const onnx::NodeProto& node, const NodeValueIds& ids, int64_t opset,
                   std::vector<ValueInfo>& values);

// Checks what ONNX's inference functions accept silently, before they run:
// the inner extents of Gemm and MatMul operands whose shapes are known (and
// not upper bounds) must match. Throws Error naming the node.
void CheckOperands(const onnx::NodeProto& node, const NodeValueIds& ids, int64_t opset,
                   std::vector<ValueInfo>& values);

// A type's shape when every dimension is a known extent; nullopt when it is
// not a tensor, has no shape, or a dimension is symbolic or unknown.
std::optional<Shape> StaticShape(const onnx::TypeProto& type);

// Reads the integer values of a small inline tensor (int32/int64, <= 64
// elements, data present); nullopt otherwise.
std::optional<std::vector<int64_t>> SmallIntValues(const onnx::TensorProto& tensor);

}  // namespace dnnpart
