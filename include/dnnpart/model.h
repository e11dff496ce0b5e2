// Model — a loaded ONNX model: its layer DAG plus the parsed ONNX model kept
// for later sub-model extraction.
//
// Loading reads the .onnx file with the ONNX library, binds symbolic input
// dimensions, infers shapes with ONNX's per-operator inference functions
// driven by dnnpart plus dnnpart's own rules (only the latter for opsets newer
// than the library knows; docs/loading.md), folds constant and shape-computing
// nodes away, drops nodes that reach no graph output (with a warning), and
// builds the LayerGraph with the original node and tensor names. Initializers
// stored as external data are never read. A Model is immutable after Load and
// safe to share between threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dnnpart/dtype.h"
#include "dnnpart/graph.h"

namespace dnnpart {

struct LoadOptions {
  // Shapes for graph inputs, by input name; each replaces the input's declared
  // shape (fixed dimensions must agree). Required for symbolic dimensions.
  std::map<std::string, Shape> input_shapes;
  // Values for small graph inputs, by input name (--input-value sr=16000):
  // each input becomes a constant of its declared type, so shape arithmetic
  // and If conditions that read it are evaluated at load time. The number of
  // values must match the input's shape (one value for a scalar).
  std::map<std::string, std::vector<double>> input_values;
  // Shapes for any tensor, by name (--tensor-shape): for tensors whose size
  // depends on the data and has no bound, or to replace a bound.
  std::map<std::string, Shape> tensor_shapes;
};

struct ModelInfo {
  std::string path;
  int64_t ir_version = 0;
  int64_t opset = 0;  // version of the default ("ai.onnx") domain
  std::string producer;
  std::string graph_name;
  int64_t onnx_node_count = 0;
  int64_t folded_node_count = 0;   // constant and shape-computing nodes
  int64_t dropped_node_count = 0;  // nodes that reach no graph output
  int64_t inlined_if_count = 0;    // If nodes replaced by the branch their known condition takes
  int64_t unrolled_loop_count = 0;  // Loops with a known trip count replaced by copies of their body
  bool shapes_from_fallback = false;  // opset newer than the ONNX library
};

class Model {
 public:
  // Loads and checks `path`. Throws Error whose message starts with the path and
  // names the object at fault.
  static Model Load(const std::string& path, const LoadOptions& options);

  const LayerGraph& graph() const { return graph_; }
  const ModelInfo& info() const { return info_; }

  ~Model();
  Model(const Model&);
  Model& operator=(const Model&);
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

 private:
  struct Onnx;  // the parsed onnx::ModelProto (input shapes bound; value_info untouched)
  friend struct ModelInternals;  // src/loader/model_internals.h: the proto, for the split module
  Model(std::shared_ptr<const Onnx> onnx, LayerGraph graph, ModelInfo info);

  std::shared_ptr<const Onnx> onnx_;
  LayerGraph graph_;
  ModelInfo info_;
};

// Opt-in for programs (the dnnpart CLI calls it once in main): installs a
// process-wide handler for SIGFPE, SIGSEGV, SIGBUS and SIGILL so that a fault
// inside one of ONNX's shape-inference functions ends that model's load with
// an Error instead of killing the process. Leaving by the fault skips the
// faulting code's destructors (they leak); faults elsewhere go to the previous
// handler. The library never installs it by itself: validation before each
// ONNX call is the primary defence. Not thread-safe against other code that
// changes the same signals' handlers.
void EnableOnnxFaultGuard();

// Parses "1x3x224x224" into a Shape; throws Error on anything else.
Shape ParseShape(const std::string& text);

}  // namespace dnnpart
