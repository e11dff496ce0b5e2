// Cost evaluator: what one layer costs on a platform, what a transfer costs on
// a link, and how much memory a stage needs. All formulas are in
// docs/planning.md. Pure functions over immutable inputs; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dnnpart/graph.h"
#include "dnnpart/profiles.h"

namespace dnnpart {

enum class CostSource { kMeasured, kEstimated, kZero };

struct LayerCost {
  double latency_ms = 0;
  double energy_mj = 0;
  CostSource source = CostSource::kEstimated;
};

// Returns the cost of every layer (indexed by LayerId) on `platform`: its
// measured table entry, else 0 when the table says missing layers cost 0,
// else the roofline estimate. Warns once when table names are not in `graph`.
std::vector<LayerCost> CostLayers(const LayerGraph& graph, const PlatformProfile& platform);

struct OpTypeCount {
  std::string op_type;
  int64_t layers = 0;
};

// Returns, sorted by op type, how many layers of each op type have no MAC
// model (docs/costs.md) and lack a measured cost on at least one of
// `platforms`: the layers whose compute some plan counts as 0.
std::vector<OpTypeCount> UncostedOpTypes(const LayerGraph& graph, const std::vector<PlatformProfile>& platforms);

// The efficiency key a layer is estimated with: "Conv.depthwise",
// "Conv.pointwise" (1×1, ungrouped), else its op type (docs/costs.md).
std::string CostClass(const LayerGraph& graph, LayerId layer);

// Efficiency of `layer` on `platform`: its cost class, else its op type, else default.
double EfficiencyOf(const LayerGraph& graph, LayerId layer, const PlatformProfile& platform);

// True for an activation (Relu, Clip, Sigmoid, ...) whose input comes only
// from a Conv/Gemm/MatMul: runtimes run it inside that kernel.
bool IsFusedActivation(const LayerGraph& graph, LayerId layer);

// Returns the roofline estimate of one layer on `platform` (0 for a fused
// activation when the platform has compute.fuse_activations).
LayerCost EstimateLayer(const LayerGraph& graph, LayerId layer, const PlatformProfile& platform);

// Returns what `layer` costs on `platform` running as its own kernel: its
// table entry's unfused_latency_ms (and unfused_energy_mj) when measured,
// else the roofline estimate without compute.fuse_activations.
LayerCost UnfusedLayerCost(const LayerGraph& graph, LayerId layer, const PlatformProfile& platform);

// Returns the platform's layers.fused_groups as layer ids in topological
// order, in the profile's group order. Names that are no layer of `graph`
// are dropped with one warning (nearest names, as for table entries); a group
// left with fewer than 2 layers is dropped.
std::vector<std::vector<LayerId>> FusedGroupLayers(const LayerGraph& graph, const PlatformProfile& platform);

// The extra cost of running `part` (some, not all, layers of one fused group)
// apart from the rest of its group: max(0, Σ unfused − Σ charged) over the
// part, latency and energy each (docs/planning.md, "Fusion-aware costs").
// `charged` and `unfused` are indexed by LayerId.
LayerCost BrokenFusionExtra(const std::vector<LayerId>& part, const std::vector<LayerCost>& charged,
                            const std::vector<LayerCost>& unfused);

// Bytes per element of a tensor held on a platform: floating-point tensors
// take the platform's data type, others keep their own.
int64_t BytesPerElementOn(const Tensor& tensor, DType platform_type);

// Payload bytes of sending `tensors` from a platform running `sender_type`
// over `link` (floating-point tensors in the link's transfer_data_type if set).
int64_t PayloadBytes(const LayerGraph& graph, const std::vector<TensorId>& tensors, DType sender_type,
                     const LinkProfile& link);

struct Transfer {
  int64_t payload_bytes = 0;
  int64_t wire_bytes = 0;
  double latency_ms = 0;
  double energy_mj = 0;
};

// Returns the cost of one transfer of `payload_bytes` (0 bytes cost nothing).
Transfer TransferCost(const LinkProfile& link, int64_t payload_bytes);

// Peak bytes of live activations while a stage runs `stage_layers` (in
// topological order) on a platform of `platform_type`. `incoming` are the
// tensors the stage receives (all of them are held, also those it only passes
// on); `outgoing` the tensors it must send on, kept until the stage ends.
// Other tensors live from their producer to their last consumer here.
int64_t PeakActivationBytes(const LayerGraph& graph, const std::vector<LayerId>& stage_layers,
                            const std::vector<TensorId>& incoming, const std::vector<TensorId>& outgoing,
                            DType platform_type);

}  // namespace dnnpart
