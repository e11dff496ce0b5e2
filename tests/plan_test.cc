// Planner: PlanPartitions against an independent brute force that enumerates
// every plan of small graphs and recomputes its metrics from scratch with the
// formulas of docs/planning.md (layer, transfer and memory costs come from
// CostLayers / TransferCost / PayloadBytes / PeakActivationBytes, which
// cost_test.cc checks on their own).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "dnnpart/cost.h"
#include "dnnpart/cuts.h"
#include "dnnpart/error.h"
#include "dnnpart/graph.h"
#include "dnnpart/plan.h"
#include "dnnpart/profiles.h"
#include "test_util.h"

namespace dnnpart {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kTol = 1e-9;

// ------------------------------------------------------------------ graphs

struct TensorSpec {
  std::string name;
  int64_t elements = 1;
  DType dtype = DType::kFloat32;
};

struct CostLayerSpec {
  std::string name;
  std::string op_type;
  std::vector<std::string> inputs;
  std::vector<TensorSpec> outputs;
  int64_t macs = 0;
  int64_t param_count = 0;
  bool depthwise = false;
};

// test::BuildDetailedGraph with the specs written as here: tensors of shape
// [1, elements], created in the order inputs, then each layer's outputs.
LayerGraph BuildCostGraph(const std::vector<TensorSpec>& inputs, const std::vector<CostLayerSpec>& layers,
                          const std::vector<std::string>& outputs) {
  std::vector<test::TensorSpec> tensors;
  std::vector<std::string> input_names;
  for (const TensorSpec& in : inputs) {
    tensors.push_back({in.name, {1, in.elements}, in.dtype});
    input_names.push_back(in.name);
  }
  std::vector<test::CostedLayerSpec> costed;
  for (const CostLayerSpec& spec : layers) {
    test::CostedLayerSpec layer{spec.name, spec.op_type, spec.inputs, {}, spec.macs, spec.param_count, spec.depthwise};
    for (const TensorSpec& out : spec.outputs) {
      tensors.push_back({out.name, {1, out.elements}, out.dtype});
      layer.outputs.push_back(out.name);
    }
    costed.push_back(std::move(layer));
  }
  return test::BuildDetailedGraph(tensors, input_names, costed, outputs);
}

int64_t LogUniform(std::mt19937& rng, double lo, double hi) {
  return std::llround(std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(rng)));
}

// A random DAG of test::RandomTopology with varied tensor sizes, some int64
// tensors, and varied op types, MACs and parameters.
LayerGraph RandomCostGraph(std::mt19937& rng, int layers) {
  static const std::vector<std::string> kOps = {"Conv", "Gemm", "Relu", "Add", "MaxPool"};
  const test::Topology topology = test::RandomTopology(rng, layers);
  std::vector<TensorSpec> inputs;
  for (const std::string& name : topology.inputs) inputs.push_back({name, LogUniform(rng, 64, 20000)});
  std::vector<CostLayerSpec> specs;
  for (const test::LayerSpec& shape : topology.layers) {
    CostLayerSpec spec;
    spec.name = shape.name;
    spec.op_type = kOps[std::uniform_int_distribution<size_t>(0, kOps.size() - 1)(rng)];
    spec.inputs = shape.inputs;
    for (size_t k = 0; k < shape.outputs.size(); ++k) {
      const bool integer = k == 1 && std::uniform_int_distribution<int>(0, 1)(rng) == 0;
      spec.outputs.push_back({shape.outputs[k], LogUniform(rng, 16, 20000), integer ? DType::kInt64 : DType::kFloat32});
    }
    spec.macs = LogUniform(rng, 1e5, 1e9);
    spec.param_count = std::uniform_int_distribution<int>(0, 3)(rng) == 0 ? 0 : LogUniform(rng, 10, 2e6);
    spec.depthwise = spec.op_type == "Conv" && std::uniform_int_distribution<int>(0, 2)(rng) == 0;
    specs.push_back(std::move(spec));
  }
  return BuildCostGraph(inputs, specs, topology.outputs);
}

// A random chain: layer i reads layer i-1's output and sometimes also an
// earlier tensor (a skip), so every down-set is a prefix of the topological
// order and the planner's O(1) prefix memory path is used.
LayerGraph RandomCostChain(std::mt19937& rng, int layers, bool skips = true) {
  std::vector<TensorSpec> inputs = {{"x", LogUniform(rng, 64, 20000)}};
  std::vector<std::string> produced = {"x"};
  std::vector<CostLayerSpec> specs;
  for (int i = 0; i < layers; ++i) {
    CostLayerSpec spec;
    spec.name = "l" + std::to_string(i);
    spec.op_type = i % 2 ? "Conv" : "Relu";
    spec.inputs = {produced.back()};
    if (skips && produced.size() > 2 && std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
      spec.inputs.push_back(produced[std::uniform_int_distribution<size_t>(0, produced.size() - 2)(rng)]);
    }
    spec.outputs.push_back({"t" + std::to_string(i), LogUniform(rng, 16, 20000), DType::kFloat32});
    spec.macs = LogUniform(rng, 1e5, 1e9);
    spec.param_count = std::uniform_int_distribution<int>(0, 3)(rng) == 0 ? 0 : LogUniform(rng, 10, 2e6);
    produced.push_back(spec.outputs.back().name);
    specs.push_back(std::move(spec));
  }
  std::vector<std::string> outputs = {produced.back()};
  if (skips && layers > 2 && std::uniform_int_distribution<int>(0, 1)(rng) == 0) outputs.push_back(produced[2]);
  return BuildCostGraph(inputs, specs, outputs);
}

// --------------------------------------------------------------- profiles

// Four platforms with different peaks, efficiencies, data types and energy
// models. capacity is unlimited unless a test sets it.
std::vector<PlatformProfile> FourPlatforms() {
  std::vector<PlatformProfile> p(4);
  p[0].name = "cpu";
  p[0].peak_macs_per_s = {{DType::kFloat32, 5e10}};
  p[0].data_type = DType::kFloat32;
  p[0].efficiency = {{"Conv", 0.6}, {"Gemm", 0.7}};
  p[0].default_efficiency = 0.3;
  p[0].layer_overhead_ms = 0.01;
  p[0].memory_bandwidth_bytes_per_s = 2e10;
  p[0].active_w = 10;
  p[0].idle_w = 2;

  p[1].name = "npu";
  p[1].peak_macs_per_s = {{DType::kInt8, 4e12}, {DType::kFloat16, 1e12}};
  p[1].data_type = DType::kInt8;
  p[1].efficiency = {{"Conv", 0.5}, {"Conv.depthwise", 0.08}, {"Gemm", 0.4}};
  p[1].default_efficiency = 0.05;
  p[1].layer_overhead_ms = 0.05;
  p[1].memory_bandwidth_bytes_per_s = 1e10;
  p[1].power_in_watts = false;
  p[1].energy_per_mac_pj = 0.7;
  p[1].energy_per_byte_pj = 25;

  p[2].name = "gpu";
  p[2].peak_macs_per_s = {{DType::kFloat16, 1e12}, {DType::kFloat32, 2e11}};
  p[2].data_type = DType::kFloat16;
  p[2].efficiency = {{"Relu", 0.1}, {"Add", 0.1}};
  p[2].default_efficiency = 0.35;
  p[2].layer_overhead_ms = 0.02;
  p[2].memory_bandwidth_bytes_per_s = 5e10;
  p[2].active_w = 15;
  p[2].idle_w = 5;

  p[3].name = "dsp";
  p[3].peak_macs_per_s = {{DType::kFloat32, 2e10}, {DType::kInt8, 8e10}};
  p[3].data_type = DType::kFloat32;
  p[3].default_efficiency = 0.8;
  p[3].memory_bandwidth_bytes_per_s = 8e9;
  p[3].active_w = 3;
  p[3].idle_w = 0.3;
  p[3].missing_layers = MissingLayers::kZero;

  for (auto& platform : p) {
    platform.path = platform.name + ".json";
    platform.memory_capacity_bytes = 1e15;
  }
  return p;
}

// Links leaving each platform of FourPlatforms: different bandwidths, framing,
// transfer types and energy models.
std::vector<LinkProfile> FourLinks() {
  std::vector<LinkProfile> l(4);
  l[0].name = "gige";  // the paper's Gigabit Ethernet
  l[0].bandwidth_bytes_per_s = 1.25e8;
  l[0].propagation_delay_ms = 3e-5;
  l[0].power_w = 0.6;
  l[0].payload_bytes_per_frame = 1500;
  l[0].overhead_bytes_per_frame = 26;
  l[0].min_payload_bytes = 46;

  l[1].name = "fast_ethernet_fp16";
  l[1].bandwidth_bytes_per_s = 1.25e7;
  l[1].latency_ms = 0.1;
  l[1].energy_from_power = false;
  l[1].energy_per_byte_nj = 5;
  l[1].payload_bytes_per_frame = 1500;
  l[1].overhead_bytes_per_frame = 38;
  l[1].min_payload_bytes = 46;
  l[1].transfer_data_type = DType::kFloat16;

  l[2].name = "pcie";
  l[2].bandwidth_bytes_per_s = 1.6e9;
  l[2].latency_ms = 0.005;
  l[2].power_w = 2;

  l[3].name = "spi_int8";
  l[3].bandwidth_bytes_per_s = 6e7;
  l[3].propagation_delay_ms = 1e-4;
  l[3].power_w = 0.2;
  l[3].transfer_data_type = DType::kInt8;

  for (auto& link : l) link.path = link.name + ".json";
  return l;
}

// Measured tables: the gpu measures some layers, the dsp (missing = zero) most.
void AddMeasurements(std::vector<PlatformProfile>& platforms, const LayerGraph& graph, std::mt19937& rng) {
  std::uniform_real_distribution<double> latency(0.01, 3.0), energy(0.01, 4.0);
  for (size_t l = 0; l < graph.layer_count(); ++l) {
    const std::string& name = graph.layer(static_cast<LayerId>(l)).name;
    if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) platforms[2].layer_table[name] = {latency(rng), energy(rng)};
    if (std::uniform_int_distribution<int>(0, 3)(rng) != 0) platforms[3].layer_table[name] = {latency(rng), energy(rng)};
  }
}

// Random fused groups (any layers, not only neighbours) on most platforms,
// and unfused measurements for some of the gpu's and dsp's layers. The cpu
// also fuses activations into their producers when it estimates.
void AddFusedGroups(std::vector<PlatformProfile>& platforms, const LayerGraph& graph, std::mt19937& rng) {
  std::uniform_real_distribution<double> latency(0.01, 3.0), energy(0.01, 4.0);
  platforms[0].fuse_activations = true;
  for (PlatformProfile& platform : platforms) {
    if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) continue;
    const int count = std::uniform_int_distribution<int>(1, 3)(rng);
    std::vector<std::vector<std::string>> groups(static_cast<size_t>(count));
    for (size_t l = 0; l < graph.layer_count(); ++l) {
      const int g = std::uniform_int_distribution<int>(-1, count - 1)(rng);
      if (g >= 0) groups[static_cast<size_t>(g)].push_back(graph.layer(static_cast<LayerId>(l)).name);
    }
    for (auto& group : groups) {
      if (group.size() >= 2) platform.fused_groups.push_back(std::move(group));
    }
    for (auto& [name, entry] : platform.layer_table) {
      if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
        entry.unfused_latency_ms = latency(rng);
        entry.unfused_energy_mj = energy(rng);
      }
    }
  }
}

// ------------------------------------------------------------ brute force

struct Triple {
  double fps = 0;
  double latency = 0;
  double energy = 0;
};

bool Dominates(const Triple& a, const Triple& b) {
  return a.fps >= b.fps && a.latency <= b.latency && a.energy <= b.energy &&
         (a.fps > b.fps || a.latency < b.latency || a.energy < b.energy);
}
bool SameTriple(const Triple& a, const Triple& b) {
  return a.fps == b.fps && a.latency == b.latency && a.energy == b.energy;
}

bool Near(double a, double b) {
  if (a == b) return true;
  if (std::isinf(a) || std::isinf(b)) return false;
  return std::abs(a - b) <= kTol * std::max(std::abs(a), std::abs(b));
}
bool Near(const Triple& a, const Triple& b) {
  return Near(a.fps, b.fps) && Near(a.latency, b.latency) && Near(a.energy, b.energy);
}
// `a` dominates `b` by more than the tolerance.
bool ClearlyDominates(const Triple& a, const Triple& b) {
  const bool no_worse = (a.fps >= b.fps || Near(a.fps, b.fps)) && (a.latency <= b.latency || Near(a.latency, b.latency)) &&
                        (a.energy <= b.energy || Near(a.energy, b.energy));
  const bool better = (a.fps > b.fps && !Near(a.fps, b.fps)) || (a.latency < b.latency && !Near(a.latency, b.latency)) ||
                      (a.energy < b.energy && !Near(a.energy, b.energy));
  return no_worse && better;
}

std::string ToString(const Triple& t) {
  std::ostringstream s;
  s.precision(17);
  s << "(fps " << t.fps << ", latency " << t.latency << " ms, energy " << t.energy << " mJ)";
  return s.str();
}

struct BfPlan {
  std::vector<int> platforms;  // stage order
  std::vector<int> ends;       // boundary index where each stage ends
  Triple metrics;
  bool feasible = true;
};

struct StageCost {
  double latency = 0;
  double energy = 0;
  int64_t memory = 0;
};

// Every plan over every down-set with at most K crossing tensors, computed
// from scratch. Boundary 0 is the empty head, the last the whole model.
class BruteForce {
 public:
  BruteForce(const LayerGraph& graph, int max_cut_tensors, const std::vector<PlatformProfile>& platforms,
             const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& options)
      : graph_(graph), platforms_(platforms), links_(links), options_(options) {
    const size_t n = graph.layer_count();
    const uint32_t full = (uint32_t{1} << n) - 1;
    // Predecessor and consumer masks from the layers' inputs.
    std::vector<uint32_t> preds(n, 0);
    consumers_.assign(graph.tensor_count(), 0);
    for (size_t l = 0; l < n; ++l) {
      for (TensorId t : graph.layer(static_cast<LayerId>(l)).inputs) {
        consumers_[static_cast<size_t>(t)] |= uint32_t{1} << l;
        const LayerId producer = graph.tensor(t).producer;
        if (producer != kNoLayer) preds[l] |= uint32_t{1} << producer;
      }
    }
    masks_.push_back(0);
    crossing_.emplace_back();
    for (uint32_t mask = 1; mask < full; ++mask) {
      bool closed = true;
      for (size_t l = 0; l < n && closed; ++l) {
        if ((mask >> l) & 1U) closed = (preds[l] & ~mask) == 0;
      }
      if (!closed) continue;
      std::vector<TensorId> crossing = Crossing(mask);
      if (static_cast<int>(crossing.size()) > max_cut_tensors) continue;
      masks_.push_back(mask);
      crossing_.push_back(std::move(crossing));
    }
    masks_.push_back(full);
    crossing_.emplace_back();
    for (const PlatformProfile& p : platforms) costs_.push_back(CostLayers(graph, p));
    Enumerate(0, 0, -1, {}, {}, 0, 0, 0, true);
  }

  size_t cut_count() const { return masks_.size() - 2; }
  uint32_t mask(int boundary) const { return masks_[static_cast<size_t>(boundary)]; }
  const std::vector<BfPlan>& plans() const { return plans_; }
  // Every stage cost computed, by (platform, from, to).
  const std::map<std::tuple<int, int, int>, StageCost>& stages() const { return stages_; }
  // Every transfer computed: (sender, transfer).
  const std::vector<std::pair<int, Transfer>>& transfers() const { return transfers_; }
  // Stages (platform, from, to) that run part of a fused group, counted per group.
  int64_t broken_fusions() const { return broken_; }
  const BfPlan* SinglePlatformPlan(int p) const {
    for (const BfPlan& plan : plans_) {
      if (plan.platforms == std::vector<int>{p}) return &plan;
    }
    return nullptr;
  }

 private:
  int Full() const { return static_cast<int>(masks_.size()) - 1; }

  // Tensors produced in the head (or graph inputs) that a tail layer reads, and
  // graph outputs produced in the head.
  std::vector<TensorId> Crossing(uint32_t mask) const {
    std::vector<TensorId> crossing;
    for (size_t t = 0; t < graph_.tensor_count(); ++t) {
      const Tensor& tensor = graph_.tensor(static_cast<TensorId>(t));
      const bool available =
          tensor.producer == kNoLayer ? tensor.is_graph_input : ((mask >> tensor.producer) & 1U) != 0;
      if (!available) continue;
      if (tensor.is_graph_output || (consumers_[t] & ~mask) != 0) crossing.push_back(static_cast<TensorId>(t));
    }
    return crossing;
  }

  const std::vector<TensorId>& Incoming(int from) const {
    return from == 0 ? graph_.graph_inputs() : crossing_[static_cast<size_t>(from)];
  }
  const std::vector<TensorId>& Outgoing(int to) const {
    return to == Full() ? graph_.graph_outputs() : crossing_[static_cast<size_t>(to)];
  }

  const StageCost& Stage(int p, int from, int to) {
    const auto key = std::make_tuple(p, from, to);
    auto it = stages_.find(key);
    if (it != stages_.end()) return it->second;
    const uint32_t layers_mask = masks_[static_cast<size_t>(to)] & ~masks_[static_cast<size_t>(from)];
    const PlatformProfile& platform = platforms_[static_cast<size_t>(p)];
    StageCost cost;
    std::vector<LayerId> layers;
    int64_t weights = 0;
    for (LayerId l : graph_.topological_order()) {
      if (((layers_mask >> l) & 1U) == 0) continue;
      layers.push_back(l);
      cost.latency += costs_[static_cast<size_t>(p)][static_cast<size_t>(l)].latency_ms;
      cost.energy += costs_[static_cast<size_t>(p)][static_cast<size_t>(l)].energy_mj;
      weights += graph_.layer(l).param_count * DTypeBytes(platform.data_type);
    }
    cost.memory = weights + PeakActivationBytes(graph_, layers, Incoming(from), Outgoing(to), platform.data_type);
    // Fused groups the stage runs only part of: max(0, Σ unfused − Σ charged)
    // over that part (docs/planning.md, "Fusion-aware costs").
    for (const std::vector<std::string>& names : platform.fused_groups) {
      double latency = 0, energy = 0;
      size_t inside = 0;
      for (const std::string& name : names) {
        const LayerId l = *graph_.FindLayer(name);
        if (((layers_mask >> l) & 1U) == 0) continue;
        ++inside;
        const LayerCost& charged = costs_[static_cast<size_t>(p)][static_cast<size_t>(l)];
        auto entry = platform.layer_table.find(name);
        LayerCost alone;
        if (entry != platform.layer_table.end() && entry->second.unfused_latency_ms) {
          alone = {*entry->second.unfused_latency_ms, entry->second.unfused_energy_mj, CostSource::kMeasured};
        } else {
          PlatformProfile unfused = platform;
          unfused.fuse_activations = false;
          alone = EstimateLayer(graph_, l, unfused);
        }
        latency += alone.latency_ms - charged.latency_ms;
        energy += alone.energy_mj - charged.energy_mj;
      }
      if (inside == 0 || inside == names.size()) continue;
      cost.latency += std::max(0.0, latency);
      cost.energy += std::max(0.0, energy);
      ++broken_;
    }
    return stages_.emplace(key, cost).first->second;
  }

  Transfer Send(int sender, const std::vector<TensorId>& tensors) {
    const LinkProfile& link = *links_[static_cast<size_t>(sender)];
    const Transfer t =
        TransferCost(link, PayloadBytes(graph_, tensors, platforms_[static_cast<size_t>(sender)].data_type, link));
    transfers_.emplace_back(sender, t);
    return t;
  }

  // Adds stages after boundary `from`; `latency` etc. are the sums so far.
  // `busy` is each sender's link time per frame so far: a link used by two
  // transfers of one plan (platform 0 sends the input, then later its own
  // activations) is busy for both.
  void Enumerate(int from, uint32_t used, int last, std::vector<int> path_platforms, std::vector<int> path_ends,
                 double latency, double bottleneck, double energy, bool feasible, std::map<int, double> busy = {}) {
    const int n = static_cast<int>(platforms_.size());
    for (int q = 0; q < n; ++q) {
      if ((used >> q) & 1U) continue;
      if (!options_.any_order && q < last) continue;
      Transfer in;
      int sender = -1;
      if (last < 0 && q != 0) {
        in = Send(0, graph_.graph_inputs());
        sender = 0;
      } else if (last >= 0) {
        in = Send(last, crossing_[static_cast<size_t>(from)]);
        sender = last;
      }
      std::map<int, double> busy_now = busy;
      double link_time = 0;
      if (sender >= 0 && in.wire_bytes > 0) link_time = busy_now[sender] += in.latency_ms;
      for (int to = from + 1; to <= Full(); ++to) {
        const uint32_t a = masks_[static_cast<size_t>(from)], b = masks_[static_cast<size_t>(to)];
        if ((a & ~b) != 0 || a == b) continue;  // not strictly nested
        const StageCost& stage = Stage(q, from, to);
        const bool fits = static_cast<double>(stage.memory) <= platforms_[static_cast<size_t>(q)].memory_capacity_bytes;
        std::vector<int> platforms_now = path_platforms, ends_now = path_ends;
        platforms_now.push_back(q);
        ends_now.push_back(to);
        const double l = latency + in.latency_ms + stage.latency;
        const double bn = std::max({bottleneck, link_time, stage.latency});
        const double e = energy + in.energy_mj + stage.energy;
        const bool ok = feasible && fits;
        if (to == Full()) {
          Finish(std::move(platforms_now), std::move(ends_now), l, bn, e, ok, busy_now);
        } else {
          Enumerate(to, used | (1U << q), q, std::move(platforms_now), std::move(ends_now), l, bn, e, ok, busy_now);
        }
      }
    }
  }

  void Finish(std::vector<int> path_platforms, std::vector<int> path_ends, double latency, double bottleneck,
              double energy, bool feasible, std::map<int, double> busy) {
    const int last = path_platforms.back();
    if (options_.output_at == OutputAt::kFirst && last != 0) {
      const Transfer out = Send(last, graph_.graph_outputs());
      latency += out.latency_ms;
      if (out.wire_bytes > 0) bottleneck = std::max(bottleneck, busy[last] += out.latency_ms);
      energy += out.energy_mj;
    }
    // Frames arrive no faster than the input rate.
    if (options_.input_fps) bottleneck = std::max(bottleneck, 1000.0 / *options_.input_fps);
    if (options_.include_idle_energy) {
      int from = 0;
      for (size_t s = 0; s < path_platforms.size(); ++s) {
        const PlatformProfile& platform = platforms_[static_cast<size_t>(path_platforms[s])];
        const double stage_ms = Stage(path_platforms[s], from, path_ends[s]).latency;
        if (platform.power_in_watts) energy += platform.idle_w * std::max(0.0, bottleneck - stage_ms);
        from = path_ends[s];
      }
    }
    BfPlan plan;
    plan.platforms = std::move(path_platforms);
    plan.ends = std::move(path_ends);
    plan.metrics = {bottleneck > 0 ? 1000.0 / bottleneck : kInf, latency, energy};
    plan.feasible = feasible && (!options_.max_latency_ms || latency <= *options_.max_latency_ms) &&
                    (!options_.min_fps || plan.metrics.fps >= *options_.min_fps) &&
                    (!options_.max_energy_mj || energy <= *options_.max_energy_mj);
    plans_.push_back(std::move(plan));
  }

  const LayerGraph& graph_;
  const std::vector<PlatformProfile>& platforms_;
  const std::vector<std::optional<LinkProfile>>& links_;
  const PlanOptions& options_;
  std::vector<uint32_t> consumers_;
  std::vector<uint32_t> masks_;
  std::vector<std::vector<TensorId>> crossing_;
  std::vector<std::vector<LayerCost>> costs_;
  std::map<std::tuple<int, int, int>, StageCost> stages_;
  std::vector<std::pair<int, Transfer>> transfers_;
  std::vector<BfPlan> plans_;
  int64_t broken_ = 0;
};

bool ByThroughput(const Triple& a, const Triple& b) {
  if (a.fps != b.fps) return a.fps > b.fps;
  if (a.latency != b.latency) return a.latency < b.latency;
  return a.energy < b.energy;
}

// The Pareto set (max fps, min latency, min energy) of the selected plans;
// identical triples count once.
std::vector<Triple> ParetoOf(const std::vector<BfPlan>& plans, bool feasible_only) {
  std::vector<Triple> all;
  for (const BfPlan& p : plans) {
    if (!feasible_only || p.feasible) all.push_back(p.metrics);
  }
  std::sort(all.begin(), all.end(), ByThroughput);
  // Sorted by throughput: a later triple never dominates an earlier one.
  std::vector<Triple> front;
  for (const Triple& t : all) {
    const bool beaten = std::any_of(front.begin(), front.end(),
                                    [&t](const Triple& f) { return Dominates(f, t) || SameTriple(f, t); });
    if (!beaten) front.push_back(t);
  }
  return front;
}

Triple MetricsOf(const PlanReport& plan) { return {plan.throughput_fps, plan.latency_ms, plan.energy_mj}; }

// Compares two multisets of triples with the relative tolerance; describes
// the unmatched ones.
::testing::AssertionResult SameTriples(std::vector<Triple> expected, std::vector<Triple> actual) {
  std::sort(expected.begin(), expected.end(), ByThroughput);
  std::sort(actual.begin(), actual.end(), ByThroughput);
  std::vector<bool> used(actual.size(), false);
  std::vector<Triple> missing;
  for (const Triple& e : expected) {
    bool found = false;
    for (size_t i = 0; i < actual.size() && !found; ++i) {
      if (!used[i] && Near(e, actual[i])) used[i] = found = true;
    }
    if (!found) missing.push_back(e);
  }
  std::vector<Triple> extra;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (!used[i]) extra.push_back(actual[i]);
  }
  if (missing.empty() && extra.empty()) return ::testing::AssertionSuccess();
  auto result = ::testing::AssertionFailure();
  result << expected.size() << " expected vs " << actual.size() << " returned.";
  for (const Triple& t : missing) result << "\n  missing from the planner: " << ToString(t);
  for (const Triple& t : extra) {
    result << "\n  returned but not expected: " << ToString(t);
    for (const Triple& e : expected) {
      if (ClearlyDominates(e, t)) {
        result << "\n    dominated by expected " << ToString(e)
               << (Near(e.fps, t.fps) ? " (same throughput up to rounding)" : "");
        break;
      }
    }
  }
  result << "\n  expected:";
  for (const Triple& t : expected) result << "\n    " << ToString(t);
  return result;
}

// Objective key of docs/planning.md: smaller is better.
std::tuple<double, double, double> Key(const Triple& t, Objective objective) {
  switch (objective) {
    case Objective::kThroughput: return {-t.fps, t.latency, t.energy};
    case Objective::kLatency: return {t.latency, -t.fps, t.energy};
    case Objective::kEnergy: break;
  }
  return {t.energy, -t.fps, t.latency};
}

// ------------------------------------------------------------ configurations

struct Config {
  std::string name;
  std::vector<int> platforms;  // indices into FourPlatforms / FourLinks
  bool any_order = false;
  OutputAt output_at = OutputAt::kLast;
  bool limit_memory = false;   // capacities that reject some stages
  bool limit_fps = false;      // --fps that overloads some links
  bool goals = false;          // --max-latency-ms, --min-fps, --max-energy-mj
  bool idle_energy = false;
  bool show_infeasible = false;
  Objective objective = Objective::kThroughput;
  bool free_links = false;     // links so fast that the search's lower bounds are nearly tight
  bool list_all = false;       // also check PlanOptions::list_all and EvaluatePlan on every plan
  bool chain = false;          // layer i reads layer i-1 (and maybe an earlier tensor): every cut is a prefix
  bool fused = false;          // random fused groups and unfused measurements (AddFusedGroups)
};

struct Totals {
  int64_t cases = 0;
  int64_t plans = 0;
  int64_t feasible = 0;
  int64_t infeasible = 0;
  int64_t multi_stage_pareto = 0;
  int64_t rejected = 0;
  int64_t capped = 0;  // Pareto plans held to the input rate
  int64_t broken_fusions = 0;  // brute-forced stages charged for breaking a fused group
};

// A value strictly between two distinct sorted values near quantile q, so
// that no value sits on the threshold.
std::optional<double> Between(std::vector<double> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v) || v <= 0; }),
               values.end());
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end(), [](double a, double b) { return Near(a, b); }), values.end());
  if (values.size() < 2) return std::nullopt;
  const size_t i = std::min(values.size() - 2, static_cast<size_t>(q * static_cast<double>(values.size() - 1)));
  return std::sqrt(values[i] * values[i + 1]);  // geometric mean: strictly inside for positive values
}

// Head of each cut as a bit mask, to name brute-force boundaries by cut index.
std::map<uint32_t, size_t> CutIndexByMask(const LayerGraph& graph, const std::vector<Cut>& cuts) {
  std::map<uint32_t, size_t> index;
  for (size_t c = 0; c < cuts.size(); ++c) {
    const std::vector<bool> head = HeadMask(graph, cuts[c]);
    uint32_t mask = 0;
    for (size_t l = 0; l < head.size(); ++l) {
      if (head[l]) mask |= uint32_t{1} << l;
    }
    index[mask] = c;
  }
  return index;
}

// list_all returns every plan (no pruning) and EvaluatePlan prices any one
// plan: both must agree with the brute force plan by plan.
void CheckEveryPlan(const LayerGraph& graph, const std::vector<Cut>& cuts, const std::vector<PlatformProfile>& platforms,
                    const std::vector<std::optional<LinkProfile>>& links, PlanOptions options, const BruteForce& brute) {
  options.list_all = true;
  const PlanResult listed = PlanPartitions(graph, cuts, platforms, links, options);
  EXPECT_EQ(listed.plans_evaluated, static_cast<double>(brute.plans().size()));
  EXPECT_EQ(listed.plans_visited, static_cast<int64_t>(brute.plans().size())) << "list_all must not prune";
  ASSERT_EQ(listed.all.size(), brute.plans().size());
  std::vector<Triple> expected_feasible, listed_feasible, expected_all, listed_all;
  for (const BfPlan& plan : brute.plans()) {
    expected_all.push_back(plan.metrics);
    if (plan.feasible) expected_feasible.push_back(plan.metrics);
  }
  for (const PlanReport& plan : listed.all) {
    listed_all.push_back(MetricsOf(plan));
    if (plan.feasible) listed_feasible.push_back(MetricsOf(plan));
    EXPECT_EQ(plan.violations.empty(), plan.feasible);
  }
  EXPECT_TRUE(SameTriples(expected_all, listed_all)) << "list_all: all plans differ";
  EXPECT_TRUE(SameTriples(expected_feasible, listed_feasible)) << "list_all: feasible plans differ";
  std::vector<Triple> pareto;
  for (const PlanReport& plan : listed.pareto) pareto.push_back(MetricsOf(plan));
  EXPECT_TRUE(SameTriples(ParetoOf(brute.plans(), true), pareto)) << "list_all: Pareto set differs";

  const std::map<uint32_t, size_t> cut_index = CutIndexByMask(graph, cuts);
  for (const BfPlan& plan : brute.plans()) {
    PlanSpec spec;
    spec.platforms = plan.platforms;
    for (size_t s = 0; s + 1 < plan.ends.size(); ++s) spec.cuts.push_back(cut_index.at(brute.mask(plan.ends[s])));
    const PlanReport report = EvaluatePlan(graph, cuts, platforms, links, options, spec);
    EXPECT_TRUE(Near(MetricsOf(report), plan.metrics)) << ToString(MetricsOf(report)) << " vs " << ToString(plan.metrics);
    EXPECT_EQ(report.feasible, plan.feasible);
    ASSERT_EQ(report.stages.size(), plan.platforms.size());
    for (size_t s = 0; s < plan.platforms.size(); ++s) {
      EXPECT_EQ(report.stages[s].platform, plan.platforms[s]);
      const int from = s == 0 ? 0 : plan.ends[s - 1];
      const StageCost& expected = brute.stages().at({plan.platforms[s], from, plan.ends[s]});
      EXPECT_EQ(report.stages[s].memory_bytes, expected.memory);
      EXPECT_TRUE(Near(report.stages[s].latency_ms, expected.latency));
      EXPECT_EQ(report.stages[s].layer_count, std::popcount(brute.mask(plan.ends[s]) & ~brute.mask(from)));
    }
    if (::testing::Test::HasFailure()) return;
  }
}

// A plan's stages as "device:until_cut" items, to compare plans exactly.
std::string StagesOf(const PlanReport& plan) {
  std::string text;
  for (const StageReport& stage : plan.stages) {
    text += std::to_string(stage.platform) + ":" + std::to_string(stage.until_cut) + " ";
  }
  return text;
}

// Runs the planner and the brute force on one graph and one configuration
// and checks every property.
void CheckCase(const LayerGraph& graph, int max_cut_tensors, const std::vector<PlatformProfile>& all_platforms,
               const std::vector<LinkProfile>& all_links, const Config& config, Totals& totals) {
  std::vector<PlatformProfile> platforms;
  std::vector<std::optional<LinkProfile>> links;
  for (int p : config.platforms) {
    platforms.push_back(all_platforms[static_cast<size_t>(p)]);
    links.emplace_back(all_links[static_cast<size_t>(p)]);
    if (config.free_links) {
      links.back()->bandwidth_bytes_per_s = 1e11;
      links.back()->latency_ms = 0;
      links.back()->propagation_delay_ms = 0;
      links.back()->energy_from_power = true;
      links.back()->power_w = 1;
    }
  }
  PlanOptions options;
  options.any_order = config.any_order;
  options.output_at = config.output_at;
  options.include_idle_energy = config.idle_energy;
  options.show_infeasible = config.show_infeasible;
  options.objective = config.objective;

  // First pass without limits: pick thresholds that cut through the plans.
  if (config.limit_memory || config.limit_fps || config.goals) {
    const BruteForce unlimited(graph, max_cut_tensors, platforms, links, options);
    if (config.limit_memory) {
      // The first two platforms of the configuration fit about half of their stages.
      for (size_t p = 0; p < std::min<size_t>(2, platforms.size()); ++p) {
        std::vector<double> memory;
        for (const auto& [key, stage] : unlimited.stages()) {
          if (std::get<0>(key) == static_cast<int>(p)) memory.push_back(static_cast<double>(stage.memory));
        }
        if (auto cap = Between(memory, 0.5)) platforms[p].memory_capacity_bytes = *cap;
      }
    }
    if (config.limit_fps) {
      std::vector<double> fps;  // an input rate between the plans' own rates
      for (const BfPlan& plan : unlimited.plans()) fps.push_back(plan.metrics.fps);
      options.input_fps = Between(fps, 0.8);
    }
    if (config.goals) {
      std::vector<double> latency, fps, energy;
      for (const BfPlan& plan : unlimited.plans()) {
        latency.push_back(plan.metrics.latency);
        fps.push_back(plan.metrics.fps);
        energy.push_back(plan.metrics.energy);
      }
      options.max_latency_ms = Between(latency, 0.7);
      options.min_fps = Between(fps, 0.3);
      options.max_energy_mj = Between(energy, 0.8);
    }
  }

  const BruteForce brute(graph, max_cut_tensors, platforms, links, options);
  const std::vector<Cut> cuts = FindCuts(graph, {.max_cut_tensors = max_cut_tensors});
  ASSERT_EQ(cuts.size(), brute.cut_count()) << "cut finder disagrees with the down-set enumeration";
  const PlanResult result = PlanPartitions(graph, cuts, platforms, links, options);

  ++totals.cases;
  totals.broken_fusions += brute.broken_fusions();
  totals.plans += static_cast<int64_t>(brute.plans().size());
  for (const BfPlan& plan : brute.plans()) ++(plan.feasible ? totals.feasible : totals.infeasible);

  // Counts.
  EXPECT_EQ(result.cut_count, cuts.size());
  EXPECT_EQ(result.plans_evaluated, static_cast<double>(brute.plans().size()));

  // The Pareto set, as a multiset of metric triples.
  const std::vector<Triple> expected = ParetoOf(brute.plans(), true);
  std::vector<Triple> actual;
  for (const PlanReport& plan : result.pareto) actual.push_back(MetricsOf(plan));
  EXPECT_TRUE(SameTriples(expected, actual)) << "Pareto set differs";

  std::vector<Triple> feasible;
  for (const BfPlan& plan : brute.plans()) {
    if (plan.feasible) feasible.push_back(plan.metrics);
  }
  for (size_t i = 0; i < result.pareto.size(); ++i) {
    const PlanReport& plan = result.pareto[i];
    SCOPED_TRACE("pareto[" + std::to_string(i) + "] " + ToString(MetricsOf(plan)));
    // Feasible, with no violations.
    EXPECT_TRUE(plan.feasible);
    EXPECT_TRUE(plan.violations.empty()) << plan.violations.front();
    // Not dominated by any feasible plan.
    for (const Triple& other : feasible) {
      if (ClearlyDominates(other, MetricsOf(plan))) {
        ADD_FAILURE() << "dominated by feasible plan " << ToString(other);
        break;
      }
    }
    if (plan.stages.size() > 1) ++totals.multi_stage_pareto;
    if (plan.bottleneck.kind == "input") ++totals.capped;
    // Sorted by throughput, descending.
    if (i > 0) {
      EXPECT_GE(result.pareto[i - 1].throughput_fps, plan.throughput_fps);
    }
  }

  // Every reported plan's numbers add up.
  auto check_sums = [&](const PlanReport& plan) {
    double latency = 0, energy = 0, bottleneck = 0;
    std::vector<bool> seen(platforms.size(), false);
    for (const StageReport& stage : plan.stages) {
      latency += stage.latency_ms;
      energy += stage.energy_mj + stage.idle_energy_mj;
      bottleneck = std::max(bottleneck, stage.latency_ms);
      EXPECT_EQ(stage.memory_bytes, stage.weight_bytes + stage.peak_activation_bytes);
      EXPECT_GT(stage.layer_count, 0);
      ASSERT_GE(stage.platform, 0);
      ASSERT_LT(stage.platform, static_cast<int>(platforms.size()));
      EXPECT_FALSE(seen[static_cast<size_t>(stage.platform)]) << "platform used twice";
      seen[static_cast<size_t>(stage.platform)] = true;
    }
    // A link's busy time adds up over the transfers that cross it; frames
    // come no faster than the input rate.
    std::map<std::string, double> busy;
    for (const HopReport& hop : plan.hops) {
      latency += hop.transfer.latency_ms;
      energy += hop.transfer.energy_mj;
      for (const HopSegment& segment : hop.segments) {
        for (const std::string& r : segment.resources) {
          if (segment.transfer.wire_bytes > 0) bottleneck = std::max(bottleneck, busy[r] += segment.transfer.latency_ms);
        }
      }
    }
    const double pipeline = 1000.0 / bottleneck;
    if (options.input_fps) bottleneck = std::max(bottleneck, 1000.0 / *options.input_fps);
    EXPECT_TRUE(Near(plan.latency_ms, latency)) << plan.latency_ms << " vs " << latency;
    EXPECT_TRUE(Near(plan.energy_mj, energy)) << plan.energy_mj << " vs " << energy;
    EXPECT_TRUE(Near(plan.throughput_fps, 1000.0 / bottleneck)) << plan.throughput_fps << " vs " << 1000.0 / bottleneck;
    EXPECT_TRUE(Near(plan.pipeline_fps, pipeline)) << plan.pipeline_fps << " vs " << pipeline;
    // Hops: one between consecutive stages, plus input / output transfers.
    const int first = plan.stages.front().platform, last = plan.stages.back().platform;
    const size_t hops = plan.stages.size() - 1 + (first != 0 ? 1 : 0) +
                        (config.output_at == OutputAt::kFirst && last != 0 ? 1 : 0);
    EXPECT_EQ(plan.hops.size(), hops);
    int64_t layers = 0;
    for (const StageReport& stage : plan.stages) layers += stage.layer_count;
    EXPECT_EQ(layers, static_cast<int64_t>(graph.layer_count()));
  };
  for (const PlanReport& plan : result.pareto) check_sums(plan);

  // Baselines: one per platform, one stage on it, metrics as brute-forced.
  ASSERT_EQ(result.baselines.size(), platforms.size());
  for (size_t p = 0; p < platforms.size(); ++p) {
    SCOPED_TRACE("baseline " + std::to_string(p));
    const PlanReport& base = result.baselines[p];
    ASSERT_EQ(base.stages.size(), 1U);
    EXPECT_EQ(base.stages[0].platform, static_cast<int>(p));
    const BfPlan* single = brute.SinglePlatformPlan(static_cast<int>(p));
    ASSERT_NE(single, nullptr);
    EXPECT_TRUE(Near(MetricsOf(base), single->metrics)) << ToString(MetricsOf(base)) << " vs " << ToString(single->metrics);
    EXPECT_EQ(base.feasible, single->feasible);
    EXPECT_EQ(base.violations.empty(), base.feasible);
    check_sums(base);
  }

  // Recommended: the best Pareto plan by the objective; improvement over the
  // best feasible baseline.
  if (result.pareto.empty()) {
    EXPECT_FALSE(result.recommended.has_value());
  } else {
    ASSERT_TRUE(result.recommended.has_value());
    ASSERT_FALSE(expected.empty());
    ASSERT_LT(*result.recommended, result.pareto.size());
    const Triple chosen = MetricsOf(result.pareto[*result.recommended]);
    for (const PlanReport& plan : result.pareto) {
      EXPECT_LE(Key(chosen, config.objective), Key(MetricsOf(plan), config.objective));
    }
    Triple best = expected.front();
    for (const Triple& t : expected) {
      if (Key(t, config.objective) < Key(best, config.objective)) best = t;
    }
    EXPECT_TRUE(Near(chosen, best)) << ToString(chosen) << " vs " << ToString(best);
    std::optional<Triple> best_base;
    for (size_t p = 0; p < platforms.size(); ++p) {
      const BfPlan* single = brute.SinglePlatformPlan(static_cast<int>(p));
      if (single->feasible && (!best_base || Key(single->metrics, config.objective) < Key(*best_base, config.objective))) {
        best_base = single->metrics;
      }
    }
    ASSERT_EQ(result.best_baseline.has_value(), best_base.has_value());
    if (best_base) {
      EXPECT_TRUE(Near(MetricsOf(result.baselines[*result.best_baseline]), *best_base));
      double improvement = 0;
      switch (config.objective) {
        case Objective::kThroughput: improvement = (best.fps / best_base->fps - 1) * 100; break;
        case Objective::kLatency: improvement = (1 - best.latency / best_base->latency) * 100; break;
        case Objective::kEnergy: improvement = (1 - best.energy / best_base->energy) * 100; break;
      }
      if (!std::isfinite(improvement)) {
        // Both throughputs infinite (or latencies / energies 0): no ratio is reported.
        EXPECT_FALSE(result.improvement_pct.has_value()) << *result.improvement_pct;
      } else {
        ASSERT_TRUE(result.improvement_pct.has_value());
        EXPECT_NEAR(*result.improvement_pct, improvement, 1e-6);
      }
    }
  }

  // --show-infeasible: the infeasible plans of the unconstrained Pareto set.
  if (config.show_infeasible) {
    std::vector<Triple> rejected;
    const std::vector<Triple> unconstrained = ParetoOf(brute.plans(), false);
    for (const Triple& t : unconstrained) {
      bool infeasible = false;  // the plan(s) with these metrics
      for (const BfPlan& plan : brute.plans()) {
        if (SameTriple(plan.metrics, t) && !plan.feasible) infeasible = true;
      }
      if (infeasible) rejected.push_back(t);
    }
    std::vector<Triple> returned;
    for (const PlanReport& plan : result.rejected) {
      returned.push_back(MetricsOf(plan));
      EXPECT_FALSE(plan.feasible);
      EXPECT_FALSE(plan.violations.empty());
    }
    EXPECT_TRUE(SameTriples(rejected, returned)) << "rejected plans differ";
    totals.rejected += static_cast<int64_t>(rejected.size());
  } else {
    EXPECT_TRUE(result.rejected.empty());
  }

  if (config.list_all) CheckEveryPlan(graph, cuts, platforms, links, options, brute);

  // --best-only: just the recommended plan, the same metrics (with the
  // throughput objective and no goals, found by the bottleneck search).
  if (!config.show_infeasible) {
    PlanOptions best_only = options;
    best_only.best_only = true;
    const PlanResult best = PlanPartitions(graph, cuts, platforms, links, best_only);
    ASSERT_EQ(best.recommended.has_value(), result.recommended.has_value());
    if (result.recommended) {
      ASSERT_EQ(best.pareto.size(), 1U);
      EXPECT_TRUE(Near(MetricsOf(best.pareto[0]), MetricsOf(result.pareto[*result.recommended])))
          << "best-only " << ToString(MetricsOf(best.pareto[0])) << " vs "
          << ToString(MetricsOf(result.pareto[*result.recommended]));
    }
    // The dense single-label program and the general one return the same
    // plan, stage for stage, and so do the dense program's rounds under a
    // rising limit (forced here; by default only large searches use them);
    // the bounds only save work.
    for (const auto& [what, general, no_bounds, rounds] :
         {std::tuple{"general program", true, false, false}, std::tuple{"no bounds", false, true, false},
          std::tuple{"rounds", false, false, true}}) {
      PlanOptions reference = best_only;
      reference.testing.general_program = general;
      reference.testing.no_bounds = no_bounds;
      if (rounds) reference.testing.round_work = 0;
      const PlanResult other = PlanPartitions(graph, cuts, platforms, links, reference);
      ASSERT_EQ(other.pareto.size(), best.pareto.size()) << what;
      for (size_t i = 0; i < best.pareto.size(); ++i) EXPECT_EQ(StagesOf(other.pareto[i]), StagesOf(best.pareto[i])) << what;
      // Label counts are not compared: the dense program bounds with the
      // best plan known when a boundary began (so that lanes agree), the
      // general one with the best so far, and on chains the dense program
      // runs in rounds, which may add up to more than one unlimited pass on
      // tiny instances. BoundsPruneTheBestOnlySearchInBothPrograms pins them.
    }
    // Each boundary's states split over two and three lanes (threads;
    // forced here, by default only large searches use them), in rounds:
    // the same plan and the same count as on one thread.
    PlanOptions one_thread = best_only;
    one_thread.testing.round_work = 0;
    one_thread.testing.lane_states = 0;
    one_thread.testing.lane_work = 0;
    one_thread.testing.lane_labels = 0;
    one_thread.threads = 1;
    const PlanResult single = PlanPartitions(graph, cuts, platforms, links, one_thread);
    for (const int threads : {2, 3}) {
      PlanOptions lanes = one_thread;
      lanes.threads = threads;
      // With three: boundaries of fewer than 3 labels on one thread, the
      // others on the lanes.
      if (threads == 3) lanes.testing.lane_labels = 3;
      const PlanResult split = PlanPartitions(graph, cuts, platforms, links, lanes);
      ASSERT_EQ(single.pareto.size(), split.pareto.size()) << threads << " threads";
      for (size_t i = 0; i < single.pareto.size(); ++i) {
        EXPECT_EQ(StagesOf(split.pareto[i]), StagesOf(single.pareto[i])) << threads << " threads";
      }
      EXPECT_EQ(split.plans_visited, single.plans_visited) << threads << " threads";
    }
  }
  // Neither the bounds nor dominance between partial plans change the
  // Pareto set (the brute force above is the oracle for what it must be).
  if (!config.list_all) {
    for (const auto& [what, no_bounds, no_dominance] :
         {std::tuple{"no bounds", true, false}, std::tuple{"no dominance", false, true}}) {
      PlanOptions reference = options;
      reference.testing.no_bounds = no_bounds;
      reference.testing.no_dominance = no_dominance;
      const PlanResult other = PlanPartitions(graph, cuts, platforms, links, reference);
      ASSERT_EQ(other.pareto.size(), result.pareto.size()) << what;
      for (size_t i = 0; i < result.pareto.size(); ++i) {
        EXPECT_EQ(StagesOf(other.pareto[i]), StagesOf(result.pareto[i])) << what;
      }
      EXPECT_LE(result.plans_visited, other.plans_visited) << what;
    }
  }
  // Seeded with the throughput-optimal plan (forced; by default only large
  // searches are): the same Pareto set, plan for plan.
  if (!config.list_all) {
    PlanOptions seeded = options;
    seeded.testing.pareto_seed_states = 0;
    const PlanResult other = PlanPartitions(graph, cuts, platforms, links, seeded);
    ASSERT_EQ(other.pareto.size(), result.pareto.size()) << "seeded";
    for (size_t i = 0; i < result.pareto.size(); ++i) {
      EXPECT_EQ(StagesOf(other.pareto[i]), StagesOf(result.pareto[i])) << "seeded";
    }
    ASSERT_EQ(other.rejected.size(), result.rejected.size()) << "seeded";
  }
  // The Pareto search, and the general single-label one, split over two and
  // three lanes (threads; forced here, by default only large searches on
  // prefix cuts use them): the same plans, in the same order, and the same
  // count as on one thread. With three, boundaries of fewer than 3 labels
  // go on one thread.
  for (const bool best_only_general : {false, true}) {
    if (best_only_general && config.show_infeasible) continue;
    PlanOptions one_thread = options;
    one_thread.threads = 1;
    if (best_only_general) {
      one_thread.best_only = true;
      one_thread.testing.general_program = true;
    }
    const PlanResult single = best_only_general ? PlanPartitions(graph, cuts, platforms, links, one_thread) : result;
    for (const int threads : {2, 3}) {
      PlanOptions lanes = one_thread;
      lanes.threads = threads;
      lanes.testing.pareto_lane_states = 0;
      lanes.testing.lane_labels = threads == 3 ? 3 : 0;
      const PlanResult split = PlanPartitions(graph, cuts, platforms, links, lanes);
      const std::string what = std::to_string(threads) + (best_only_general ? " lanes, best-only" : " lanes");
      ASSERT_EQ(split.pareto.size(), single.pareto.size()) << what;
      for (size_t i = 0; i < single.pareto.size(); ++i) {
        EXPECT_EQ(StagesOf(split.pareto[i]), StagesOf(single.pareto[i])) << what;
      }
      ASSERT_EQ(split.rejected.size(), single.rejected.size()) << what;
      EXPECT_EQ(split.plans_visited, single.plans_visited) << what;
    }
  }
}

// Runs `config` on `seeds` random graphs of `min_layers`..`max_layers` layers.
Totals RunRandom(const Config& config, int seeds, int min_layers, int max_layers, uint32_t salt) {
  Totals totals;
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937 rng(static_cast<uint32_t>(seed) * 7919U + salt);
    const int layers = std::uniform_int_distribution<int>(min_layers, max_layers)(rng);
    const int k = std::uniform_int_distribution<int>(1, 3)(rng);
    const LayerGraph graph = config.chain ? RandomCostChain(rng, layers) : RandomCostGraph(rng, layers);
    std::vector<PlatformProfile> platforms = FourPlatforms();
    AddMeasurements(platforms, graph, rng);
    if (config.fused) AddFusedGroups(platforms, graph, rng);
    SCOPED_TRACE(config.name + ", seed " + std::to_string(seed) + ", K " + std::to_string(k) + ": " +
                 test::Describe(graph));
    CheckCase(graph, k, platforms, FourLinks(), config, totals);
    if (::testing::Test::HasFailure()) break;  // one failing case is enough to read
  }
  return totals;
}

// ------------------------------------------------------------------ tests

TEST(Planner, MatchesBruteForceOnRandomGraphsWithTwoPlatforms) {
  for (const Config& config : {Config{.name = "cpu,npu", .platforms = {0, 1}},
                               Config{.name = "npu,gpu", .platforms = {1, 2}},
                               Config{.name = "gpu,dsp", .platforms = {2, 3}}}) {
    const Totals t = RunRandom(config, 40, 3, 8, 11);
    EXPECT_GT(t.multi_stage_pareto, 0) << config.name << ": no split plan was ever Pareto-optimal";
  }
}

TEST(Planner, MatchesBruteForceOnRandomGraphsWithTwoPlatformsInAnyOrder) {
  const Totals t = RunRandom({.name = "dsp,cpu any order", .platforms = {3, 0}, .any_order = true}, 40, 3, 8, 12);
  EXPECT_GT(t.multi_stage_pareto, 0);
}

TEST(Planner, MatchesBruteForceOnRandomGraphsWithThreePlatforms) {
  const Totals t = RunRandom({.name = "cpu,npu,gpu", .platforms = {0, 1, 2}}, 40, 3, 8, 13);
  EXPECT_GT(t.multi_stage_pareto, 0);
}

TEST(Planner, MatchesBruteForceOnRandomGraphsWithThreePlatformsInAnyOrder) {
  const Totals t = RunRandom({.name = "gpu,cpu,npu any order", .platforms = {2, 0, 1}, .any_order = true}, 40, 3, 8, 14);
  EXPECT_GT(t.multi_stage_pareto, 0);
}

TEST(Planner, MatchesBruteForceOnRandomGraphsWithFourPlatforms) {
  const Totals t = RunRandom({.name = "cpu,npu,gpu,dsp", .platforms = {0, 1, 2, 3}}, 40, 3, 8, 15);
  EXPECT_GT(t.multi_stage_pareto, 0);
}

TEST(Planner, MatchesBruteForceOnRandomGraphsWithFourPlatformsInAnyOrder) {
  const Totals t =
      RunRandom({.name = "dsp,gpu,npu,cpu any order", .platforms = {3, 2, 1, 0}, .any_order = true}, 40, 3, 8, 16);
  EXPECT_GT(t.multi_stage_pareto, 0);
}

TEST(Planner, MatchesBruteForceWhenOutputIsWantedAtTheFirstPlatform) {
  RunRandom({.name = "npu,cpu output first", .platforms = {1, 0}, .output_at = OutputAt::kFirst}, 40, 3, 8, 17);
  RunRandom({.name = "cpu,gpu,npu any order output first",
             .platforms = {0, 2, 1},
             .any_order = true,
             .output_at = OutputAt::kFirst},
            40, 3, 8, 18);
}

TEST(Planner, MatchesBruteForceWhenMemoryCapacityRulesOutSomePlans) {
  Totals total;
  for (const Config& config :
       {Config{.name = "cpu,npu,gpu memory", .platforms = {0, 1, 2}, .limit_memory = true, .show_infeasible = true},
        Config{.name = "gpu,dsp,cpu any order memory",
               .platforms = {2, 3, 0},
               .any_order = true,
               .limit_memory = true,
               .show_infeasible = true}}) {
    const Totals t = RunRandom(config, 40, 3, 8, 19);
    total.feasible += t.feasible;
    total.infeasible += t.infeasible;
    total.rejected += t.rejected;
  }
  EXPECT_GT(total.feasible, 0);
  EXPECT_GT(total.infeasible, 0);
  EXPECT_GT(total.rejected, 0) << "no memory-limited plan was ever Pareto-optimal without the limit";
}

TEST(Planner, MatchesBruteForceWithAnInputRateBelowSomePlans) {
  Totals total;
  for (const Config& config :
       {Config{.name = "cpu,npu,gpu fps", .platforms = {0, 1, 2}, .limit_fps = true, .show_infeasible = true},
        Config{.name = "npu,dsp,cpu,gpu any order fps output first",
               .platforms = {1, 3, 0, 2},
               .any_order = true,
               .output_at = OutputAt::kFirst,
               .limit_fps = true,
               .show_infeasible = true}}) {
    const Totals t = RunRandom(config, 40, 3, 8, 20);
    total.feasible += t.feasible;
    total.infeasible += t.infeasible;
    total.rejected += t.rejected;
    total.capped += t.capped;
  }
  EXPECT_GT(total.feasible, 0);
  EXPECT_GT(total.capped, 0);  // some Pareto plans run at the input rate, not their own
}

TEST(Planner, MatchesBruteForceUnderLatencyThroughputAndEnergyGoals) {
  Totals total;
  for (const Config& config : {Config{.name = "cpu,npu,gpu goals", .platforms = {0, 1, 2}, .goals = true},
                               Config{.name = "gpu,npu,dsp any order goals, latency objective",
                                      .platforms = {2, 1, 3},
                                      .any_order = true,
                                      .goals = true,
                                      .show_infeasible = true,
                                      .objective = Objective::kLatency},
                               Config{.name = "cpu,dsp goals, energy objective",
                                      .platforms = {0, 3},
                                      .goals = true,
                                      .objective = Objective::kEnergy}}) {
    const Totals t = RunRandom(config, 40, 3, 8, 21);
    total.feasible += t.feasible;
    total.infeasible += t.infeasible;
  }
  EXPECT_GT(total.feasible, 0);
  EXPECT_GT(total.infeasible, 0);
}

TEST(Planner, MatchesBruteForceWithEverythingAtOnce) {
  RunRandom({.name = "all four, any order, output first, memory, fps, goals, idle energy",
             .platforms = {0, 1, 2, 3},
             .any_order = true,
             .output_at = OutputAt::kFirst,
             .limit_memory = true,
             .limit_fps = true,
             .goals = true,
             .idle_energy = true,
             .show_infeasible = true,
             .objective = Objective::kEnergy},
            30, 3, 8, 22);
}

TEST(Planner, MatchesBruteForceWhenLinksAreNearlyFree) {
  // Transfers cost ~1e-7 ms: plans reach the search's lower bounds (each
  // remaining layer at its cheapest platform) almost exactly.
  RunRandom({.name = "cpu,npu,gpu,dsp free links", .platforms = {0, 1, 2, 3}, .free_links = true}, 120, 3, 8, 24);
  RunRandom({.name = "gpu,npu,cpu any order free links, energy objective",
             .platforms = {2, 1, 0},
             .any_order = true,
             .objective = Objective::kEnergy,
             .free_links = true},
            120, 3, 8, 25);
}

TEST(Planner, ListAllAndEvaluatePlanAgreeWithBruteForceOnEveryPlan) {
  RunRandom({.name = "cpu,npu,gpu list all", .platforms = {0, 1, 2}, .list_all = true}, 30, 3, 7, 26);
  RunRandom({.name = "dsp,gpu,cpu,npu any order, everything, list all",
             .platforms = {3, 2, 0, 1},
             .any_order = true,
             .output_at = OutputAt::kFirst,
             .limit_memory = true,
             .limit_fps = true,
             .goals = true,
             .idle_energy = true,
             .list_all = true},
            20, 3, 6, 27);
}

TEST(Planner, IdleEnergyAddsIdlePowerTimesWaitingTimeOfWattBasedPlatforms) {
  RunRandom({.name = "cpu,npu,gpu idle", .platforms = {0, 1, 2}, .idle_energy = true}, 40, 3, 8, 23);
}

TEST(Planner, MatchesBruteForceWithIdenticalDevices) {
  // Repeated profiles are one device type: the search counts their uses and
  // never tries permutations of them, yet must find the same Pareto set.
  for (const Config& config :
       {Config{.name = "cpu,npu,npu,gpu", .platforms = {0, 1, 1, 2}},
        Config{.name = "npu,gpu,gpu,gpu any order", .platforms = {1, 2, 2, 2}, .any_order = true},
        Config{.name = "cpu,npu,dsp,dsp any order, output first, fps, idle energy",
               .platforms = {0, 1, 3, 3},
               .any_order = true,
               .output_at = OutputAt::kFirst,
               .limit_fps = true,
               .idle_energy = true,
               .show_infeasible = true},
        // Memory limits go to the first two platforms: the repeated ones stay identical.
        Config{.name = "gpu,dsp,npu,npu any order, memory", .platforms = {2, 3, 1, 1}, .any_order = true,
               .limit_memory = true, .show_infeasible = true},
        Config{.name = "gpu,gpu,cpu,cpu any order, goals, list all",
               .platforms = {2, 2, 0, 0},
               .any_order = true,
               .goals = true,
               .list_all = true}}) {
    const Totals t = RunRandom(config, 25, 3, 7, 31);
    EXPECT_GT(t.multi_stage_pareto, 0) << config.name;
  }
}

TEST(Planner, MatchesBruteForceOnChainsWithPrefixCutsOnly) {
  for (const Config& config :
       {Config{.name = "chain cpu,npu,gpu memory", .platforms = {0, 1, 2}, .limit_memory = true,
               .show_infeasible = true, .chain = true},
        Config{.name = "chain dsp,cpu,npu,npu any order, everything",
               .platforms = {3, 0, 1, 1},
               .any_order = true,
               .limit_memory = true,
               .limit_fps = true,
               .goals = true,
               .idle_energy = true,
               .show_infeasible = true,
               .chain = true},
        Config{.name = "chain gpu,cpu,npu list all", .platforms = {2, 0, 1}, .limit_memory = true, .list_all = true,
               .chain = true},
        // --best-only under memory limits (also in rounds): the reach bound
        // counts whole stages that must fit, so an unsound memory test in it
        // loses plans here.
        Config{.name = "chain npu,cpu,gpu memory", .platforms = {1, 0, 2}, .limit_memory = true, .chain = true},
        Config{.name = "chain npu,npu,gpu,gpu any order, memory",
               .platforms = {1, 1, 2, 2},
               .any_order = true,
               .limit_memory = true,
               .chain = true}}) {
    const Totals t = RunRandom(config, 30, 3, 9, 32);
    EXPECT_GT(t.multi_stage_pareto, 0) << config.name;
  }
}

TEST(Planner, MatchesBruteForceWithFusedGroupsBrokenByCuts) {
  // Random fused groups: every program (Pareto, both best-only programs,
  // list_all, EvaluatePlan) must charge broken groups as the brute force does.
  int64_t broken = 0;
  for (const Config& config :
       {Config{.name = "fused cpu,gpu,dsp", .platforms = {0, 2, 3}, .fused = true},
        Config{.name = "fused gpu,dsp,cpu any order, output first, idle energy",
               .platforms = {2, 3, 0},
               .any_order = true,
               .output_at = OutputAt::kFirst,
               .idle_energy = true,
               .fused = true},
        // Memory limits go to the first two platforms: the repeated ones stay identical.
        Config{.name = "fused gpu,dsp,cpu,cpu any order, memory", .platforms = {2, 3, 0, 0}, .any_order = true,
               .limit_memory = true, .show_infeasible = true, .fused = true},
        Config{.name = "fused cpu,npu,gpu free links", .platforms = {0, 1, 2}, .free_links = true, .fused = true},
        Config{.name = "fused dsp,gpu,cpu list all, goals", .platforms = {3, 2, 0}, .goals = true, .list_all = true,
               .fused = true},
        Config{.name = "fused chain gpu,cpu,dsp,dsp any order", .platforms = {2, 0, 3, 3}, .any_order = true,
               .chain = true, .fused = true},
        Config{.name = "fused chain cpu,gpu,npu memory, list all", .platforms = {0, 2, 1}, .limit_memory = true,
               .list_all = true, .chain = true, .fused = true}}) {
    const Totals t = RunRandom(config, 30, 3, 8, 33);
    EXPECT_GT(t.multi_stage_pareto, 0) << config.name;
    broken += t.broken_fusions;
  }
  EXPECT_GT(broken, 0) << "no stage ever broke a fused group";
}

TEST(Planner, CountsPlansBeyondTwoToThe63WithoutOverflow) {
  // 24 identical boards and a camera in any order over a 30-layer chain: about
  // 1e30 plans, one type, a search of a few thousand states.
  std::mt19937 rng(5);
  const LayerGraph graph = RandomCostChain(rng, 30, false);
  const std::vector<PlatformProfile> four = FourPlatforms();
  const std::vector<LinkProfile> links = FourLinks();
  std::vector<PlatformProfile> platforms = {four[0]};
  std::vector<std::optional<LinkProfile>> platform_links = {links[0]};
  for (int i = 0; i < 24; ++i) platforms.push_back(four[1]), platform_links.emplace_back(links[1]);
  PlanOptions options;
  options.any_order = true;
  const std::vector<Cut> cuts = FindCuts(graph, {.max_cut_tensors = 1});
  const PlanResult result = PlanPartitions(graph, cuts, platforms, platform_links, options);
  EXPECT_GT(result.plans_evaluated, 1e25);
  EXPECT_TRUE(std::isfinite(result.plans_evaluated));
  EXPECT_TRUE(result.complete);
  ASSERT_FALSE(result.pareto.empty());
  // Instances of one type are used in index order.
  for (const PlanReport& plan : result.pareto) {
    int previous = 0;
    for (const StageReport& stage : plan.stages) {
      if (stage.platform == 0) continue;
      EXPECT_GT(stage.platform, previous);
      previous = stage.platform;
    }
  }
}

TEST(Planner, RefusesSearchesAboveMaxStatesNamingTheSize) {
  std::mt19937 rng(6);
  const LayerGraph graph = RandomCostChain(rng, 10);
  std::vector<PlatformProfile> platforms = FourPlatforms();
  const std::vector<LinkProfile> links = FourLinks();
  std::vector<std::optional<LinkProfile>> platform_links(links.begin(), links.end());
  PlanOptions options;
  options.any_order = true;
  options.max_states = 100;
  const std::vector<Cut> cuts = FindCuts(graph, {.max_cut_tensors = 1});
  try {
    PlanPartitions(graph, cuts, platforms, platform_links, options);
    ADD_FAILURE() << "expected a refusal";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("states"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--max-states"), std::string::npos) << e.what();
  }
}

TEST(Planner, MatchesBruteForceOnUnitTensorGraphsFromTestUtil) {
  // test::RandomGraph: every layer 1 MAC, every tensor 16 bytes.
  Totals totals;
  for (int seed = 0; seed < 20; ++seed) {
    std::mt19937 rng(static_cast<uint32_t>(seed) + 500U);
    const LayerGraph graph = test::RandomGraph(rng, std::uniform_int_distribution<int>(2, 7)(rng));
    std::vector<PlatformProfile> platforms = FourPlatforms();
    AddMeasurements(platforms, graph, rng);
    SCOPED_TRACE("seed " + std::to_string(seed) + ": " + test::Describe(graph));
    CheckCase(graph, 2, platforms, FourLinks(), {.name = "unit", .platforms = {0, 2, 3}}, totals);
    if (::testing::Test::HasFailure()) break;
  }
}

// ------------------------------------------------------------ pruning

// The bounds and dominance must not change a result (CheckCase compares them
// switched off), and must save work: without them the same instance visits
// strictly more partial plans. The exact counts pin the pruning down, so a
// weakened bound fails here too; a change that prunes better updates them.
struct PruningCase {
  LayerGraph graph;
  std::vector<Cut> cuts;
  std::vector<PlatformProfile> platforms;
  std::vector<std::optional<LinkProfile>> links;
  PruningCase() : graph(Make()) {
    cuts = FindCuts(graph, {.max_cut_tensors = 2});
    std::mt19937 rng(77);
    platforms = FourPlatforms();
    AddMeasurements(platforms, graph, rng);
    for (const LinkProfile& link : FourLinks()) links.emplace_back(link);
  }
  static LayerGraph Make() {
    std::mt19937 rng(76);
    return RandomCostChain(rng, 24, false);
  }
  // Eight devices, two of each profile: where bounds over the devices left matter.
  void Double() {
    const std::vector<PlatformProfile> first = platforms;
    platforms.insert(platforms.end(), first.begin(), first.end());
    const std::vector<std::optional<LinkProfile>> first_links = links;
    links.insert(links.end(), first_links.begin(), first_links.end());
  }
  int64_t Visited(bool best_only, bool no_bounds, bool no_dominance, bool general = false, bool rounds = false) const {
    PlanOptions options;
    if (rounds) options.testing.round_work = 0;
    options.any_order = true;
    options.best_only = best_only;
    options.testing.no_bounds = no_bounds;
    options.testing.no_dominance = no_dominance;
    options.testing.general_program = general;
    return PlanPartitions(graph, cuts, platforms, links, options).plans_visited;
  }
};

TEST(Planner, BoundsAndDominancePruneTheParetoSearch) {
  const PruningCase c;
  ASSERT_GT(c.cuts.size(), 10U);
  const int64_t pruned = c.Visited(false, false, false);
  const int64_t without_bounds = c.Visited(false, true, false);
  const int64_t without_dominance = c.Visited(false, false, true);
  EXPECT_LT(pruned, without_bounds);
  EXPECT_LT(pruned, without_dominance);
  // Pinned: the bounds use the archive as it stood when each boundary
  // began (so that lanes agree); 13,159 when they used every plan found.
  EXPECT_EQ(pruned, 13519);
}

// The throughput-optimal plan, found first by the dense program, bounds the
// Pareto search from its first boundary, and is what it returns when it is
// stopped before finding any plan of its own.
TEST(Planner, SeedPlanBoundsTheParetoSearchAndIsKeptWhenItStops) {
  PruningCase c;
  c.Double();
  PlanOptions options;
  options.any_order = true;
  const PlanResult plain = PlanPartitions(c.graph, c.cuts, c.platforms, c.links, options);
  PlanOptions seeded = options;
  seeded.testing.pareto_seed_states = 0;
  const PlanResult with_seed = PlanPartitions(c.graph, c.cuts, c.platforms, c.links, seeded);
  ASSERT_TRUE(plain.complete);
  ASSERT_TRUE(with_seed.complete);
  ASSERT_EQ(with_seed.pareto.size(), plain.pareto.size());
  for (size_t i = 0; i < plain.pareto.size(); ++i) EXPECT_EQ(StagesOf(with_seed.pareto[i]), StagesOf(plain.pareto[i]));
  EXPECT_LT(with_seed.plans_visited, plain.plans_visited);  // the seed's own labels included

  PlanOptions best_only = options;
  best_only.best_only = true;
  const PlanResult best = PlanPartitions(c.graph, c.cuts, c.platforms, c.links, best_only);
  ASSERT_EQ(best.pareto.size(), 1U);
  PlanOptions stopped = seeded;
  stopped.testing.stop_after_labels = 10;
  const PlanResult early = PlanPartitions(c.graph, c.cuts, c.platforms, c.links, stopped);
  EXPECT_FALSE(early.complete);
  ASSERT_FALSE(early.pareto.empty());
  EXPECT_TRUE(std::any_of(early.pareto.begin(), early.pareto.end(),
                          [&](const PlanReport& plan) { return StagesOf(plan) == StagesOf(best.pareto[0]); }));
  // Unseeded and stopped as early, the search has found only plans of few
  // stages, not the throughput-optimal one.
  stopped.testing.pareto_seed_states = 1e30;
  const PlanResult unseeded = PlanPartitions(c.graph, c.cuts, c.platforms, c.links, stopped);
  EXPECT_FALSE(unseeded.complete);
  EXPECT_TRUE(std::none_of(unseeded.pareto.begin(), unseeded.pareto.end(),
                           [&](const PlanReport& plan) { return StagesOf(plan) == StagesOf(best.pareto[0]); }));
}

TEST(Planner, BoundsPruneTheBestOnlySearchInBothPrograms) {
  PruningCase c;
  c.Double();
  // A chain: the dense program runs in rounds under a limit that starts at
  // the reach bound's relaxed optimum, so no stage longer than the limit is
  // tried.
  const int64_t dense = c.Visited(true, false, false);
  const int64_t general = c.Visited(true, false, false, true);
  EXPECT_LT(dense, c.Visited(true, true, false));
  EXPECT_LT(general, c.Visited(true, true, false, true));
  EXPECT_LT(dense, general);
  EXPECT_EQ(dense, 200);
  EXPECT_EQ(general, 142845);  // 139,988 with bounds from every plan found so far
  // Dominance by states that reached the same boundary with fewer devices
  // (off with no_dominance), seen in one pass without the other bounds.
  EXPECT_LT(c.Visited(true, true, false), c.Visited(true, true, true));
}

// ------------------------------------------------------------ hand-computed

// x[1,100] -> A -> a[1,50] -> B -> y[1,10]; measured costs, plain links of 1e5 B/s at 1 W.
struct HandCase {
  LayerGraph graph = BuildCostGraph({{"x", 100}},
                                    {{"A", "Op", {"x"}, {{"a", 50}}, 1, 0}, {"B", "Op", {"a"}, {{"y", 10}}, 1, 0}},
                                    {"y"});
  std::vector<PlatformProfile> platforms;
  std::vector<std::optional<LinkProfile>> links;
  HandCase() {
    platforms = FourPlatforms();
    platforms.resize(2);
    platforms[0].data_type = DType::kFloat32;
    platforms[1].data_type = DType::kFloat32;
    platforms[1].peak_macs_per_s[DType::kFloat32] = 1e12;
    platforms[0].layer_table = {{"A", {2, 2}}, {"B", {4, 4}}};
    platforms[1].layer_table = {{"A", {1, 0.5}}, {"B", {1, 0.5}}};
    LinkProfile link;
    link.name = "plain";
    link.bandwidth_bytes_per_s = 1e5;
    link.power_w = 1;
    links = {link, link};
  }
};

TEST(Planner, TwoLayerChainSplitAcrossTwoPlatformsHasHandComputedMetrics) {
  const HandCase c;
  const std::vector<Cut> cuts = FindCuts(c.graph, {});
  const PlanResult result = PlanPartitions(c.graph, cuts, c.platforms, c.links, {});
  // Plans: [p0: A B] 6 ms, 166.7 fps, 6 mJ; [p1: A B] input 400 B = 4 ms, 4 mJ,
  // then 2 ms, 1 mJ: 6 ms, 250 fps, 5 mJ; [p0: A | p1: B] 2 + 200 B (2 ms) + 1 =
  // 5 ms, 500 fps, 2 + 2 + 0.5 = 4.5 mJ, which dominates both.
  EXPECT_EQ(result.cut_count, 1U);
  EXPECT_EQ(result.plans_evaluated, 3.0);
  ASSERT_EQ(result.pareto.size(), 1U);
  const PlanReport& plan = result.pareto[0];
  EXPECT_DOUBLE_EQ(plan.latency_ms, 5);
  EXPECT_DOUBLE_EQ(plan.throughput_fps, 500);
  EXPECT_DOUBLE_EQ(plan.energy_mj, 4.5);
  ASSERT_EQ(plan.stages.size(), 2U);
  EXPECT_EQ(plan.stages[0].platform, 0);
  EXPECT_EQ(plan.stages[0].first_layer, "A");
  EXPECT_EQ(plan.stages[0].measured_latency_ms, 2);
  EXPECT_EQ(plan.stages[1].platform, 1);
  EXPECT_EQ(plan.stages[1].last_layer, "B");
  ASSERT_EQ(plan.hops.size(), 1U);
  EXPECT_EQ(plan.hops[0].what, "activations");
  EXPECT_EQ(plan.hops[0].from_platform, 0);
  EXPECT_EQ(plan.hops[0].to_platform, 1);
  EXPECT_EQ(plan.hops[0].transfer.payload_bytes, 200);
  EXPECT_EQ(plan.hops[0].tensors, std::vector<TensorId>{*c.graph.FindTensor("a")});
  EXPECT_DOUBLE_EQ(plan.latency_ms, plan.stages[0].latency_ms + plan.stages[1].latency_ms + plan.hops[0].transfer.latency_ms);
  // Stage memory: a 200 B produced and sent on; x 400 B received.
  EXPECT_EQ(plan.stages[0].peak_activation_bytes, 600);
  EXPECT_EQ(plan.stages[1].peak_activation_bytes, 240);

  ASSERT_EQ(result.baselines.size(), 2U);
  EXPECT_DOUBLE_EQ(result.baselines[0].latency_ms, 6);
  EXPECT_DOUBLE_EQ(result.baselines[0].throughput_fps, 1000.0 / 6);
  EXPECT_DOUBLE_EQ(result.baselines[0].energy_mj, 6);
  EXPECT_TRUE(result.baselines[0].hops.empty());
  EXPECT_DOUBLE_EQ(result.baselines[1].latency_ms, 6);
  EXPECT_DOUBLE_EQ(result.baselines[1].throughput_fps, 250);
  EXPECT_DOUBLE_EQ(result.baselines[1].energy_mj, 5);
  ASSERT_EQ(result.baselines[1].hops.size(), 1U);
  EXPECT_EQ(result.baselines[1].hops[0].what, "input");
  EXPECT_EQ(result.baselines[1].hops[0].transfer.payload_bytes, 400);
  ASSERT_TRUE(result.recommended.has_value());
  EXPECT_EQ(*result.recommended, 0U);
  ASSERT_TRUE(result.best_baseline.has_value());
  EXPECT_EQ(*result.best_baseline, 1U);
  ASSERT_TRUE(result.improvement_pct.has_value());
  EXPECT_DOUBLE_EQ(*result.improvement_pct, 100);
}

// x -> Conv c -> a -> Relu r -> b -> Gemm g -> y, all [1,1000] float32, on
// copies of one platform (1e9 MAC/s, 1e9 B/s, 0.01 ms per layer, 1 W) that
// measured c + r as one kernel: c 0.9 ms, r 0.001 ms (its MAC share).
struct FusionCase {
  LayerGraph graph = BuildCostGraph({{"x", 1000}},
                                    {{"c", "Conv", {"x"}, {{"a", 1000}}, 1000000, 0},
                                     {"r", "Relu", {"a"}, {{"b", 1000}}, 0, 0},
                                     {"g", "Gemm", {"b"}, {{"y", 1000}}, 1000000, 0}},
                                    {"y"});
  std::vector<PlatformProfile> platforms;
  std::vector<std::optional<LinkProfile>> links;
  std::vector<Cut> cuts = FindCuts(graph, {});
  explicit FusionCase(size_t copies = 2) {
    PlatformProfile p;
    p.name = "board";
    p.path = "board.json";
    p.peak_macs_per_s = {{DType::kFloat32, 1e9}};
    p.layer_overhead_ms = 0.01;
    p.memory_bandwidth_bytes_per_s = 1e9;
    p.memory_capacity_bytes = 1e12;
    p.active_w = 1;
    p.layer_table = {{"c", {0.9, 0.9}}, {"r", {0.001, 0.001}}};
    p.fused_groups = {{"c", "r"}};
    platforms.assign(copies, p);
    LinkProfile link;
    link.name = "plain";
    link.bandwidth_bytes_per_s = 1e9;
    link.power_w = 1;
    links.assign(copies, link);
  }
  // The plan whose stages end after the given tensors' producers.
  PlanReport Evaluate(const std::vector<std::string>& after) const {
    PlanSpec spec;
    for (size_t s = 0; s <= after.size(); ++s) spec.platforms.push_back(static_cast<int>(s));
    for (const std::string& tensor : after) {
      for (size_t c = 0; c < cuts.size(); ++c) {
        if (cuts[c].crossing == std::vector<TensorId>{*graph.FindTensor(tensor)}) spec.cuts.push_back(c);
      }
    }
    return EvaluatePlan(graph, cuts, platforms, links, {}, spec);
  }
  double Unfused(const std::string& layer) const {
    return EstimateLayer(graph, *graph.FindLayer(layer), platforms[0]).latency_ms;
  }
};

TEST(Planner, HeadEndingInsideAFusedGroupPaysItsLayersUnfusedCost) {
  const FusionCase c;
  // Unfused: c is compute-bound (1e6 MACs at 1e9/s = 1 ms, + 0.01), r moves
  // 8000 B at 1e9 B/s (0.008 ms, + 0.01).
  EXPECT_DOUBLE_EQ(c.Unfused("c"), 1.01);
  EXPECT_DOUBLE_EQ(c.Unfused("r"), 0.018);
  const PlanReport split = c.Evaluate({"a"});
  ASSERT_EQ(split.stages.size(), 2U);
  // The head runs c alone: its unfused estimate, not its 0.9 ms share.
  EXPECT_DOUBLE_EQ(split.stages[0].latency_ms, c.Unfused("c"));
  ASSERT_EQ(split.stages[0].broken_fusions.size(), 1U);
  const BrokenFusion& head = split.stages[0].broken_fusions[0];
  EXPECT_EQ(head.group, (std::vector<std::string>{"c", "r"}));
  EXPECT_EQ(head.in_stage, std::vector<std::string>{"c"});
  EXPECT_DOUBLE_EQ(head.extra_latency_ms, 1.01 - 0.9);
  EXPECT_DOUBLE_EQ(head.extra_energy_mj, 1.01 - 0.9);  // 1 W
  // The tail runs r alone (0.018 ms, not 0.001) and g (estimated, 1.01 ms).
  EXPECT_DOUBLE_EQ(split.stages[1].latency_ms, 0.001 + (0.018 - 0.001) + 1.01);
  ASSERT_EQ(split.stages[1].broken_fusions.size(), 1U);
  EXPECT_EQ(split.stages[1].broken_fusions[0].in_stage, std::vector<std::string>{"r"});
  // The head that keeps the group whole pays the measured kernel only, and
  // is now the cheaper head (before, 0.9 ms against 0.901 ms).
  const PlanReport whole = c.Evaluate({"b"});
  EXPECT_DOUBLE_EQ(whole.stages[0].latency_ms, 0.9 + 0.001);
  EXPECT_TRUE(whole.stages[0].broken_fusions.empty());
  EXPECT_LT(whole.stages[0].latency_ms, split.stages[0].latency_ms);
  // The search charges the same: each plan's totals agree with the report.
  EXPECT_DOUBLE_EQ(split.latency_ms, split.stages[0].latency_ms + split.stages[1].latency_ms +
                                          split.hops[0].transfer.latency_ms);
}

TEST(Planner, BrokenFusionUsesUnfusedMeasurementsAndNeverCostsLessThanTheShare) {
  FusionCase c;
  for (PlatformProfile& p : c.platforms) {
    p.layer_table["r"].unfused_latency_ms = 0.05;  // r measured as its own kernel
    p.layer_table["r"].unfused_energy_mj = 0.04;
    p.layer_table["c"].latency_ms = 2.0;  // a share above c's unfused estimate
  }
  const PlanReport split = c.Evaluate({"a"});
  EXPECT_DOUBLE_EQ(split.stages[0].latency_ms, 2.0);  // max(share, unfused): never cheaper
  ASSERT_EQ(split.stages[0].broken_fusions.size(), 1U);
  EXPECT_EQ(split.stages[0].broken_fusions[0].extra_latency_ms, 0);
  EXPECT_DOUBLE_EQ(split.stages[1].broken_fusions[0].extra_latency_ms, 0.05 - 0.001);
  EXPECT_DOUBLE_EQ(split.stages[1].broken_fusions[0].extra_energy_mj, 0.04 - 0.001);
}

TEST(Planner, StageBetweenTwoCutsThroughOneGroupPaysOnlyItsOwnPart) {
  FusionCase c(3);
  for (PlatformProfile& p : c.platforms) p.fused_groups = {{"c", "r", "g"}};
  const PlanReport plan = c.Evaluate({"a", "b"});
  ASSERT_EQ(plan.stages.size(), 3U);
  EXPECT_DOUBLE_EQ(plan.stages[0].latency_ms, 1.01);
  EXPECT_DOUBLE_EQ(plan.stages[1].latency_ms, 0.018);  // r alone, split at both ends
  EXPECT_DOUBLE_EQ(plan.stages[2].latency_ms, 1.01);   // g: estimated share = its unfused cost
  // The search prices every plan the same way: the best-only programs and
  // the Pareto search agree with the plans' reports.
  PlanOptions options;
  options.any_order = true;
  options.best_only = true;
  const PlanResult best = PlanPartitions(c.graph, c.cuts, c.platforms, c.links, options);
  options.testing.general_program = true;
  const PlanResult general = PlanPartitions(c.graph, c.cuts, c.platforms, c.links, options);
  ASSERT_EQ(best.pareto.size(), 1U);
  ASSERT_EQ(general.pareto.size(), 1U);
  EXPECT_EQ(StagesOf(best.pareto[0]), StagesOf(general.pareto[0]));
  EXPECT_DOUBLE_EQ(best.pareto[0].throughput_fps, general.pareto[0].throughput_fps);
}

// Exact ties: three boards with the same measured costs but different names
// (so three types) and free links. Every plan with all stages within the
// optimal period has the same latency and energy, so the second program's
// plan is decided by "the plan found first", which the lanes must respect
// when they merge their finds (and the rounds when they stop).
TEST(Planner, TiesGoToThePlanFoundFirstWithAnyNumberOfLanes) {
  std::mt19937 rng(5);
  const LayerGraph graph = RandomCostChain(rng, 12, false);
  const std::vector<Cut> cuts = FindCuts(graph, {});
  std::vector<PlatformProfile> platforms = FourPlatforms();
  platforms.resize(1);
  for (size_t l = 0; l < graph.layer_count(); ++l) {
    platforms[0].layer_table[graph.layer(static_cast<LayerId>(l)).name] = {1.0, 1.0};
  }
  platforms.push_back(platforms[0]);
  platforms.push_back(platforms[0]);
  platforms[1].name = "twin";
  platforms[2].name = "triplet";
  LinkProfile free_link;
  free_link.name = "free";
  free_link.bandwidth_bytes_per_s = 1e30;  // transfers round to nothing
  free_link.energy_from_power = false;
  const std::vector<std::optional<LinkProfile>> links(3, free_link);
  PlanOptions options;
  options.any_order = true;
  options.best_only = true;
  options.testing.general_program = true;
  const PlanResult reference = PlanPartitions(graph, cuts, platforms, links, options);
  ASSERT_EQ(reference.pareto.size(), 1U);
  ASSERT_GT(reference.pareto[0].stages.size(), 1U);
  options.testing.general_program = false;
  options.testing.round_work = 0;
  options.testing.lane_states = 0;
  options.testing.lane_work = 0;
  options.testing.lane_labels = 0;
  for (const int threads : {1, 2, 3}) {
    options.threads = threads;
    const PlanResult dense = PlanPartitions(graph, cuts, platforms, links, options);
    ASSERT_EQ(dense.pareto.size(), 1U);
    EXPECT_EQ(StagesOf(dense.pareto[0]), StagesOf(reference.pareto[0])) << threads << " threads";
  }
}

TEST(Planner, StagesListOpTypesWithNeitherAMacModelNorAMeasurement) {
  using Spec = test::CostedLayerSpec;
  // x -> A (modelled) -> N (NonMaxSuppression) -> T (TopK) -> y
  const LayerGraph graph = test::BuildDetailedGraph(
      {}, {"x"},
      {Spec{.name = "A", .op_type = "Op", .inputs = {"x"}, .outputs = {"a"}, .macs = 1},
       Spec{.name = "N", .op_type = "NonMaxSuppression", .inputs = {"a"}, .outputs = {"n"}, .macs_modelled = false},
       Spec{.name = "T", .op_type = "TopK", .inputs = {"n"}, .outputs = {"y"}, .macs_modelled = false}},
      {"y"});
  HandCase c;
  c.platforms[0].layer_table.clear();
  c.platforms[1].layer_table = {{"T", {1, 1}}};
  const std::vector<Cut> cuts = FindCuts(graph, {});
  ASSERT_EQ(cuts.size(), 2U);  // after A, after N
  const PlanReport split = EvaluatePlan(graph, cuts, c.platforms, c.links, {}, PlanSpec{{0, 1}, {1}});
  ASSERT_EQ(split.stages.size(), 2U);
  EXPECT_EQ(split.stages[0].unmodelled_ops, std::vector<std::string>{"NonMaxSuppression"});
  EXPECT_TRUE(split.stages[1].unmodelled_ops.empty());  // T is measured there
  const PlanReport alone = EvaluatePlan(graph, cuts, c.platforms, c.links, {}, PlanSpec{{0}, {}});
  EXPECT_EQ(alone.stages[0].unmodelled_ops, (std::vector<std::string>{"NonMaxSuppression", "TopK"}));
}

TEST(Planner, OutputAtFirstChargesTheReturnTransferFromTheLastPlatform) {
  const HandCase c;
  PlanOptions options;
  options.output_at = OutputAt::kFirst;
  const PlanResult result = PlanPartitions(c.graph, FindCuts(c.graph, {}), c.platforms, c.links, options);
  // y (40 B) goes back from p1: 0.4 ms, 0.4 mJ.
  ASSERT_EQ(result.pareto.size(), 1U);
  EXPECT_DOUBLE_EQ(result.pareto[0].latency_ms, 5.4);
  EXPECT_DOUBLE_EQ(result.pareto[0].energy_mj, 4.9);
  ASSERT_EQ(result.pareto[0].hops.size(), 2U);
  EXPECT_EQ(result.pareto[0].hops[1].what, "output");
  EXPECT_EQ(result.pareto[0].hops[1].from_platform, 1);
  EXPECT_EQ(result.pareto[0].hops[1].to_platform, 0);
  EXPECT_DOUBLE_EQ(result.baselines[1].latency_ms, 6.4);
  EXPECT_DOUBLE_EQ(result.baselines[0].latency_ms, 6);
}

TEST(Planner, AnyOrderAlsoTriesTheReverseOrder) {
  const HandCase c;
  PlanOptions options;
  options.any_order = true;
  const PlanResult result = PlanPartitions(c.graph, FindCuts(c.graph, {}), c.platforms, c.links, options);
  // + [p1: A | p0: B]: input 4 ms + 1 ms + a 2 ms + 4 ms = 11 ms.
  EXPECT_EQ(result.plans_evaluated, 4.0);
  ASSERT_EQ(result.pareto.size(), 1U);
  EXPECT_DOUBLE_EQ(result.pareto[0].latency_ms, 5);
}

// Issue 11, case 1: a frame rate above what a link could carry does not
// reject the plan: the plan runs at its own rate and the link is loaded at
// that rate. Input 400 B / split 200 B over 1e5 B/s, no fixed latency.
TEST(Planner, InputFpsAboveLinkCapacityCapsNothingAndRejectsNothing) {
  const HandCase c;
  PlanOptions options;
  options.input_fps = 600;  // 200 B x 600 = 1.2e5 B/s would exceed the link
  options.show_infeasible = true;
  const PlanResult result = PlanPartitions(c.graph, FindCuts(c.graph, {}), c.platforms, c.links, options);
  ASSERT_EQ(result.pareto.size(), 1U);
  const PlanReport& plan = result.pareto[0];
  ASSERT_EQ(plan.stages.size(), 2U);
  EXPECT_DOUBLE_EQ(plan.throughput_fps, 500);  // its own rate: 2 ms stage, 2 ms link
  EXPECT_DOUBLE_EQ(plan.pipeline_fps, 500);
  EXPECT_TRUE(result.rejected.empty());
  ASSERT_EQ(plan.hops.size(), 1U);
  EXPECT_DOUBLE_EQ(plan.hops[0].utilization, 1.0);  // 200 B x 500 fps / 1e5 B/s
  EXPECT_EQ(plan.bottleneck.kind, "stage");          // a tie: the stage is named first
  EXPECT_EQ(plan.bottleneck.stage, 0);
  EXPECT_TRUE(result.baselines[1].feasible);
  ASSERT_TRUE(result.improvement_pct);
  EXPECT_NEAR(*result.improvement_pct, 100, 1e-9);  // vs p1 alone at 250 fps
}

// Below every plan's own rate the input rate is what all plans achieve:
// throughput ties, latency and energy decide, link loads use the input rate.
TEST(Planner, InputFpsBelowThePipelineRateIsTheAchievedRate) {
  const HandCase c;
  PlanOptions options;
  options.input_fps = 200;
  const PlanResult result = PlanPartitions(c.graph, FindCuts(c.graph, {}), c.platforms, c.links, options);
  ASSERT_EQ(result.pareto.size(), 1U);
  const PlanReport& plan = result.pareto[0];
  EXPECT_DOUBLE_EQ(plan.throughput_fps, 200);
  EXPECT_DOUBLE_EQ(plan.pipeline_fps, 500);
  EXPECT_EQ(plan.bottleneck.kind, "input");
  EXPECT_DOUBLE_EQ(plan.hops[0].utilization, 0.4);  // 200 B x 200 fps / 1e5 B/s
  ASSERT_EQ(plan.resources.size(), 1U);
  EXPECT_DOUBLE_EQ(plan.resources[0].busy_ms, 2);
  // p1 alone also reaches 200 fps but is slower (6 ms) and costlier: the
  // split still wins, by latency under the throughput objective.
  EXPECT_DOUBLE_EQ(result.baselines[1].throughput_fps, 200);
  ASSERT_TRUE(result.improvement_pct);
  EXPECT_NEAR(*result.improvement_pct, 0, 1e-9);
}

// The same stage (same layers on the same platform) must cost the same
// whichever cuts delimit it. Here stage {L1} on p1 runs either after L0 on p0
// (cuts {L0} -> {L0, L1}) or first (empty head -> {L1}); p1's measured costs
// are L0 0.5 ms and L1 0.9 ms, and in floating point (0.5 + 0.9) - 0.5 is
// 0.8999999999999999, not 0.9.
//   A = [p0: L0 | p1: L1]: 0.2 + hop(in, t0: 4400 B at 1e8 B/s = 0.044) + 0.9
//       = 1.144 ms, 1000/0.9 fps, 1.144 mJ
//   B = [p1: L1 | p0: L0]: input 400 B (0.004) + 0.9 + hop(in, t1: 440 B at
//       1e9 B/s = 0.00044 ms, 0.000044 mJ) + 0.2 = 1.10444 ms, 1000/0.9 fps, 1.104044 mJ
// B dominates A (same throughput, lower latency and energy).
TEST(Planner, SameStageCostsTheSameWhicheverCutsBoundItSoTiedPlansAreCompared) {
  const LayerGraph graph = BuildCostGraph(
      {{"in", 100}}, {{"L0", "Op", {"in"}, {{"t0", 1000}}, 1, 0}, {"L1", "Op", {"in"}, {{"t1", 10}}, 1, 0}}, {"t0", "t1"});
  std::vector<PlatformProfile> platforms = FourPlatforms();
  platforms.resize(2);
  platforms[0].layer_table = {{"L0", {0.2, 0.2}}, {"L1", {5, 5}}};
  platforms[1].layer_table = {{"L0", {0.5, 0.5}}, {"L1", {0.9, 0.9}}};
  platforms[1].data_type = DType::kFloat32;
  platforms[1].peak_macs_per_s[DType::kFloat32] = 1e12;
  LinkProfile slow, fast;
  slow.name = "slow";
  slow.bandwidth_bytes_per_s = 1e8;
  slow.power_w = 1;
  fast.name = "fast";
  fast.bandwidth_bytes_per_s = 1e9;
  fast.power_w = 0.1;
  PlanOptions options;
  options.any_order = true;
  const PlanResult result = PlanPartitions(graph, FindCuts(graph, {.max_cut_tensors = 2}), platforms, {slow, fast}, options);
  ASSERT_TRUE(result.recommended.has_value());
  EXPECT_NEAR(result.pareto[*result.recommended].latency_ms, 1.10444, 1e-12)
      << "recommended: highest throughput, ties to lower latency";
  ASSERT_EQ(result.pareto.size(), 1U) << "a plan dominated up to rounding is in the Pareto set";
  EXPECT_EQ(result.pareto[0].stages[0].platform, 1);
  EXPECT_NEAR(result.pareto[0].throughput_fps, 1000 / 0.9, 1e-9);
  EXPECT_NEAR(result.pareto[0].latency_ms, 1.10444, 1e-12);
  EXPECT_NEAR(result.pareto[0].energy_mj, 1.104044, 1e-12);
}

}  // namespace
}  // namespace dnnpart
