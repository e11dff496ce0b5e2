// Private: upper bounds for outputs whose size depends on the data.
//
// NonZero, NonMaxSuppression, TopK and Slice with unknown k or bounds,
// Compress, Unique, an If whose condition is unknown at load time and a
// Loop's scan outputs have sizes that only a run decides. Their operators'
// semantics still bound them; the inference driver records the bound as the
// tensor's static shape, marked `bounded` (docs/loading.md). Stateless.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <onnx/onnx_pb.h>

#include "dnnpart/dtype.h"
#include "evaluator/tensor_value.h"
#include "loader/shape_propagation.h"

namespace dnnpart {

// What the bound rules read around one node, by value id.
struct BoundReader {
  const std::vector<ValueInfo>& values;
  std::function<const TensorValue*(int32_t)> known_value;        // nullptr when not known at load time
  std::function<const onnx::TypeProto*(int32_t)> inferred_type;  // ONNX's (possibly partial) type, or nullptr
};

struct SizeBound {
  Shape shape;
  bool bounded = true;    // false: the shape is exact after all (a Loop that cannot end early)
  int32_t elem_type = 0;  // for outputs whose type nothing else gave
};

// The largest shape output `output` of `node` can have, or nullopt when the
// op has no data-dependent size or its inputs do not bound it.
std::optional<SizeBound> DataDependentBound(const onnx::NodeProto& node, const NodeValueIds& ids, int output,
                                            const BoundReader& reader);

}  // namespace dnnpart
