// Cost evaluator: every formula of docs/planning.md ("Layer cost on a
// platform", "Transfers on a link", memory) against hand-computed values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "dnnpart/cost.h"
#include "dnnpart/graph.h"
#include "dnnpart/profiles.h"
#include "test_util.h"

namespace dnnpart {
namespace {

constexpr double kRel = 1e-12;

// EXPECT_NEAR with a relative tolerance.
#define EXPECT_REL(actual, expected) EXPECT_NEAR((actual), (expected), kRel * std::max(1.0, std::abs(expected)))

using test::TensorSpec;
using LayerSpec = test::CostedLayerSpec;

// Builds a graph with explicit shapes, dtypes, MACs and parameters.
LayerGraph Build(const std::vector<TensorSpec>& tensors, const std::vector<std::string>& inputs,
                 const std::vector<LayerSpec>& layers, const std::vector<std::string>& outputs) {
  return test::BuildDetailedGraph(tensors, inputs, layers, outputs);
}

// x[1,3,8,8] -> conv (27648 MACs, 448 params) -> y[1,16,8,8] -> relu -> z
// -> dw (depthwise, 9216 MACs, 160 params) -> w -> idx (ArgMax) -> i int64[1,64]
LayerGraph ConvNet() {
  return Build({{"x", {1, 3, 8, 8}},
                {"y", {1, 16, 8, 8}},
                {"z", {1, 16, 8, 8}},
                {"w", {1, 16, 8, 8}},
                {"i", {1, 64}, DType::kInt64}},
               {"x"},
               {{"conv", "Conv", {"x"}, {"y"}, 27648, 448},
                {"relu", "Relu", {"y"}, {"z"}, 1024, 0},
                {"dw", "Conv", {"z"}, {"w"}, 9216, 160, true},
                {"idx", "ArgMax", {"w"}, {"i"}, 1024, 0}},
               {"i"});
}

PlatformProfile Platform() {
  PlatformProfile p;
  p.path = "test_platform.json";
  p.name = "test_platform";
  p.peak_macs_per_s = {{DType::kFloat32, 1e9}, {DType::kFloat16, 4e9}};
  p.data_type = DType::kFloat32;
  p.efficiency = {{"Conv", 0.5}, {"Conv.depthwise", 0.125}};
  p.default_efficiency = 0.25;
  p.layer_overhead_ms = 0.01;
  p.memory_capacity_bytes = 1e9;
  p.memory_bandwidth_bytes_per_s = 1e9;
  p.power_in_watts = true;
  p.active_w = 2.0;
  p.idle_w = 0.5;
  return p;
}

LayerId Id(const LayerGraph& g, const std::string& name) { return *g.FindLayer(name); }
TensorId Tid(const LayerGraph& g, const std::string& name) { return *g.FindTensor(name); }

// ---------------------------------------------------------------- roofline

TEST(EstimateLayer, ComputeBoundLayerCostsMacsOverPeakTimesEfficiencyPlusOverhead) {
  const LayerGraph g = ConvNet();
  const PlatformProfile p = Platform();
  // compute: 27648 / (1e9 * 0.5) = 5.5296e-5 s; memory: (448 + 192 + 1024) * 4 B / 1e9 = 6.656e-6 s.
  const LayerCost cost = EstimateLayer(g, Id(g, "conv"), p);
  EXPECT_EQ(cost.source, CostSource::kEstimated);
  EXPECT_REL(cost.latency_ms, 0.055296 + 0.01);
  EXPECT_REL(cost.energy_mj, 2.0 * (0.055296 + 0.01));
}

TEST(EstimateLayer, MemoryBoundLayerCostsBytesMovedOverBandwidthPlusOverhead) {
  const LayerGraph g = ConvNet();
  PlatformProfile p = Platform();
  p.memory_bandwidth_bytes_per_s = 1e8;
  // memory: (448 params + 192 in + 1024 out) * 4 B = 6656 B / 1e8 = 6.656e-5 s > compute 5.5296e-5 s.
  const LayerCost cost = EstimateLayer(g, Id(g, "conv"), p);
  EXPECT_REL(cost.latency_ms, 0.06656 + 0.01);
  EXPECT_REL(cost.energy_mj, 2.0 * (0.06656 + 0.01));
}

TEST(EstimateLayer, LayerOverheadIsAddedOnceToEveryEstimatedLayer) {
  const LayerGraph g = ConvNet();
  PlatformProfile p = Platform();
  p.layer_overhead_ms = 0;
  EXPECT_REL(EstimateLayer(g, Id(g, "conv"), p).latency_ms, 0.055296);
  p.layer_overhead_ms = 1.5;
  EXPECT_REL(EstimateLayer(g, Id(g, "conv"), p).latency_ms, 0.055296 + 1.5);
}

TEST(EstimateLayer, OpTypeWithoutEfficiencyEntryUsesDefaultEfficiency) {
  const LayerGraph g = ConvNet();
  PlatformProfile p = Platform();
  p.memory_bandwidth_bytes_per_s = 1e12;  // compute-bound
  // Relu: 1024 / (1e9 * 0.25) = 4.096e-6 s.
  EXPECT_REL(EstimateLayer(g, Id(g, "relu"), p).latency_ms, 0.004096 + 0.01);
  p.default_efficiency = 0.5;
  EXPECT_REL(EstimateLayer(g, Id(g, "relu"), p).latency_ms, 0.002048 + 0.01);
}

TEST(EstimateLayer, DepthwiseConvUsesConvDepthwiseEfficiencyWhenGiven) {
  const LayerGraph g = ConvNet();
  PlatformProfile p = Platform();
  p.memory_bandwidth_bytes_per_s = 1e12;
  // 9216 / (1e9 * 0.125) = 7.3728e-5 s.
  EXPECT_REL(EstimateLayer(g, Id(g, "dw"), p).latency_ms, 0.073728 + 0.01);
  // A plain Conv on the same platform keeps the "Conv" entry (0.5), not the depthwise one.
  EXPECT_REL(EstimateLayer(g, Id(g, "conv"), p).latency_ms, 0.055296 + 0.01);
}

TEST(EstimateLayer, DepthwiseConvFallsBackToConvEfficiencyWithoutDepthwiseKey) {
  const LayerGraph g = ConvNet();
  PlatformProfile p = Platform();
  p.memory_bandwidth_bytes_per_s = 1e12;
  p.efficiency.erase("Conv.depthwise");
  // 9216 / (1e9 * 0.5) = 1.8432e-5 s.
  EXPECT_REL(EstimateLayer(g, Id(g, "dw"), p).latency_ms, 0.018432 + 0.01);
  p.efficiency.erase("Conv");
  // 9216 / (1e9 * 0.25) = 3.6864e-5 s.
  EXPECT_REL(EstimateLayer(g, Id(g, "dw"), p).latency_ms, 0.036864 + 0.01);
}

TEST(EstimateLayer, PlatformDataTypeSelectsPeakAndBytesPerElement) {
  const LayerGraph g = ConvNet();
  PlatformProfile p = Platform();
  p.data_type = DType::kFloat16;
  p.memory_bandwidth_bytes_per_s = 1e8;
  // compute: 27648 / (4e9 * 0.5) = 1.3824e-5 s; memory: 1664 elements * 2 B = 3328 B / 1e8 = 3.328e-5 s.
  EXPECT_REL(EstimateLayer(g, Id(g, "conv"), p).latency_ms, 0.03328 + 0.01);
  p.memory_bandwidth_bytes_per_s = 1e12;
  EXPECT_REL(EstimateLayer(g, Id(g, "conv"), p).latency_ms, 0.013824 + 0.01);
}

TEST(EstimateLayer, NonFloatingTensorsKeepTheirOwnElementSizeInBytesMoved) {
  const LayerGraph g = ConvNet();
  PlatformProfile p = Platform();
  p.data_type = DType::kFloat16;
  p.peak_macs_per_s[DType::kFloat16] = 1e18;  // memory-bound
  p.memory_bandwidth_bytes_per_s = 1e8;
  p.layer_overhead_ms = 0;
  // idx: float16 input 1024 * 2 B + int64 output 64 * 8 B = 2560 B / 1e8 = 2.56e-5 s.
  EXPECT_REL(EstimateLayer(g, Id(g, "idx"), p).latency_ms, 0.0256);
  p.data_type = DType::kInt8;
  p.peak_macs_per_s[DType::kInt8] = 1e18;
  // int8: 1024 * 1 B + 64 * 8 B = 1536 B.
  EXPECT_REL(EstimateLayer(g, Id(g, "idx"), p).latency_ms, 0.01536);
}

TEST(EstimateLayer, EnergyFromActivePowerIsWattsTimesLatencyInMs) {
  const LayerGraph g = ConvNet();
  PlatformProfile p = Platform();
  p.active_w = 7.5;
  const LayerCost cost = EstimateLayer(g, Id(g, "conv"), p);
  EXPECT_REL(cost.energy_mj, 7.5 * 0.065296);
}

TEST(EstimateLayer, EnergyFromPicojoulesPerMacAndPerByte) {
  const LayerGraph g = ConvNet();
  PlatformProfile p = Platform();
  p.power_in_watts = false;
  p.active_w = 0;
  p.energy_per_mac_pj = 2;
  p.energy_per_byte_pj = 10;
  // (27648 MACs * 2 pJ + 6656 B * 10 pJ) = 121856 pJ = 1.21856e-4 mJ (1 pJ = 1e-9 mJ).
  const LayerCost cost = EstimateLayer(g, Id(g, "conv"), p);
  EXPECT_REL(cost.energy_mj, 1.21856e-4);
  EXPECT_REL(cost.latency_ms, 0.065296);  // latency does not depend on the energy model
  // float16 halves the bytes: 55296 + 3328 * 10 = 88576 pJ.
  p.data_type = DType::kFloat16;
  EXPECT_REL(EstimateLayer(g, Id(g, "conv"), p).energy_mj, 8.8576e-5);
}

// ------------------------------------------------------------ fusion

TEST(FusedGroupLayers, KeepsKnownLayersInTopologicalOrderAndDropsGroupsLeftWithOneLayer) {
  const LayerGraph g = ConvNet();
  PlatformProfile p = Platform();
  p.fused_groups = {{"relu", "conv"}, {"dw", "no_such_node"}, {"idx", "dw2", "w"}};
  const std::vector<std::vector<LayerId>> groups = FusedGroupLayers(g, p);
  ASSERT_EQ(groups.size(), 1U);  // the others keep one layer of the model
  EXPECT_EQ(groups[0], (std::vector<LayerId>{Id(g, "conv"), Id(g, "relu")}));
}

TEST(UnfusedLayerCost, MeasuredAloneElseEstimateWithoutFusingActivations) {
  const LayerGraph g = ConvNet();
  PlatformProfile p = Platform();
  p.fuse_activations = true;
  EXPECT_EQ(EstimateLayer(g, Id(g, "relu"), p).latency_ms, 0);  // fused into conv when estimated
  PlatformProfile alone = Platform();
  EXPECT_REL(UnfusedLayerCost(g, Id(g, "relu"), p).latency_ms, EstimateLayer(g, Id(g, "relu"), alone).latency_ms);
  p.layer_table["relu"] = {0.001, 0.002, 0.05, 0.1};
  EXPECT_EQ(UnfusedLayerCost(g, Id(g, "relu"), p).latency_ms, 0.05);
  EXPECT_EQ(UnfusedLayerCost(g, Id(g, "relu"), p).energy_mj, 0.1);
  EXPECT_EQ(UnfusedLayerCost(g, Id(g, "relu"), p).source, CostSource::kMeasured);
}

TEST(BrokenFusionExtra, PartPaysUnfusedMinusChargedButNeverLess) {
  const std::vector<LayerCost> charged{{1.0, 2.0}, {0.1, 0.2}};
  const std::vector<LayerCost> unfused{{0.5, 1.0}, {0.3, 0.9}};
  EXPECT_DOUBLE_EQ(BrokenFusionExtra({1}, charged, unfused).latency_ms, 0.2);
  EXPECT_DOUBLE_EQ(BrokenFusionExtra({1}, charged, unfused).energy_mj, 0.7);
  EXPECT_EQ(BrokenFusionExtra({0}, charged, unfused).latency_ms, 0);  // shares above the unfused cost
  EXPECT_EQ(BrokenFusionExtra({0, 1}, charged, unfused).latency_ms, 0);  // summed over the part first
}

TEST(BytesPerElementOn, FloatingTensorsTakePlatformTypeOthersKeepTheirs) {
  const LayerGraph g = ConvNet();
  EXPECT_EQ(BytesPerElementOn(g.tensor(Tid(g, "y")), DType::kInt8), 1);
  EXPECT_EQ(BytesPerElementOn(g.tensor(Tid(g, "y")), DType::kFloat16), 2);
  EXPECT_EQ(BytesPerElementOn(g.tensor(Tid(g, "y")), DType::kFloat32), 4);
  EXPECT_EQ(BytesPerElementOn(g.tensor(Tid(g, "i")), DType::kInt8), 8);
  EXPECT_EQ(BytesPerElementOn(g.tensor(Tid(g, "i")), DType::kFloat16), 8);
}

// ---------------------------------------------------------------- UncostedOpTypes

TEST(UncostedOpTypes, CountsUnmodelledLayersUnlessMeasuredOnEveryPlatform) {
  using Spec = test::CostedLayerSpec;
  const LayerGraph g = Build({}, {"x"},
                             {Spec{.name = "conv", .op_type = "Conv", .inputs = {"x"}, .outputs = {"a"}, .macs = 8},
                              Spec{.name = "top1", .op_type = "TopK", .inputs = {"a"}, .outputs = {"b"}, .macs_modelled = false},
                              Spec{.name = "nms", .op_type = "NonMaxSuppression", .inputs = {"b"}, .outputs = {"c"},
                                   .macs_modelled = false},
                              Spec{.name = "top2", .op_type = "TopK", .inputs = {"c"}, .outputs = {"d"}, .macs_modelled = false},
                              Spec{.name = "roi", .op_type = "RoiAlign", .inputs = {"d"}, .outputs = {"y"},
                                   .macs_modelled = false}},
                             {"y"});
  PlatformProfile a = Platform(), b = Platform();
  a.layer_table["roi"] = {1, 1};
  b.layer_table["roi"] = {1, 1};  // measured on both: left out
  b.layer_table["nms"] = {1, 1};  // measured on one only: still listed
  const std::vector<OpTypeCount> uncosted = UncostedOpTypes(g, {a, b});
  ASSERT_EQ(uncosted.size(), 2U);
  EXPECT_EQ(uncosted[0].op_type, "NonMaxSuppression");
  EXPECT_EQ(uncosted[0].layers, 1);
  EXPECT_EQ(uncosted[1].op_type, "TopK");
  EXPECT_EQ(uncosted[1].layers, 2);
  EXPECT_TRUE(UncostedOpTypes(ConvNet(), {a}).empty());
}

// ---------------------------------------------------------------- CostLayers

TEST(CostLayers, MeasuredTableEntryOverridesTheEstimate) {
  const LayerGraph g = ConvNet();
  PlatformProfile p = Platform();
  p.layer_table["relu"] = {0.5, 0.25};
  p.layer_table["not_in_model"] = {9, 9};  // warned about, ignored
  const std::vector<LayerCost> costs = CostLayers(g, p);
  ASSERT_EQ(costs.size(), 4U);
  EXPECT_EQ(costs[Id(g, "relu")].source, CostSource::kMeasured);
  EXPECT_EQ(costs[Id(g, "relu")].latency_ms, 0.5);
  EXPECT_EQ(costs[Id(g, "relu")].energy_mj, 0.25);
  for (const char* name : {"conv", "dw", "idx"}) {
    SCOPED_TRACE(name);
    const LayerCost estimate = EstimateLayer(g, Id(g, name), p);
    EXPECT_EQ(costs[Id(g, name)].source, CostSource::kEstimated);
    EXPECT_EQ(costs[Id(g, name)].latency_ms, estimate.latency_ms);
    EXPECT_EQ(costs[Id(g, name)].energy_mj, estimate.energy_mj);
  }
  EXPECT_REL(costs[Id(g, "conv")].latency_ms, 0.065296);
}

TEST(CostLayers, MissingLayersZeroCostsUnmeasuredLayersNothing) {
  const LayerGraph g = ConvNet();
  PlatformProfile p = Platform();
  p.missing_layers = MissingLayers::kZero;
  p.layer_table["dw"] = {1.25, 3.5};
  const std::vector<LayerCost> costs = CostLayers(g, p);
  for (const char* name : {"conv", "relu", "idx"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(costs[Id(g, name)].source, CostSource::kZero);
    EXPECT_EQ(costs[Id(g, name)].latency_ms, 0);
    EXPECT_EQ(costs[Id(g, name)].energy_mj, 0);
  }
  EXPECT_EQ(costs[Id(g, "dw")].source, CostSource::kMeasured);
  EXPECT_EQ(costs[Id(g, "dw")].latency_ms, 1.25);
  EXPECT_EQ(costs[Id(g, "dw")].energy_mj, 3.5);
}

TEST(CostLayers, MissingLayersEstimateUsesTheRooflineForUnmeasuredLayers) {
  const LayerGraph g = ConvNet();
  PlatformProfile p = Platform();
  p.missing_layers = MissingLayers::kEstimate;
  const std::vector<LayerCost> costs = CostLayers(g, p);
  for (LayerId l = 0; l < 4; ++l) EXPECT_EQ(costs[static_cast<size_t>(l)].source, CostSource::kEstimated);
  EXPECT_REL(costs[Id(g, "conv")].latency_ms, 0.065296);
  EXPECT_REL(costs[Id(g, "conv")].energy_mj, 0.130592);
}

// ---------------------------------------------------------------- transfers

// The paper's Gigabit Ethernet link.
LinkProfile GigabitEthernet() {
  LinkProfile link;
  link.path = "ethernet_1g.json";
  link.name = "ethernet_1g";
  link.bandwidth_bytes_per_s = 1.25e8;
  link.latency_ms = 0;
  link.propagation_delay_ms = 3e-5;
  link.energy_from_power = true;
  link.power_w = 0.6;
  link.payload_bytes_per_frame = 1500;
  link.overhead_bytes_per_frame = 26;
  link.min_payload_bytes = 46;
  return link;
}

TEST(TransferCost, GigabitEthernetAddsPerFrameOverheadToAMegabytePayload) {
  // ceil(1e6 / 1500) = 667 frames; wire = 1e6 + 667 * 26 = 1,017,342 B.
  const Transfer t = TransferCost(GigabitEthernet(), 1'000'000);
  EXPECT_EQ(t.payload_bytes, 1'000'000);
  EXPECT_EQ(t.wire_bytes, 1'017'342);
  const double latency = 1017342.0 / 1.25e8 * 1000 + 3e-5;  // 8.138766 ms
  EXPECT_REL(t.latency_ms, latency);
  EXPECT_REL(t.latency_ms, 8.138766);
  EXPECT_REL(t.energy_mj, 0.6 * latency);
}

TEST(TransferCost, TinyPayloadIsPaddedToTheMinimumPayloadPlusOneFrameOverhead) {
  const Transfer t = TransferCost(GigabitEthernet(), 10);
  EXPECT_EQ(t.payload_bytes, 10);
  EXPECT_EQ(t.wire_bytes, 46 + 26);
  EXPECT_REL(t.latency_ms, 72.0 / 1.25e8 * 1000 + 3e-5);
  EXPECT_REL(t.energy_mj, 0.6 * (72.0 / 1.25e8 * 1000 + 3e-5));
}

TEST(TransferCost, FrameCountRoundsUpAtTheFrameBoundary) {
  EXPECT_EQ(TransferCost(GigabitEthernet(), 1500).wire_bytes, 1500 + 26);
  EXPECT_EQ(TransferCost(GigabitEthernet(), 1501).wire_bytes, 1501 + 2 * 26);
  EXPECT_EQ(TransferCost(GigabitEthernet(), 3000).wire_bytes, 3000 + 2 * 26);
  EXPECT_EQ(TransferCost(GigabitEthernet(), 46).wire_bytes, 46 + 26);
  EXPECT_EQ(TransferCost(GigabitEthernet(), 47).wire_bytes, 47 + 26);
}

TEST(TransferCost, EmptyPayloadCostsNothing) {
  const Transfer t = TransferCost(GigabitEthernet(), 0);
  EXPECT_EQ(t.payload_bytes, 0);
  EXPECT_EQ(t.wire_bytes, 0);
  EXPECT_EQ(t.latency_ms, 0);
  EXPECT_EQ(t.energy_mj, 0);
}

TEST(TransferCost, LinkWithoutFramingSendsThePayloadAsIsPlusFixedLatency) {
  LinkProfile link;
  link.name = "plain";
  link.bandwidth_bytes_per_s = 1e6;
  link.latency_ms = 0.5;
  link.propagation_delay_ms = 0.25;
  link.power_w = 2;
  const Transfer t = TransferCost(link, 1000);
  EXPECT_EQ(t.wire_bytes, 1000);
  EXPECT_REL(t.latency_ms, 1.0 + 0.25 + 0.5);
  EXPECT_REL(t.energy_mj, 2 * 1.75);
}

TEST(TransferCost, MinimumPayloadPadsEvenWithoutFraming) {
  LinkProfile link;
  link.bandwidth_bytes_per_s = 1e6;
  link.min_payload_bytes = 64;
  EXPECT_EQ(TransferCost(link, 10).wire_bytes, 64);
  EXPECT_EQ(TransferCost(link, 100).wire_bytes, 100);
}

TEST(TransferCost, EnergyPerByteIsWireBytesTimesNanojoules) {
  LinkProfile link = GigabitEthernet();
  link.energy_from_power = false;
  link.power_w = 0;
  link.energy_per_byte_nj = 3;
  const Transfer t = TransferCost(link, 1'000'000);
  // 1,017,342 B * 3 nJ = 3,052,026 nJ = 3.052026 mJ (1 nJ = 1e-6 mJ).
  EXPECT_REL(t.energy_mj, 3.052026);
  EXPECT_REL(t.latency_ms, 8.138766);
}

// ---------------------------------------------------------------- payload

// One layer reading two float32 [1,4] tensors and an int64 [2] tensor.
LayerGraph PayloadGraph() {
  return Build({{"a", {1, 4}}, {"b", {1, 4}}, {"i", {2}, DType::kInt64}, {"o", {1, 4}}}, {"a", "b", "i"},
               {{"L", "Op", {"a", "b", "i"}, {"o"}, 1, 0}}, {"o"});
}

TEST(PayloadBytes, WithoutTransferTypeFloatsTravelInTheSendersType) {
  const LayerGraph g = PayloadGraph();
  const std::vector<TensorId> all = {Tid(g, "a"), Tid(g, "b"), Tid(g, "i")};
  LinkProfile link = GigabitEthernet();
  EXPECT_EQ(PayloadBytes(g, all, DType::kFloat32, link), 2 * 4 * 4 + 2 * 8);
  EXPECT_EQ(PayloadBytes(g, all, DType::kFloat16, link), 2 * 4 * 2 + 2 * 8);
  EXPECT_EQ(PayloadBytes(g, all, DType::kInt8, link), 2 * 4 * 1 + 2 * 8);
  EXPECT_EQ(PayloadBytes(g, {Tid(g, "a")}, DType::kFloat32, link), 16);
  EXPECT_EQ(PayloadBytes(g, {}, DType::kFloat32, link), 0);
}

TEST(PayloadBytes, TransferDataTypeOverridesTheSendersTypeForFloatsOnly) {
  const LayerGraph g = PayloadGraph();
  const std::vector<TensorId> all = {Tid(g, "a"), Tid(g, "b"), Tid(g, "i")};
  LinkProfile link = GigabitEthernet();
  link.transfer_data_type = DType::kInt16;
  EXPECT_EQ(PayloadBytes(g, all, DType::kFloat32, link), 2 * 4 * 2 + 2 * 8);
  EXPECT_EQ(PayloadBytes(g, all, DType::kInt8, link), 2 * 4 * 2 + 2 * 8);
  link.transfer_data_type = DType::kFloat32;
  EXPECT_EQ(PayloadBytes(g, all, DType::kInt8, link), 2 * 4 * 4 + 2 * 8);
}

// ---------------------------------------------------------------- peak memory

// x(7) -> A -> a(10) -> B -> b(100) -> C -> c(40) -> D(c, s) -> d(50) -> E -> e(3)
// x    -> S -> s(5, int64) ------------------------> D
LayerGraph MemoryGraph() {
  return Build({{"x", {7}},
                {"a", {10}},
                {"s", {5}, DType::kInt64},
                {"b", {100}},
                {"c", {40}},
                {"d", {50}},
                {"e", {3}}},
               {"x"},
               {{"A", "Op", {"x"}, {"a"}, 1, 0},
                {"S", "Op", {"x"}, {"s"}, 1, 0},
                {"B", "Op", {"a"}, {"b"}, 1, 0},
                {"C", "Op", {"b"}, {"c"}, 1, 0},
                {"D", "Op", {"c", "s"}, {"d"}, 1, 0},
                {"E", "Op", {"d"}, {"e"}, 1, 0}},
               {"e"});
}

std::vector<LayerId> Layers(const LayerGraph& g, const std::vector<std::string>& names) {
  std::vector<LayerId> ids;
  for (const auto& n : names) ids.push_back(Id(g, n));
  return ids;
}
std::vector<TensorId> Tensors(const LayerGraph& g, const std::vector<std::string>& names) {
  std::vector<TensorId> ids;
  for (const auto& n : names) ids.push_back(Tid(g, n));
  return ids;
}

TEST(PeakActivationBytes, TensorsAreFreedAfterTheirLastConsumerInTheStage) {
  const LayerGraph g = MemoryGraph();
  // Stage B, C, D receiving a, s and sending d. float32; s is int64 (8 B).
  //   B: a 40 + s 40 + b 400 = 480   (a freed after B)
  //   C: s 40 + b 400 + c 160 = 600  (b freed after C)
  //   D: s 40 + c 160 + d 200 = 400
  EXPECT_EQ(PeakActivationBytes(g, Layers(g, {"B", "C", "D"}), Tensors(g, {"a", "s"}), Tensors(g, {"d"}),
                                DType::kFloat32),
            600);
  // float16 halves the floats, not the int64: B 20+40+200, C 40+200+80 = 320, D 40+80+100.
  EXPECT_EQ(PeakActivationBytes(g, Layers(g, {"B", "C", "D"}), Tensors(g, {"a", "s"}), Tensors(g, {"d"}),
                                DType::kFloat16),
            320);
}

TEST(PeakActivationBytes, OutgoingTensorIsKeptUntilTheStageEnds) {
  const LayerGraph g = MemoryGraph();
  // b is sent on: at D it is still held: s 40 + b 400 + c 160 + d 200 = 800.
  EXPECT_EQ(PeakActivationBytes(g, Layers(g, {"B", "C", "D"}), Tensors(g, {"a", "s"}), Tensors(g, {"b", "d"}),
                                DType::kFloat32),
            800);
}

TEST(PeakActivationBytes, IncomingTensorOnlyPassedOnIsHeldForTheWholeStage) {
  const LayerGraph g = MemoryGraph();
  // x (28 B) is received and sent on: 508, 628, 428.
  EXPECT_EQ(PeakActivationBytes(g, Layers(g, {"B", "C", "D"}), Tensors(g, {"a", "s", "x"}), Tensors(g, {"d", "x"}),
                                DType::kFloat32),
            628);
  // Received but neither used nor sent on: held at the first step only (508, 600, 400).
  EXPECT_EQ(PeakActivationBytes(g, Layers(g, {"B", "C", "D"}), Tensors(g, {"a", "s", "x"}), Tensors(g, {"d"}),
                                DType::kFloat32),
            600);
}

TEST(PeakActivationBytes, FirstStageHoldsGraphInputUntilItsLastConsumer) {
  const LayerGraph g = MemoryGraph();
  // A: x 28 + a 40 = 68; S: x 28 + a 40 + s 40 = 108 (a and s are sent on).
  EXPECT_EQ(PeakActivationBytes(g, Layers(g, {"A", "S"}), Tensors(g, {"x"}), Tensors(g, {"a", "s"}), DType::kFloat32),
            108);
  // Whole model: A 68, S 108, B: a+s+b = 480, C 600, D 400, E: d 200 + e 12 = 212.
  EXPECT_EQ(PeakActivationBytes(g, g.topological_order(), Tensors(g, {"x"}), Tensors(g, {"e"}), DType::kFloat32), 600);
}

}  // namespace
}  // namespace dnnpart
