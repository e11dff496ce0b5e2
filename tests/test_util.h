// Test helpers: build a LayerGraph from a literal, and a brute-force cut
// enumerator to check the cut finder against.
#pragma once

#include <random>
#include <set>
#include <string>
#include <vector>

#include "dnnpart/cuts.h"
#include "dnnpart/graph.h"

namespace dnnpart::test {

struct LayerSpec {
  std::string name;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
};

// Tensors named in `inputs` become graph inputs; all tensors are float32 [1,4].
LayerGraph BuildGraph(const std::vector<std::string>& inputs, const std::vector<LayerSpec>& layers,
                      const std::vector<std::string>& outputs);

// A random DAG: several inputs, multi-output layers, skips, extra outputs.
LayerGraph RandomGraph(std::mt19937& rng, int layers);

// Every cut (non-empty head closed under predecessors, non-empty tail) with at
// most `max_tensors` crossing tensors, as sets of head layer names.
std::set<std::set<std::string>> BruteForceCuts(const LayerGraph& graph, int max_tensors);

// The cuts of FindCuts as sets of head layer names.
std::set<std::set<std::string>> HeadNameSets(const LayerGraph& graph, const std::vector<Cut>& cuts);

std::string SourcePath(const std::string& relative);

// "L0(in0 -> t0_0) L1(...) outputs: ..." for failure messages.
std::string Describe(const LayerGraph& graph);

}  // namespace dnnpart::test
