// Planning over system files (docs/system.md): routes, shared resources,
// input rate and sensor conversion, checked against an independent brute
// force that enumerates every plan and every simple path itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "dnnpart/cuts.h"
#include "dnnpart/error.h"
#include "dnnpart/plan.h"
#include "dnnpart/system.h"
#include "test_util.h"

namespace dnnpart {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A chain x -> L0 -> t0 -> L1 -> t1 ... with the given tensor sizes
// (elements of float32); every prefix is a cut.
LayerGraph Chain(const std::vector<int64_t>& elements) {
  std::vector<test::TensorSpec> tensors = {{"x", {1, elements[0]}, DType::kFloat32}};
  std::vector<test::CostedLayerSpec> layers;
  for (size_t i = 1; i < elements.size(); ++i) {
    const std::string out = "t" + std::to_string(i - 1);
    tensors.push_back({out, {1, elements[i]}, DType::kFloat32});
    layers.push_back({"L" + std::to_string(i - 1), "Op", {i == 1 ? "x" : "t" + std::to_string(i - 2)}, {out}, 1, 0});
  }
  return test::BuildDetailedGraph(tensors, {"x"}, layers, {"t" + std::to_string(elements.size() - 2)});
}

PlatformProfile Board(const std::string& name, const std::vector<double>& layer_ms, double watts) {
  PlatformProfile p;
  p.name = name;
  p.peak_macs_per_s = {{DType::kFloat32, 1e9}};
  p.data_type = DType::kFloat32;
  p.memory_capacity_bytes = 1e12;
  p.memory_bandwidth_bytes_per_s = 1e9;
  p.active_w = watts;
  p.input_conversion_ns_per_element = 2.0 + watts;  // differs per board
  for (size_t i = 0; i < layer_ms.size(); ++i) p.layer_table["L" + std::to_string(i)] = {layer_ms[i], layer_ms[i] * watts};
  return p;
}

LinkProfile Wire(const std::string& name, double bytes_per_s, double fixed_ms, double watts) {
  LinkProfile l;
  l.name = name;
  l.bandwidth_bytes_per_s = bytes_per_s;
  l.latency_ms = fixed_ms;
  l.power_w = watts;
  return l;
}

// ---- the independent oracle ------------------------------------------------

struct Metrics {
  double fps = 0, latency = 0, energy = 0;
};

bool Near(double a, double b) { return a == b || std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b)); }
bool NoWorse(const Metrics& a, const Metrics& b) {
  return (a.fps >= b.fps || Near(a.fps, b.fps)) && (a.latency <= b.latency || Near(a.latency, b.latency)) &&
         (a.energy <= b.energy || Near(a.energy, b.energy));
}
bool SameMetrics(const Metrics& a, const Metrics& b) {
  return Near(a.fps, b.fps) && Near(a.latency, b.latency) && Near(a.energy, b.energy);
}

class Oracle {
 public:
  Oracle(const System& system, const std::vector<int64_t>& elements, std::optional<double> input_fps)
      : s_(system), elements_(elements), input_fps_(input_fps) {}

  // Latency of `bytes` over one medium (no framing in these links).
  static double HopMs(const LinkProfile& link, int64_t bytes) {
    return bytes == 0 ? 0 : 1000.0 * static_cast<double>(bytes) / link.bandwidth_bytes_per_s + link.latency_ms;
  }

  // Every simple path from a to b (accelerators forward nothing): the cheapest.
  std::vector<std::tuple<size_t, size_t, size_t>> Path(size_t a, size_t b, int64_t bytes) const {
    std::vector<std::tuple<size_t, size_t, size_t>> best, current;
    double best_ms = kInf;
    std::vector<bool> seen(s_.devices.size(), false);
    std::function<void(size_t, double)> walk = [&](size_t at, double ms) {
      if (at == b) {
        if (ms < best_ms) best_ms = ms, best = current;
        return;
      }
      if (at != a && s_.devices[at].host) return;  // an accelerator forwards nothing
      seen[at] = true;
      for (size_t m = 0; m < s_.media.size(); ++m) {
        const auto& members = s_.media[m].devices;
        if (std::find(members.begin(), members.end(), at) == members.end()) continue;
        for (size_t next : members) {
          if (seen[next] || next == at) continue;
          current.emplace_back(m, at, next);
          walk(next, ms + HopMs(s_.media[m].link, bytes));
          current.pop_back();
        }
      }
      seen[at] = false;
    };
    walk(a, 0);
    if (best_ms == kInf) throw std::runtime_error("unreachable");
    return best;
  }

  // Sends `bytes` from a to b: adds latency/energy and each resource's busy time.
  void Send(size_t a, size_t b, int64_t bytes, double& latency, double& energy,
            std::map<std::tuple<size_t, int, int>, double>& busy) const {
    for (const auto& [m, from, to] : Path(a, b, bytes)) {
      const LinkProfile& link = s_.media[m].link;
      const double ms = HopMs(link, bytes);
      latency += ms;
      energy += ms * link.power_w;
      if (bytes == 0) continue;
      switch (s_.media[m].kind) {
        case MediumKind::kPointToPoint: busy[{m, static_cast<int>(from), 0}] += ms; break;
        case MediumKind::kSwitch:
          busy[{m, static_cast<int>(from), 1}] += ms;  // sending port
          busy[{m, static_cast<int>(to), 2}] += ms;    // receiving port
          break;
        case MediumKind::kShared: busy[{m, -1, 0}] += ms; break;
      }
    }
  }

  std::vector<Metrics> Pareto() const {
    const size_t n = s_.devices.size();
    const int layers = static_cast<int>(elements_.size()) - 1;
    std::vector<Metrics> all;
    std::vector<size_t> order;
    std::vector<int> ends;
    std::vector<bool> used(n, false);
    std::function<void(int)> grow = [&](int from) {
      for (size_t d = 0; d < n; ++d) {
        if (used[d]) continue;
        for (int to = from + 1; to <= layers; ++to) {
          order.push_back(d);
          ends.push_back(to);
          used[d] = true;
          if (to == layers) {
            try {
              all.push_back(Evaluate(order, ends));
            } catch (const std::runtime_error&) {
              // some transfer has no route: not a plan
            }
          } else {
            grow(to);
          }
          used[d] = false;
          order.pop_back();
          ends.pop_back();
        }
      }
    };
    grow(0);
    std::vector<Metrics> front;
    for (const Metrics& m : all) {
      bool dominated = false;
      for (const Metrics& other : all) {
        if (NoWorse(other, m) && !SameMetrics(other, m)) dominated = true;
      }
      if (dominated) continue;
      if (std::none_of(front.begin(), front.end(), [&](const Metrics& f) { return SameMetrics(f, m); })) front.push_back(m);
    }
    return front;
  }

  Metrics Evaluate(const std::vector<size_t>& order, const std::vector<int>& ends) const {
    double latency = 0, energy = 0, bottleneck = 0;
    std::map<std::tuple<size_t, int, int>, double> busy;
    const size_t input = s_.input.device;
    const int64_t sensor_bytes = s_.input.dtype ? elements_[0] : elements_[0] * 4;  // uint8 sensor or float32
    if (order[0] != input) Send(input, order[0], sensor_bytes, latency, energy, busy);
    int from = 0;
    for (size_t k = 0; k < order.size(); ++k) {
      if (k > 0) Send(order[k - 1], order[k], elements_[static_cast<size_t>(from)] * 4, latency, energy, busy);
      const PlatformProfile& p = s_.devices[order[k]].platform;
      double stage = 0, stage_energy = 0;
      for (int l = from; l < ends[k]; ++l) {
        const LayerMeasurement& m = p.layer_table.at("L" + std::to_string(l));
        stage += m.latency_ms;
        stage_energy += m.energy_mj;
      }
      if (k == 0 && s_.input.dtype) {
        const double conversion = static_cast<double>(elements_[0]) * *p.input_conversion_ns_per_element * 1e-6;
        stage += conversion;
        stage_energy += conversion * p.active_w;
      }
      latency += stage;
      energy += stage_energy;
      bottleneck = std::max(bottleneck, stage);
      from = ends[k];
    }
    if (s_.output_device && order.back() != *s_.output_device) {
      Send(order.back(), *s_.output_device, elements_.back() * 4, latency, energy, busy);
    }
    for (const auto& [resource, ms] : busy) bottleneck = std::max(bottleneck, ms);
    if (input_fps_) bottleneck = std::max(bottleneck, 1000.0 / *input_fps_);
    return Metrics{bottleneck > 0 ? 1000.0 / bottleneck : kInf, latency, energy};
  }

 private:
  const System& s_;
  std::vector<int64_t> elements_;
  std::optional<double> input_fps_;
};

// ---- random systems ------------------------------------------------------

System RandomSystem(std::mt19937& rng, int layers) {
  std::uniform_real_distribution<double> u(0, 1);
  System s;
  s.path = "random.json";
  s.name = "random";
  // Two board kinds, so that identical devices occur (interchangeable or not,
  // depending on where they sit).
  std::vector<PlatformProfile> kinds;
  for (int k = 0; k < 2; ++k) {
    std::vector<double> ms;
    for (int l = 0; l < layers; ++l) ms.push_back(0.5 + 10 * u(rng));
    kinds.push_back(Board("board" + std::to_string(k), ms, 1 + k));
  }
  const int n = 3 + static_cast<int>(rng() % 3);
  for (int d = 0; d < n; ++d) {
    s.devices.push_back(SystemDevice{"d" + std::to_string(d), "d" + std::to_string(d), kinds[rng() % 2], std::nullopt});
  }
  // Link kinds from a small pool (the same profile on several media).
  std::vector<LinkProfile> wires;
  for (int k = 0; k < 3; ++k) wires.push_back(Wire("w" + std::to_string(k), 2e5 + 2e6 * u(rng), 0.05 * u(rng), 0.5));
  auto add = [&](MediumKind kind, std::vector<size_t> members) {
    s.media.push_back(SystemMedium{"m" + std::to_string(s.media.size()), kind, wires[rng() % wires.size()], members});
  };
  // A switch over some devices, a shared segment over others, a few point-to-point links.
  std::vector<size_t> all(static_cast<size_t>(n));
  for (size_t d = 0; d < all.size(); ++d) all[d] = d;
  std::shuffle(all.begin(), all.end(), rng);
  add(MediumKind::kSwitch, {all.begin(), all.begin() + 2 + static_cast<long>(rng() % (n - 1))});
  if (u(rng) < 0.6) {
    std::shuffle(all.begin(), all.end(), rng);
    add(MediumKind::kShared, {all.begin(), all.begin() + 2});
  }
  for (int k = 0; k < 2; ++k) {
    const size_t a = rng() % static_cast<size_t>(n), b = rng() % static_cast<size_t>(n);
    if (a != b) add(MediumKind::kPointToPoint, {a, b});
  }
  if (u(rng) < 0.5) {  // an accelerator on a random host
    const size_t host = rng() % static_cast<size_t>(n);
    s.devices.push_back(SystemDevice{"acc", "acc", kinds[rng() % 2], host});
    add(MediumKind::kPointToPoint, {host, s.devices.size() - 1});
  }
  for (SystemMedium& m : s.media) std::sort(m.devices.begin(), m.devices.end());
  s.input.device = rng() % s.devices.size();
  if (u(rng) < 0.5) s.input.dtype = DType::kUInt8;
  if (u(rng) < 0.5) s.output_device = rng() % s.devices.size();
  return s;
}

// A plan's stages as "device:until_cut" items, to compare plans exactly.
std::string StagesOf(const PlanReport& plan) {
  std::string text;
  for (const StageReport& stage : plan.stages) {
    text += std::to_string(stage.platform) + ":" + std::to_string(stage.until_cut) + " ";
  }
  return text;
}

TEST(SystemPlanner, ParetoSetMatchesAnIndependentBruteForceOnRandomSystems) {
  std::mt19937 rng(1101);
  int checked = 0, with_reuse = 0;
  for (int round = 0; round < 60; ++round) {
    const int layers = 3 + static_cast<int>(rng() % 2);
    std::vector<int64_t> elements;
    for (int i = 0; i <= layers; ++i) elements.push_back(200 + static_cast<int64_t>(rng() % 4000));
    const LayerGraph graph = Chain(elements);
    const System system = RandomSystem(rng, layers);
    std::optional<double> fps;
    if (rng() % 3 == 0) fps = 20.0 + static_cast<double>(rng() % 200);
    PlanOptions options;
    options.input_fps = fps;
    SCOPED_TRACE("round " + std::to_string(round));
    const Oracle oracle(system, elements, fps);
    const std::vector<Metrics> expected = oracle.Pareto();
    PlanResult result;
    try {
      result = PlanPartitions(graph, FindCuts(graph, {}), SystemTarget(system), options);
    } catch (const Error& e) {
      FAIL() << e.what();
    }
    ASSERT_EQ(result.pareto.size(), expected.size());
    for (const PlanReport& plan : result.pareto) {
      const Metrics got{plan.throughput_fps, plan.latency_ms, plan.energy_mj};
      EXPECT_TRUE(std::any_of(expected.begin(), expected.end(), [&](const Metrics& m) { return SameMetrics(m, got); }))
          << "fps " << got.fps << " latency " << got.latency << " energy " << got.energy;
      for (const ResourceLoad& load : plan.resources) {
        EXPECT_LE(load.utilization, 1 + 1e-9) << load.name;  // never over capacity at the achieved rate
      }
      if (plan.resources.size() < plan.hops.size()) ++with_reuse;
    }
    // Split over two and three lanes (forced; open loads of labels owned by
    // other lanes): the same plans in the same order, the same count.
    for (const int threads : {2, 3}) {
      PlanOptions lanes = options;
      lanes.threads = threads;
      lanes.testing.pareto_lane_states = 0;
      lanes.testing.lane_labels = threads == 3 ? 3 : 0;
      const PlanResult split = PlanPartitions(graph, FindCuts(graph, {}), SystemTarget(system), lanes);
      ASSERT_EQ(split.pareto.size(), result.pareto.size()) << threads << " lanes";
      for (size_t i = 0; i < result.pareto.size(); ++i) {
        EXPECT_EQ(StagesOf(split.pareto[i]), StagesOf(result.pareto[i])) << threads << " lanes";
      }
      EXPECT_EQ(split.plans_visited, result.plans_visited) << threads << " lanes";
    }
    ++checked;
  }
  EXPECT_EQ(checked, 60);
  EXPECT_GT(with_reuse, 0);  // some plans loaded one resource twice: sums were exercised
}

// --best-only over systems with switch ports and shared media: partial plans
// carry open loads, and a state can need several labels. The dense program
// keeps them itself (dense_only: it may not hand the search to the general
// program); its plan is the general program's, stage for stage, with and
// without rounds, and its throughput is the brute force's best.
TEST(SystemPlanner, BestOnlyDenseProgramKeepsSeveralLabelsPerStateExactly) {
  std::mt19937 rng(2202);
  int checked = 0;
  for (int round = 0; round < 120; ++round) {
    const int layers = 3 + static_cast<int>(rng() % 3);
    std::vector<int64_t> elements;
    for (int i = 0; i <= layers; ++i) elements.push_back(200 + static_cast<int64_t>(rng() % 4000));
    const LayerGraph graph = Chain(elements);
    System system = RandomSystem(rng, layers);
    if (round % 2 == 1) {
      // Every device also on one shared channel, as fast as the stages: the
      // channel's load grows with every hop over it, so a partial plan with
      // a smaller bottleneck but more load on the channel can lose later.
      std::vector<size_t> all(system.devices.size());
      for (size_t d = 0; d < all.size(); ++d) all[d] = d;
      system.media.push_back(SystemMedium{"air", MediumKind::kShared, Wire("air", 1e6 + 3e6 * static_cast<double>(rng() % 100) / 100.0, 0, 0.3), all});
    }
    std::optional<double> fps;
    if (rng() % 4 == 0) fps = 20.0 + static_cast<double>(rng() % 200);
    SCOPED_TRACE("round " + std::to_string(round));
    PlanOptions options;
    options.input_fps = fps;
    options.best_only = true;
    options.testing.dense_only = true;
    const std::vector<Cut> cuts = FindCuts(graph, {});
    PlanResult dense;
    try {
      dense = PlanPartitions(graph, cuts, SystemTarget(system), options);
    } catch (const Error& e) {
      FAIL() << e.what();
    }
    const std::vector<Metrics> expected = Oracle(system, elements, fps).Pareto();
    ASSERT_EQ(dense.pareto.empty(), expected.empty());
    if (expected.empty()) continue;
    double best_fps = 0;
    for (const Metrics& m : expected) best_fps = std::max(best_fps, m.fps);
    double best_latency = kInf;  // the fastest plan of the best throughput
    for (const Metrics& m : expected) {
      if (Near(m.fps, best_fps)) best_latency = std::min(best_latency, m.latency);
    }
    ASSERT_EQ(dense.pareto.size(), 1U);
    EXPECT_TRUE(Near(dense.pareto[0].throughput_fps, best_fps)) << dense.pareto[0].throughput_fps << " vs " << best_fps;
    EXPECT_TRUE(Near(dense.pareto[0].latency_ms, best_latency)) << dense.pareto[0].latency_ms << " vs " << best_latency;
    int64_t rounds_visited = -1;
    for (const auto& [what, general, rounds, threads] :
         {std::tuple{"general program", true, false, 1}, std::tuple{"rounds", false, true, 1},
          std::tuple{"rounds, 2 lanes", false, true, 2}, std::tuple{"3 lanes", false, false, 3}}) {
      PlanOptions reference = options;
      reference.testing.dense_only = !general;
      reference.testing.general_program = general;
      if (rounds) reference.testing.round_work = 0;
      // Lanes forced: each boundary's states split over threads, overflow
      // labels and open loads kept per lane.
      reference.threads = threads;
      reference.testing.lane_states = 0;
      reference.testing.lane_work = 0;
      reference.testing.lane_labels = 0;
      const PlanResult other = PlanPartitions(graph, cuts, SystemTarget(system), reference);
      ASSERT_EQ(other.pareto.size(), 1U) << what;
      EXPECT_EQ(StagesOf(other.pareto[0]), StagesOf(dense.pareto[0])) << what;
      // The same count as one thread in the same mode.
      if (rounds && threads == 1) rounds_visited = other.plans_visited;
      if (threads > 1) {
        EXPECT_EQ(other.plans_visited, rounds ? rounds_visited : dense.plans_visited) << what;
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

// The same brute force on the bundled layout of pi4_coral_jetson.json: the
// Coral is reached through the Pi only, frames are uint8 and results go back.
TEST(SystemPlanner, AcceleratorIsReachedThroughItsHostAndResultsReturn) {
  const LayerGraph graph = Chain({150528, 802816, 200704, 1000});
  System s;
  s.path = "pi_coral_jetson.json";
  s.devices.push_back(SystemDevice{"pi", "pi", Board("pi", {40, 30, 20}, 5), std::nullopt});
  s.devices.push_back(SystemDevice{"coral", "coral", Board("coral", {2, 2, 2}, 2), size_t{0}});
  s.devices.push_back(SystemDevice{"jetson", "jetson", Board("jetson", {4, 3, 2}, 10), std::nullopt});
  s.media.push_back(SystemMedium{"eth", MediumKind::kPointToPoint, Wire("ethernet_1g", 1.25e8, 0.1, 1), {0, 2}});
  s.media.push_back(SystemMedium{"pi-coral", MediumKind::kPointToPoint, Wire("usb3", 4e8, 0.05, 1), {0, 1}});
  s.input.device = 0;
  s.input.dtype = DType::kUInt8;
  s.output_device = 0;
  const PlanResult result = PlanPartitions(graph, FindCuts(graph, {}), SystemTarget(s), {});
  ASSERT_TRUE(result.recommended);
  const PlanReport& best = result.pareto[*result.recommended];
  for (const HopReport& hop : best.hops) {
    for (const HopSegment& segment : hop.segments) {
      // Nothing goes between the Coral and the Jetson directly.
      EXPECT_FALSE((segment.from_device == "coral" && segment.to_device == "jetson") ||
                   (segment.from_device == "jetson" && segment.to_device == "coral"));
    }
  }
  EXPECT_EQ(result.devices, (std::vector<std::string>{"pi", "coral", "jetson"}));
  const Oracle oracle(s, {150528, 802816, 200704, 1000}, std::nullopt);
  const std::vector<Metrics> expected = oracle.Pareto();
  ASSERT_EQ(result.pareto.size(), expected.size());
  // The first stage pays the uint8 -> float32 conversion.
  EXPECT_GT(best.stages[0].input_conversion_ms, 0);
  // Every baseline ends on the Pi: the Coral alone needs input and output over USB.
  EXPECT_EQ(result.baselines[1].hops.size(), 2U);
}

// The cheapest route can change with the payload: a direct link with no
// latency but little bandwidth wins for a small tensor, a relay over two
// fast links with a fixed latency each for a large one. The planner keeps
// such a pair's route per boundary.
TEST(SystemPlanner, RouteFollowsThePayloadPerBoundary) {
  // Cut 0 sends 10 floats, cut 1 a million.
  const LayerGraph graph = Chain({1000, 10, 1000000, 10});
  System s;
  s.path = "relay.json";
  s.devices.push_back(SystemDevice{"a", "a", Board("a", {1, 1, 1}, 1), std::nullopt});
  s.devices.push_back(SystemDevice{"b", "b", Board("b", {1, 1, 1}, 1), std::nullopt});
  s.devices.push_back(SystemDevice{"relay", "relay", Board("relay", {1e6, 1e6, 1e6}, 1), std::nullopt});
  s.media.push_back(SystemMedium{"slow", MediumKind::kPointToPoint, Wire("slow", 1e6, 0, 1), {0, 1}});
  s.media.push_back(SystemMedium{"up", MediumKind::kPointToPoint, Wire("fast", 1e9, 5, 1), {0, 2}});
  s.media.push_back(SystemMedium{"down", MediumKind::kPointToPoint, Wire("fast", 1e9, 5, 1), {2, 1}});
  const std::vector<Cut> cuts = FindCuts(graph, {});
  ASSERT_EQ(cuts.size(), 2U);
  const PlanReport small = EvaluatePlan(graph, cuts, SystemTarget(s), {}, PlanSpec{{0, 1}, {0}});
  const PlanReport large = EvaluatePlan(graph, cuts, SystemTarget(s), {}, PlanSpec{{0, 1}, {1}});
  ASSERT_EQ(small.hops.size(), 1U);
  ASSERT_EQ(large.hops.size(), 1U);
  EXPECT_EQ(small.hops[0].link, "slow");
  EXPECT_NEAR(small.hops[0].transfer.latency_ms, 0.04, 1e-9);
  EXPECT_EQ(large.hops[0].link, "up + down");
  EXPECT_NEAR(large.hops[0].transfer.latency_ms, 18, 1e-9);
  // The search prices both the same way as the independent brute force.
  const PlanResult result = PlanPartitions(graph, cuts, SystemTarget(s), {});
  const std::vector<Metrics> expected = Oracle(s, {1000, 10, 1000000, 10}, std::nullopt).Pareto();
  ASSERT_EQ(result.pareto.size(), expected.size());
  for (const PlanReport& plan : result.pareto) {
    const Metrics got{plan.throughput_fps, plan.latency_ms, plan.energy_mj};
    EXPECT_TRUE(std::any_of(expected.begin(), expected.end(), [&](const Metrics& m) { return SameMetrics(m, got); }))
        << "fps " << got.fps << " latency " << got.latency << " energy " << got.energy;
  }
}

// --time-limit counts the pricing of the transfers: when it runs out there,
// the result is incomplete and empty instead of a search over half-priced
// transfers. A search above --max-states is refused before pricing.
TEST(SystemPlanner, TimeLimitAndStateLimitApplyBeforeTheSearch) {
  const LayerGraph graph = Chain({1000, 2000, 3000, 1000});
  System s;
  s.path = "pair.json";
  s.devices.push_back(SystemDevice{"pi", "pi", Board("pi", {40, 30, 20}, 5), std::nullopt});
  s.devices.push_back(SystemDevice{"jetson", "jetson", Board("jetson", {4, 3, 2}, 10), std::nullopt});
  s.media.push_back(SystemMedium{"eth", MediumKind::kPointToPoint, Wire("ethernet_1g", 1.25e8, 0.1, 1), {0, 1}});
  const std::vector<Cut> cuts = FindCuts(graph, {});
  PlanOptions options;
  options.time_limit_s = 1e-12;
  const PlanResult stopped = PlanPartitions(graph, cuts, SystemTarget(s), options);
  EXPECT_FALSE(stopped.complete);
  EXPECT_TRUE(stopped.pareto.empty());
  EXPECT_FALSE(stopped.recommended.has_value());
  options.time_limit_s = 60.0;
  const PlanResult done = PlanPartitions(graph, cuts, SystemTarget(s), options);
  EXPECT_TRUE(done.complete);
  EXPECT_TRUE(done.recommended.has_value());
  // Evaluating one plan is no search: neither limit applies to it.
  options.time_limit_s = 1e-12;
  options.max_states = 1;
  const PlanSpec spec{{0, 1}, {0}};
  EXPECT_NO_THROW(EvaluatePlan(graph, cuts, SystemTarget(s), options, spec));
  options.time_limit_s.reset();
  try {
    PlanPartitions(graph, cuts, SystemTarget(s), options);
    FAIL() << "a search above --max-states was not refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("above --max-states 1"), std::string::npos) << e.what();
  }
}

// Two identical boards on one switch are interchangeable: the search counts
// them as one type yet every plan of the brute force is found, and reports
// name the instances.
TEST(SystemPlanner, IdenticalBoardsOnASwitchAreNamedByInstance) {
  const LayerGraph graph = Chain({1000, 1000, 1000, 1000, 10});
  System s;
  s.path = "switch.json";
  const PlatformProfile pi = Board("raspberry_pi_5", {10, 10, 10, 10}, 5);
  s.devices.push_back(SystemDevice{"camera", "camera", Board("camera", {50, 50, 50, 50}, 1), std::nullopt});
  s.devices.push_back(SystemDevice{"pi#1", "pi", pi, std::nullopt});
  s.devices.push_back(SystemDevice{"pi#2", "pi", pi, std::nullopt});
  s.media.push_back(SystemMedium{"lan", MediumKind::kSwitch, Wire("ethernet_1g", 1.25e8, 0.01, 1), {0, 1, 2}});
  const PlanResult result = PlanPartitions(graph, FindCuts(graph, {}), SystemTarget(s), {});
  ASSERT_TRUE(result.recommended);
  const PlanReport& best = result.pareto[*result.recommended];
  ASSERT_EQ(best.stages.size(), 2U);
  EXPECT_EQ(best.stages[0].device, "pi#1");
  EXPECT_EQ(best.stages[1].device, "pi#2");
  EXPECT_EQ(best.bottleneck.kind, "stage");
  const Oracle oracle(s, {1000, 1000, 1000, 1000, 10}, std::nullopt);
  EXPECT_EQ(result.pareto.size(), oracle.Pareto().size());
}

}  // namespace
}  // namespace dnnpart
