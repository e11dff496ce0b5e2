// Planner scale benchmark (docs/benchmarks.md, "Planner at scale"): generates
// layer chains with per-layer times for three device types, then times
// dnnpart's exact planner (PlanPartitions, any order) and our own
// reimplementation of a PipeEdge-style throughput-only dynamic program over
// the same instance (written from the description in the project's notes, no
// code copied). Also times long chains on one and two platforms.
//   dnnpart_plan_scale table            the comparison table
//   dnnpart_plan_scale chain LAYERS P   one chain of LAYERS layers on P platforms
//   dnnpart_plan_scale fused LAYERS P   the same chain with every pair of adjacent
//                                       layers (l0 l1, l2 l3, ...) a fused group
//   dnnpart_plan_scale instance LAYERS DEVICES loose|tight best|pareto
//                                       one row of the table, no time limit
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "dnnpart/cuts.h"
#include "dnnpart/graph.h"
#include "dnnpart/plan.h"
#include "dnnpart/profiles.h"

namespace {

using namespace dnnpart;

struct Instance {
  int layers = 0;
  std::vector<int64_t> out_elements;             // per layer output
  std::vector<int64_t> params;                   // per layer
  std::vector<std::vector<double>> time_ms;      // [type][layer]
  std::vector<double> capacity_bytes;            // per type
  double bandwidth_bytes_per_s = 125e6;          // every device sends at this rate
  std::vector<int> devices;                      // per type
};

Instance MakeInstance(int layers, int devices, bool tight, uint32_t seed) {
  std::mt19937 rng(seed);
  Instance in;
  in.layers = layers;
  std::uniform_real_distribution<double> unit(0.5, 1.5);
  for (int l = 0; l < layers; ++l) {
    in.out_elements.push_back(static_cast<int64_t>(20000 * unit(rng)));
    in.params.push_back(static_cast<int64_t>(2e5 * unit(rng)));
  }
  const double speed[3] = {1.0, 2.5, 6.0};
  for (int t = 0; t < 3; ++t) {
    std::vector<double> times;
    for (int l = 0; l < layers; ++l) times.push_back(speed[t] * unit(rng));
    in.time_ms.push_back(times);
  }
  const double total_bytes = 2e5 * 4 * layers;
  for (int t = 0; t < 3; ++t) in.capacity_bytes.push_back(tight ? total_bytes / devices * 2.0 : total_bytes * 4);
  in.devices = {devices / 3 + (devices % 3 > 0), devices / 3 + (devices % 3 > 1), devices / 3};
  return in;
}

LayerGraph ChainGraph(const Instance& in) {
  LayerGraph::Builder builder;
  TensorId previous = builder.AddTensor("input", DType::kFloat32, {1, 1});
  builder.MarkGraphInput(previous);
  for (int l = 0; l < in.layers; ++l) {
    const TensorId out = builder.AddTensor("t" + std::to_string(l), DType::kFloat32, {1, in.out_elements[l]});
    Layer layer;
    layer.name = "l" + std::to_string(l);
    layer.op_type = "Relu";
    layer.inputs = {previous};
    layer.outputs = {out};
    layer.param_count = in.params[l];
    builder.AddLayer(layer);
    previous = out;
  }
  builder.MarkGraphOutput(previous);
  return std::move(builder).Build();
}

PlatformProfile Type(const Instance& in, int t) {
  PlatformProfile p;
  p.name = "type" + std::to_string(t);
  p.path = p.name + ".json";
  p.peak_macs_per_s = {{DType::kFloat32, 1e12}};
  p.memory_capacity_bytes = in.capacity_bytes[static_cast<size_t>(t)];
  p.memory_bandwidth_bytes_per_s = 1e12;
  p.active_w = 5.0 + t;
  for (int l = 0; l < in.layers; ++l) {
    p.layer_table["l" + std::to_string(l)] = {in.time_ms[static_cast<size_t>(t)][static_cast<size_t>(l)],
                                              (5.0 + t) * in.time_ms[static_cast<size_t>(t)][static_cast<size_t>(l)]};
  }
  return p;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Throughput-only DP in the style of PipeEdge's scheduler: state (layers done,
// devices used per type, type of the previous stage), value the smallest
// bottleneck; a hop costs output bytes / bandwidth; memory is the weights.
double BaselineBottleneckMs(const Instance& in) {
  const int n = in.layers;
  std::vector<double> prefix_time[3], prefix_weights(static_cast<size_t>(n) + 1, 0);
  for (int t = 0; t < 3; ++t) {
    prefix_time[t].assign(static_cast<size_t>(n) + 1, 0);
    for (int l = 0; l < n; ++l) prefix_time[t][l + 1] = prefix_time[t][l] + in.time_ms[t][l];
  }
  for (int l = 0; l < n; ++l) prefix_weights[l + 1] = prefix_weights[l] + 4.0 * static_cast<double>(in.params[l]);
  const int r0 = in.devices[0] + 1, r1 = in.devices[1] + 1, r2 = in.devices[2] + 1;
  const size_t combos = static_cast<size_t>(r0 * r1 * r2);
  const double inf = std::numeric_limits<double>::infinity();
  // best[i][combo * 3 + last]
  std::vector<std::vector<double>> best(static_cast<size_t>(n) + 1, std::vector<double>(combos * 3, inf));
  double answer = inf;
  for (int i = 0; i < n; ++i) {
    for (size_t combo = 0; combo < combos; ++combo) {
      const int c[3] = {static_cast<int>(combo % r0), static_cast<int>(combo / r0 % r1), static_cast<int>(combo / (r0 * r1))};
      for (int last = 0; last < 3; ++last) {
        double bn = i == 0 ? 0 : best[i][combo * 3 + last];
        if (i == 0 && (combo != 0 || last != 0)) continue;
        if (bn == inf) continue;
        const double hop = i == 0 ? 0 : 1000.0 * 4.0 * static_cast<double>(in.out_elements[i - 1]) / in.bandwidth_bytes_per_s;
        for (int t = 0; t < 3; ++t) {
          if (c[t] >= in.devices[t]) continue;
          const size_t next = combo + (t == 0 ? 1 : t == 1 ? r0 : r0 * r1);
          for (int j = i + 1; j <= n; ++j) {
            if (prefix_weights[j] - prefix_weights[i] > in.capacity_bytes[t]) break;
            const double value = std::max({bn, hop, prefix_time[t][j] - prefix_time[t][i]});
            if (j == n) {
              answer = std::min(answer, value);
            } else if (value < best[j][next * 3 + t]) {
              best[j][next * 3 + t] = value;
            }
          }
        }
      }
    }
  }
  return answer;
}

struct Run {
  double seconds = 0;
  double fps = 0;
  bool complete = true;
  size_t pareto = 0;
  int64_t visited = 0;
};

// Every pair of adjacent layers (l0 l1, l2 l3, ...) runs as one kernel; each
// layer run alone costs 1.3× its share, so every cut between a pair's layers
// breaks a fusion.
void FusePairs(PlatformProfile& p, int layers) {
  for (int l = 0; l + 1 < layers; l += 2) {
    p.fused_groups.push_back({"l" + std::to_string(l), "l" + std::to_string(l + 1)});
    for (int m = l; m <= l + 1; ++m) {
      LayerMeasurement& entry = p.layer_table.at("l" + std::to_string(m));
      entry.unfused_latency_ms = 1.3 * entry.latency_ms;
      entry.unfused_energy_mj = 1.3 * entry.energy_mj;
    }
  }
}

Run Plan(const Instance& in, bool any_order, double time_limit_s, bool best_only, bool fused = false) {
  const LayerGraph graph = ChainGraph(in);
  std::vector<PlatformProfile> platforms;
  std::vector<std::optional<LinkProfile>> links;
  LinkProfile link;
  link.name = "link";
  link.bandwidth_bytes_per_s = in.bandwidth_bytes_per_s;
  for (int t = 0; t < 3; ++t) {
    PlatformProfile type = Type(in, t);
    if (fused) FusePairs(type, in.layers);
    for (int k = 0; k < in.devices[t]; ++k) platforms.push_back(type), links.emplace_back(link);
  }
  // The benchmark's chains have no camera: the input is one element.
  PlanOptions options;
  options.any_order = any_order;
  options.time_limit_s = time_limit_s;
  options.best_only = best_only;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Cut> cuts = FindCuts(graph, {});
  const PlanResult result = PlanPartitions(graph, cuts, platforms, links, options);
  Run run;
  run.seconds = Seconds(start);
  run.complete = result.complete;
  run.pareto = result.pareto.size();
  run.visited = result.plans_visited;
  if (result.recommended) run.fps = result.pareto[*result.recommended].throughput_fps;
  return run;
}

int Table() {
  std::printf("| layers | devices | memory | baseline DP s | baseline fps | dnnpart --best-only s | fps | "
              "dnnpart Pareto s | Pareto plans |\n");
  std::printf("|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
  const std::vector<std::pair<int, int>> sizes = {{50, 4},   {200, 4},  {400, 4},  {50, 7},  {50, 8},   {100, 16},
                                                  {400, 16}, {50, 32},  {100, 32}, {50, 64}, {100, 64}};
  for (const auto& [layers, devices] : sizes) {
    for (bool tight : {false, true}) {
      const Instance in = MakeInstance(layers, devices, tight, static_cast<uint32_t>(layers * 100 + devices));
      const auto start = std::chrono::steady_clock::now();
      const double bn = BaselineBottleneckMs(in);
      const double baseline_s = Seconds(start);
      const Run best = Plan(in, true, 30, true);
      const Run run = Plan(in, true, 5, false);
      std::printf("| %d | %d | %s | %.3f | %.3f | %.3f%s | %.3f | %.3f%s | %zu |\n", layers, devices,
                  tight ? "tight" : "loose", baseline_s, bn > 0 ? 1000.0 / bn : 0.0, best.seconds,
                  best.complete ? "" : " (limit)", best.fps, run.seconds, run.complete ? "" : " (limit)", run.pareto);
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "table";
  if (mode == "table") return Table();
  if ((mode == "chain" || mode == "fused") && argc == 4) {
    const int layers = std::atoi(argv[2]);
    const int platforms = std::atoi(argv[3]);
    const bool fused = mode == "fused";
    Instance in = MakeInstance(layers, 3, false, 7);
    in.devices = {1, platforms > 1 ? 1 : 0, platforms > 2 ? platforms - 2 : 0};
    const Run run = Plan(in, false, 600, false, fused);
    std::printf("%schain of %d layers on %d platform(s): %.3f s, %zu Pareto plans, best %.4f fps\n",
                fused ? "pairwise fused " : "", layers, platforms, run.seconds, run.pareto, run.fps);
    return 0;
  }
  if (mode == "instance" && argc == 6) {
    const int layers = std::atoi(argv[2]);
    const int devices = std::atoi(argv[3]);
    const bool tight = std::string(argv[4]) == "tight";
    const bool best_only = std::string(argv[5]) == "best";
    const Instance in = MakeInstance(layers, devices, tight, static_cast<uint32_t>(layers * 100 + devices));
    const auto start = std::chrono::steady_clock::now();
    const double bn = BaselineBottleneckMs(in);
    const double baseline_s = Seconds(start);
    const Run run = Plan(in, true, 600, best_only);
    std::printf("%d layers x %d devices (%s): baseline %.3f s %.3f fps; dnnpart %s %.3f s %.3f fps, %zu plans, "
                "%lld labels\n",
                layers, devices, tight ? "tight" : "loose", baseline_s, bn > 0 ? 1000.0 / bn : 0.0,
                best_only ? "--best-only" : "Pareto", run.seconds, run.fps, run.pareto, static_cast<long long>(run.visited));
    return 0;
  }
  std::fprintf(stderr,
               "usage: dnnpart_plan_scale [table | chain LAYERS PLATFORMS | fused LAYERS PLATFORMS | instance LAYERS DEVICES loose|tight "
               "best|pareto]\n");
  return 1;
}
