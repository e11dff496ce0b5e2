// Importing an ONNX Runtime profile trace into a platform profile
// (docs/profiling.md).
//
// ORT names each kernel after a node of the graph it actually ran (the
// optimised model, written with optimizedModelFilePath), and fuses or renames
// nodes on the way. The import maps every kernel back to nodes of the
// original model through tensor names, takes the median time of each kernel
// over the runs in the trace, and writes the result as layers.table. Pure
// functions over immutable inputs; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dnnpart/graph.h"
#include "dnnpart/profiles.h"

namespace dnnpart {

// One kernel of an ORT trace: its median over the runs that executed it.
struct TraceKernel {
  std::string name;     // node name in the optimised model (trace name without "_kernel_time")
  std::string op_type;  // args.op_name
  double median_ms = 0;
  int64_t samples = 0;
  std::vector<double> run_ms;  // total in each run (OrtTrace::run_ms order), 0 where absent
};

struct OrtTrace {
  std::string path;
  std::vector<TraceKernel> kernels;  // sorted by first appearance in the trace
  int64_t runs = 0;                  // model_run events
  double run_median_ms = 0;          // median model_run duration
  std::vector<double> run_ms;        // each model_run duration, in time order
};

// Reads an ORT profile trace (a JSON array of Chrome trace events). Refuses
// files larger than 512 MiB. Throws Error naming the file and event at fault.
OrtTrace ReadOrtTrace(const std::string& path);

// One node of the optimised model: names only.
struct KernelNode {
  std::string name;
  std::string op_type;
  std::string domain;
  std::vector<std::string> inputs;   // "" for absent optional inputs
  std::vector<std::string> outputs;
};

// Reads the node list of the optimised ONNX model ORT wrote (which may hold
// operators of ORT's own domains; only names are read).
std::vector<KernelNode> ReadKernelNodes(const std::string& path);

// Where one kernel's time went.
struct KernelAssignment {
  std::string kernel;
  std::string op_type;
  double median_ms = 0;
  std::vector<LayerId> layers;  // original layers this kernel runs (fused group), ascending
  LayerId converts_for = kNoLayer;  // layout/reorder kernel: the layer whose tensor it converts
};

struct TraceMapping {
  std::vector<KernelAssignment> kernels;    // in trace order
  std::vector<double> layer_latency_ms;     // by LayerId: share of the kernels that ran it
  std::vector<int> layer_kernel;            // by LayerId: index into kernels, -1 when no kernel ran it
  std::vector<std::string> unmatched_kernels;
  double mapped_ms = 0;      // sum of medians of matched kernels (incl. conversions)
  double unmatched_ms = 0;   // sum of medians of kernels mapped to no layer
  // Median over runs of (time of matched kernels in the run / run duration):
  // the share of each run the mapping explains. Per run, so that a kernel
  // slowed by another process in one run does not count against it.
  double coverage = 0;
  int64_t matched_layers = 0;
};

// Maps the kernels of `trace` onto `graph` (the original model) through the
// tensor names of `nodes` (the optimised model). A kernel covers the original
// layers on the paths from its input tensors to its output tensors; its time
// is shared among them in proportion to their MACs (equally when none has
// MACs). Names may carry ORT suffixes ("_nchwc", "_token_N"). Kernels that
// only convert a tensor (ReorderInput/ReorderOutput, or all outputs naming an
// input) are charged to the layer producing (else first consuming) it.
TraceMapping MapTrace(const LayerGraph& graph, const OrtTrace& trace, const std::vector<KernelNode>& nodes);

// What a trace taken with graph optimisations disabled (every ONNX node its
// own kernel, named after the node) measured for the layers that `fused` ran
// inside a fused kernel: their unfused costs (docs/planning.md, "Fusion-aware
// costs").
struct UnfusedMapping {
  std::vector<std::optional<double>> latency_ms;  // by LayerId: median kernel time, for fused-group layers only
  int64_t group_layers = 0;                       // layers in groups of ≥ 2 in `fused`
  int64_t measured_layers = 0;                    // of those, found in the trace
  std::vector<LayerId> unmeasured_layers;         // the others, in topological order
  int64_t kernels = 0;
  std::vector<std::string> unmatched_kernels;     // named after no layer of the model
  double matched_ms = 0;      // sum of medians of kernels named after layers
  double unmatched_ms = 0;
  double coverage = 0;        // median over runs of the matched kernels' share of the run
  int64_t runs = 0;
  double run_median_ms = 0;
};

// Matches the kernels of `trace` to the layers of `graph` by name (a kernel
// named after no layer is unmatched) and keeps the median times of the layers
// that `fused` put in groups of two or more.
UnfusedMapping MapUnfusedTrace(const LayerGraph& graph, const OrtTrace& trace, const TraceMapping& fused);

struct OrtImportOptions {
  MissingLayers missing = MissingLayers::kEstimate;  // what unmatched layers cost
  double min_coverage = 0.9;   // refuse when TraceMapping::coverage is below this
  bool force = false;          // import anyway below min_coverage
  std::string rename;          // new profile name ("" keeps the base's)
  std::string output_path;     // default_link is rewritten relative to it; "" → absolute
  std::string run_info_path;   // profile_ort.mjs settings JSON ("" = none)
  // A trace of the same model with graph optimisations disabled ("" = none):
  // fused-group layers get its kernel times as unfused_latency_ms (and
  // unfused_energy_mj from power.active_w). Same coverage rule and --force.
  std::string unfused_trace_path;
};

struct OrtImportResult {
  std::string profile_text;  // the new platform profile (JSON)
  TraceMapping mapping;
  std::optional<UnfusedMapping> unfused;  // with options.unfused_trace_path
  double run_median_ms = 0;
  int64_t layers = 0;        // layers of the original model
};

// Imports `trace_path` (measured on `optimized_model_path`, a rewrite of the
// model whose graph is `graph`) into `base_profile_path`. Throws Error naming
// the file at fault, or when coverage is below options.min_coverage without
// options.force; also when the unfused trace names no layer of the model, or
// (without options.force) its named kernels cover less than min_coverage.
OrtImportResult ImportOrtIntoProfile(const std::string& trace_path, const std::string& optimized_model_path,
                                     const LayerGraph& graph, const std::string& base_profile_path,
                                     const OrtImportOptions& options);

}  // namespace dnnpart
