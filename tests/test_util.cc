#include "test_util.h"

#include "dnnpart/error.h"

#include <algorithm>
#include <map>

namespace dnnpart::test {

LayerGraph BuildDetailedGraph(const std::vector<TensorSpec>& tensors, const std::vector<std::string>& inputs,
                              const std::vector<CostedLayerSpec>& layers, const std::vector<std::string>& outputs) {
  LayerGraph::Builder builder;
  std::map<std::string, TensorId> ids;
  for (const TensorSpec& t : tensors) ids[t.name] = builder.AddTensor(t.name, t.dtype, t.shape);
  auto tensor = [&](const std::string& name) {
    auto it = ids.find(name);
    if (it != ids.end()) return it->second;
    const TensorId id = builder.AddTensor(name, DType::kFloat32, {1, 4});
    ids.emplace(name, id);
    return id;
  };
  for (const auto& input : inputs) builder.MarkGraphInput(tensor(input));
  for (const CostedLayerSpec& spec : layers) {
    Layer layer;
    layer.name = spec.name;
    layer.op_type = spec.op_type;
    for (const auto& in : spec.inputs) layer.inputs.push_back(tensor(in));
    for (const auto& out : spec.outputs) layer.outputs.push_back(tensor(out));
    layer.macs = spec.macs;
    layer.macs_modelled = spec.macs_modelled;
    layer.param_count = spec.param_count;
    layer.param_bytes = spec.param_count * 4;
    layer.depthwise = spec.depthwise;
    builder.AddLayer(std::move(layer));
  }
  for (const auto& output : outputs) builder.MarkGraphOutput(tensor(output));
  return std::move(builder).Build();
}

LayerGraph BuildGraph(const std::vector<std::string>& inputs, const std::vector<LayerSpec>& layers,
                      const std::vector<std::string>& outputs) {
  std::vector<CostedLayerSpec> costed;
  for (const LayerSpec& spec : layers) costed.push_back({spec.name, "Op", spec.inputs, spec.outputs, 1});
  return BuildDetailedGraph({}, inputs, costed, outputs);
}

Topology RandomTopology(std::mt19937& rng, int layers) {
  Topology topology;
  const int input_count = std::uniform_int_distribution<int>(1, 2)(rng);
  std::vector<std::string> available;
  for (int i = 0; i < input_count; ++i) {
    topology.inputs.push_back(std::string("in").append(std::to_string(i)));
    available.push_back(topology.inputs.back());
  }
  std::map<std::string, int> uses;
  for (int l = 0; l < layers; ++l) {
    LayerSpec spec{std::string("L").append(std::to_string(l)), {}, {}};
    const int fan_in = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int k = 0; k < fan_in; ++k) {
      // Prefer recent tensors so the graph is deep, with occasional long skips.
      const int n = static_cast<int>(available.size());
      const int back = std::min(n - 1, std::geometric_distribution<int>(0.45)(rng));
      const std::string& pick = available[static_cast<size_t>(n - 1 - back)];
      if (std::find(spec.inputs.begin(), spec.inputs.end(), pick) == spec.inputs.end()) spec.inputs.push_back(pick);
    }
    const int fan_out = std::uniform_int_distribution<int>(0, 5)(rng) == 0 ? 2 : 1;
    for (int k = 0; k < fan_out; ++k) spec.outputs.push_back(std::string("t").append(std::to_string(l)).append("_").append(std::to_string(k)));
    for (const auto& in : spec.inputs) ++uses[in];
    for (const auto& out : spec.outputs) available.push_back(out);
    topology.layers.push_back(std::move(spec));
  }
  for (const auto& spec : topology.layers) {
    for (const auto& out : spec.outputs) {
      if (uses[out] == 0 || std::uniform_int_distribution<int>(0, 15)(rng) == 0) topology.outputs.push_back(out);
    }
  }
  return topology;
}

LayerGraph RandomGraph(std::mt19937& rng, int layers) {
  const Topology topology = RandomTopology(rng, layers);
  return BuildGraph(topology.inputs, topology.layers, topology.outputs);
}

std::set<std::set<std::string>> BruteForceCuts(const LayerGraph& graph, int max_tensors) {
  const size_t n = graph.layer_count();
  std::set<std::set<std::string>> heads;
  for (uint64_t mask = 1; mask + 1 < (uint64_t{1} << n); ++mask) {
    std::vector<bool> in_head(n);
    for (size_t l = 0; l < n; ++l) in_head[l] = ((mask >> l) & 1U) != 0;
    bool closed = true;
    for (size_t l = 0; l < n && closed; ++l) {
      if (!in_head[l]) continue;
      for (LayerId pred : graph.predecessors(static_cast<LayerId>(l))) closed = closed && in_head[static_cast<size_t>(pred)];
    }
    if (!closed) continue;
    if (static_cast<int>(CrossingTensors(graph, in_head).size()) > max_tensors) continue;
    std::set<std::string> names;
    for (size_t l = 0; l < n; ++l) {
      if (in_head[l]) names.insert(graph.layer(static_cast<LayerId>(l)).name);
    }
    heads.insert(names);
  }
  return heads;
}

std::set<std::set<std::string>> HeadNameSets(const LayerGraph& graph, const std::vector<Cut>& cuts) {
  std::set<std::set<std::string>> heads;
  for (const Cut& cut : cuts) {
    const std::vector<bool> mask = HeadMask(graph, cut);
    std::set<std::string> names;
    for (size_t l = 0; l < mask.size(); ++l) {
      if (mask[l]) names.insert(graph.layer(static_cast<LayerId>(l)).name);
    }
    heads.insert(names);
  }
  return heads;
}

std::string SourcePath(const std::string& relative) { return std::string(DNNPART_SOURCE_DIR) + "/" + relative; }

std::string Describe(const LayerGraph& graph) {
  std::string text;
  for (size_t l = 0; l < graph.layer_count(); ++l) {
    const Layer& layer = graph.layer(static_cast<LayerId>(l));
    text += layer.name + "(";
    for (TensorId t : layer.inputs) text += graph.tensor(t).name + " ";
    text += "->";
    for (TensorId t : layer.outputs) text += " " + graph.tensor(t).name;
    text += ") ";
  }
  text += "outputs:";
  for (TensorId t : graph.graph_outputs()) text += " " + graph.tensor(t).name;
  return text;
}

Model LoadFixture(const std::string& name, LoadOptions options) {
  return Model::Load(SourcePath("tests/data/" + name), options);
}

std::string LoadError(const std::string& relative, LoadOptions options) {
  try {
    Model::Load(SourcePath(relative), options);
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

std::vector<std::string> LayerNames(const LayerGraph& graph) {
  std::vector<std::string> names;
  for (LayerId id : graph.topological_order()) names.push_back(graph.layer(id).name);
  return names;
}

}  // namespace dnnpart::test
