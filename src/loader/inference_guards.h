// Private to the loader: what ONNX 1.12's inference functions trust about a
// node and do not check, checked before they run (issue 13). A malformed node
// would otherwise make them read out of bounds (found by fuzzing and probing;
// docs/reliability.md). Stateless and thread-safe.
//
// The checks need the ranks of a node's inputs, which dnnpart knows only for
// the nodes it hands to ONNX one by one. Subgraphs (If, Loop, Scan bodies) and
// model-local function bodies are inferred by ONNX's own machinery, node by
// node, where nothing can be checked first; BodyUnsafeForOnnx tells when such
// a body holds an operator whose inference trusts its input ranks or its size
// attributes, so that the caller leaves that node to dnnpart's own rules.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <onnx/onnx_pb.h>

namespace dnnpart {

// The rank of input `i` of the node being checked; -1 when it is absent or
// its shape is unknown.
using InputRankFn = std::function<int(int)>;

// Throws Error("node '<label>' (<op>): ...") when a default-domain node's
// input ranks or rank-dependent attributes break what its ONNX inference
// function trusts: If's, Loop's and Scan's graph attributes present, a
// convolution's group of 1 or more, Transpose's perm with
// one entry per input axis, Gemm's inputs of rank 2, LayerNormalization's axis within
// the input's rank, GatherND's batch_dims of 0 or more, STFT's signal of rank
// 3. Unknown ranks pass.
void CheckRankTrustingInputs(const onnx::NodeProto& node, const std::string& label, const InputRankFn& rank);

// True when `op` (default domain) is one whose ONNX 1.12 inference reads its
// inputs' dimensions at positions given by the other inputs' ranks or by
// attributes: the convolution and pooling family, Gemm, LayerNormalization,
// GatherND and STFT.
bool IsRankTrustingOp(const std::string& op);

// The values of input `i` when it is a small integer tensor known at load
// time (an initializer, a Constant or a computed shape); nullptr otherwise.
using InputIntsFn = std::function<const std::vector<int64_t>*(int)>;

// Throws Error("node '<label>' (<op>): ...") when an axis attribute of a
// default-domain node at model opset `opset` lies outside its input's rank,
// which ONNX 1.12's inference clamps or ignores (a wrong shape, silently):
// `axis` of Softmax, LogSoftmax and Hardmax (from opset 13: [-r, r-1];
// before, on the input coerced to 2-D: [-r, r]), LpNormalization, TopK,
// GatherElements, ScatterElements and Scatter; `axes` of the Reduce
// operators, Squeeze, Slice and MeanVarianceNormalization; the axes given
// as known inputs (Slice's input 3, CumSum's input 1, the Reduce operators'
// and Squeeze's input 1). Also a rank-0 input of BatchNormalization,
// InstanceNormalization and LRN, and a PRelu slope of higher rank than its
// input. Unknown ranks and values pass.
void CheckAxes(const onnx::NodeProto& node, const std::string& label, int64_t opset, const InputRankFn& rank,
               const InputIntsFn& ints);

// True when one of `node`'s subgraphs (at any depth), or the body of the
// model-local function `local` (nullptr: none) or of a local function called
// from either, holds a default-domain node for which IsRankTrustingOp holds,
// a node whose strides, dilations, kernel_shape or blocksize hold a value
// below 1 (ONNX divides by them), a node without outputs (ONNX's Split
// divides by their count), or an If, Loop or Scan without its graphs. `functions` maps "domain:name" to the
// model's local functions.
bool BodyUnsafeForOnnx(const onnx::NodeProto& node, const onnx::FunctionProto* local,
                           const std::unordered_map<std::string, const onnx::FunctionProto*>& functions);

}  // namespace dnnpart
