// Test helpers: build a LayerGraph from a literal, and a brute-force cut
// enumerator to check the cut finder against.
#pragma once

#include <random>
#include <set>
#include <string>
#include <vector>

#include "dnnpart/cuts.h"
#include "dnnpart/graph.h"
#include "dnnpart/model.h"

namespace dnnpart::test {

struct LayerSpec {
  std::string name;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
};

// Tensors named in `inputs` become graph inputs; all tensors are float32 [1,4];
// every layer is op "Op" with 1 MAC.
LayerGraph BuildGraph(const std::vector<std::string>& inputs, const std::vector<LayerSpec>& layers,
                      const std::vector<std::string>& outputs);

// A tensor with its own shape and element type.
struct TensorSpec {
  std::string name;
  Shape shape;
  DType dtype = DType::kFloat32;
};

// A layer with an op type, MACs and parameters (4 bytes per parameter).
struct CostedLayerSpec {
  std::string name;
  std::string op_type;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  int64_t macs = 0;
  int64_t param_count = 0;
  bool depthwise = false;
  bool macs_modelled = true;
};

// The general builder: tensors listed in `tensors` are added first, in that
// order, with their shape and type; any other tensor is float32 [1,4], added
// where it is first named.
LayerGraph BuildDetailedGraph(const std::vector<TensorSpec>& tensors, const std::vector<std::string>& inputs,
                              const std::vector<CostedLayerSpec>& layers, const std::vector<std::string>& outputs);

// The shape of a random DAG: one or two inputs, layers reading 1-3 recent
// tensors (with occasional long skips), some with two outputs, every unread
// tensor and a few read ones as graph outputs.
struct Topology {
  std::vector<std::string> inputs;
  std::vector<LayerSpec> layers;
  std::vector<std::string> outputs;
};
Topology RandomTopology(std::mt19937& rng, int layers);

// A random DAG (RandomTopology built with BuildGraph).
LayerGraph RandomGraph(std::mt19937& rng, int layers);

// Every cut (non-empty head closed under predecessors, non-empty tail) with at
// most `max_tensors` crossing tensors, as sets of head layer names.
std::set<std::set<std::string>> BruteForceCuts(const LayerGraph& graph, int max_tensors);

// The cuts of FindCuts as sets of head layer names.
std::set<std::set<std::string>> HeadNameSets(const LayerGraph& graph, const std::vector<Cut>& cuts);

std::string SourcePath(const std::string& relative);

// Loads tests/data/<name>.
Model LoadFixture(const std::string& name, LoadOptions options = {});

// The message of the Error loading <relative> (from the source root) throws,
// or "<no error>".
std::string LoadError(const std::string& relative, LoadOptions options = {});

// Layer names in topological order.
std::vector<std::string> LayerNames(const LayerGraph& graph);

// "L0(in0 -> t0_0) L1(...) outputs: ..." for failure messages.
std::string Describe(const LayerGraph& graph);

}  // namespace dnnpart::test
