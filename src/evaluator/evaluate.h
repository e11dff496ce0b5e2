// Private: the load-time evaluator — computes a node's outputs when all of its
// inputs are known before any data arrives (initializers, Constant, Shape and
// Size of static shapes, outputs of other evaluated nodes, values bound with
// --input-value).
//
// It follows ONNX's operator semantics (numpy broadcasting, negative axes,
// the attribute and input forms that differ between opsets) for the
// operators real exporters use in shape and constant arithmetic; the list and
// the size limit are in docs/loading.md. Stateless; safe to call from several
// threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "evaluator/tensor_value.h"

namespace dnnpart {

struct EvalLimits {
  // No input or output may hold more elements than this; larger tensors stay
  // unevaluated (their shapes are still inferred).
  int64_t max_elements = int64_t{1} << 20;
};

// True when EvaluateNode has an implementation for this default-domain op.
bool CanEvaluate(std::string_view op_type);

// Evaluates one default-domain node at opset `opset`. `inputs` has one entry
// per node input (nullptr for an absent optional input). Returns one value per
// node output, or nullopt when the op or an element type is not supported or
// a tensor would exceed `limits`. Throws Error (without the node's name; the
// caller adds it) when the inputs contradict the operator's rules, e.g. a
// Reshape of 6 elements to [7,5] or an index out of range. An input whose
// storage does not match its shape and type is a caller bug: std::logic_error.
std::optional<std::vector<TensorValue>> EvaluateNode(const onnx::NodeProto& node, int64_t opset,
                                                     const std::vector<const TensorValue*>& inputs,
                                                     const EvalLimits& limits);

}  // namespace dnnpart
