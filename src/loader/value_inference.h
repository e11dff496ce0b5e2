// Private: dense value ids for a graph's names, and the element type and
// static shape of every value.
//
// IndexNames interns every value name once; the loader's later passes index
// vectors by id instead of hashing names again. InferValues drives ONNX's
// per-operator type and shape inference functions (the ones
// onnx::shape_inference::InferShapes calls, looked up in the schema registry
// for the model's opsets) over the graph in topological order, merges each
// result with the model's declared value_info (a conflict is an error), and
// lets dnnpart's own rules (shape_propagation.h) fill what ONNX left unknown
// and evaluate small integer tensors. It does not modify the model's
// value_info: it keeps its results per id.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "evaluator/evaluate.h"
#include "name_map.h"
#include "shape_propagation.h"

namespace dnnpart {

// Every value name of a graph interned to a dense id, and each node's inputs
// and outputs as ids (flat arrays, -1 for an empty optional slot). Names are
// views into the graph, which must outlive the index.
struct NameIndex {
  NameMap ids;
  std::vector<std::string_view> names;       // per id
  std::vector<char> is_initializer;          // per id
  std::vector<int32_t> input_begin, inputs;  // node n: inputs[input_begin[n] .. input_begin[n+1])
  std::vector<int32_t> explicit_inputs;      // per node: how many are node.input() (the rest are implicit)
  std::vector<int32_t> output_begin, outputs;

  int32_t Intern(std::string_view name);
  // The id of a name the graph uses, or -1.
  int32_t Find(std::string_view name) const;
  const int32_t* InputsBegin(int n) const { return inputs.data() + input_begin[static_cast<size_t>(n)]; }
  const int32_t* InputsEnd(int n) const { return inputs.data() + input_begin[static_cast<size_t>(n) + 1]; }
  const int32_t* OutputsBegin(int n) const { return outputs.data() + output_begin[static_cast<size_t>(n)]; }
  const int32_t* OutputsEnd(int n) const { return outputs.data() + output_begin[static_cast<size_t>(n) + 1]; }
  // Node n's explicit inputs and outputs, as the shape rules read them.
  NodeValueIds Ids(int n) const;
};

// Interns graph inputs, initializers, node inputs (explicit ones, then the
// names a node's subgraphs read from the outer scope, sorted), node outputs
// and graph outputs, in that order.
NameIndex IndexNames(const onnx::GraphProto& graph);

// Calls `call`. Only when the program opted in with EnableOnnxFaultGuard()
// (dnnpart/model.h), a fault inside it (SIGFPE, SIGSEGV, SIGBUS, SIGILL) ends
// it and throws Error("<describe()>: crashed (SIGFPE) inside ONNX's shape
// inference; ..."); otherwise it is a plain call. Used around ONNX's inference
// functions, which trust their attributes. Leaving by the fault skips the
// destructors of the faulting code's locals (their memory leaks); the load
// then ends with the Error.
void CallGuarded(const std::function<void()>& call, const std::function<std::string()>& describe);

// A node's name, or "<op_type>_<index>" when it has none.
std::string NodeLabel(const onnx::NodeProto& node, int index);

struct InferOptions {
  // false skips ONNX's inference functions (the model's opset is newer than
  // the library): shapes then come from the declared value_info and dnnpart's
  // own rules.
  bool use_onnx = true;
  // Bounds the load-time evaluator's work (docs/loading.md).
  EvalLimits limits;
  // Shapes the user gives for tensors, by name (--tensor-shape); each
  // replaces what inference finds, bounded or unknown.
  const std::map<std::string, Shape>* tensor_shapes = nullptr;
};

// Returns one ValueInfo per id of `index` (built from `model`'s graph): types,
// static shapes (exact, or upper bounds marked `bounded`), and the values of
// tensors known at load time. Throws Error when an inferred type or shape
// contradicts the model's declared one, or when a node evaluated at load
// time breaks its operator's rules.
std::vector<ValueInfo> InferValues(onnx::ModelProto& model, const NameIndex& index, const InferOptions& options);

}  // namespace dnnpart
