// Importing a TensorRT per-layer profile (trtexec --exportProfile) into a
// platform profile (docs/profiling.md, "TensorRT").
//
// TensorRT runs an engine whose layers are fused groups of ONNX nodes. Their
// names say which nodes: "A + B" (vertical fusion), "A || B" (horizontal),
// "PWN(A, B)" (a pointwise fusion, nested), "{ForeignNode[A...B]}" (a range
// handed to another backend), "Reformatting CopyNode for Input Tensor 0 to X"
// (a layout or precision conversion). The engine's layer information
// (trtexec --exportLayerInfo) adds each layer's tensors and, in newer
// TensorRT versions, a Metadata text naming the ONNX nodes it came from. The import maps
// every profiled layer back to nodes of the original model, splits each
// layer's time over its nodes as the ORT import does, and writes
// layers.table. Pure functions over immutable inputs; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dnnpart/graph.h"
#include "dnnpart/ort_import.h"
#include "dnnpart/profiles.h"

namespace dnnpart {

// One entry of trtexec's --exportProfile file.
struct TrtProfileLayer {
  std::string name;
  double total_ms = 0;                // "timeMs": summed over all profiled runs
  double average_ms = 0;              // "averageMs"
  std::optional<double> median_ms;    // "medianMs" (newer trtexec only)
};

struct TrtProfile {
  std::string path;
  int64_t runs = 0;                   // the first element's "count"
  std::vector<TrtProfileLayer> layers;  // in file (execution) order
  bool has_median = false;            // every layer has medianMs
};

// Reads a trtexec --exportProfile file. Throws Error naming the file and the
// JSON path at fault (e.g. "/3/averageMs: must be a non-negative number").
TrtProfile ReadTrtProfile(const std::string& path);

// One layer of the engine inspector's JSON (trtexec --exportLayerInfo).
struct TrtEngineLayer {
  std::string name;
  std::string layer_type;              // "LayerType" ("" with names-only verbosity)
  std::vector<std::string> inputs;     // tensor names, "Inputs"[*]."Name"
  std::vector<std::string> outputs;    // "Outputs"[*]."Name"
  std::vector<std::string> onnx_nodes; // "Metadata": each "[ONNX Layer: NAME]"
  std::vector<std::string> formats;    // "Format/Datatype" of inputs and outputs
};

struct TrtLayerInfo {
  std::string path;
  std::vector<TrtEngineLayer> layers;
};

// Reads a trtexec --exportLayerInfo file: an object with "Layers", whose
// entries are objects (detailed verbosity) or names (names-only verbosity).
// Throws Error naming the file and the JSON path at fault.
TrtLayerInfo ReadTrtLayerInfo(const std::string& path);

// The ONNX names one TensorRT layer name lists.
struct TrtNameParts {
  std::vector<std::string> names;  // node (or tensor) names joined by " + ", " || ", PWN(...)
  std::vector<std::pair<std::string, std::string>> ranges;  // ForeignNode[first...last]
  std::vector<std::string> internal;  // "(Unnamed Layer* N) [Type]": TensorRT's own layers
  enum class Reformat { kNone, kInput, kOutput } reformat = Reformat::kNone;
  int reformat_index = 0;       // "... Tensor N to ..."
  std::string reformat_target;  // the TensorRT layer whose tensor is converted
};

// Splits a TensorRT layer name into the parts above. Never throws; a name
// with none of the patterns is one name.
TrtNameParts ParseTrtLayerName(const std::string& name);

struct TrtMapping {
  TraceMapping mapping;  // kernels = profiled layers in profile order; coverage = mapped / total
  double total_ms = 0;   // sum of the chosen statistic over all profiled layers
  int64_t conversions = 0;          // layers charged to the node whose tensor they convert
  int64_t from_metadata = 0;        // layers mapped through the layer information's Metadata
  int64_t profile_layers_in_info = 0;
  std::vector<std::string> unmatched_hints;  // per unmatched layer: nodes nearest its first unknown
                                             // name, ", "-joined ("" for unnamed layers and after 5)
  std::vector<std::string> precisions;       // data types seen in the layer information, sorted
};

// Maps every layer of `profile` onto `graph` (the original model), using
// `info` for tensors and Metadata: Metadata nodes, else the names in the layer
// name; ForeignNode ranges by ONNX file order (or, when an end is not a node,
// the nodes between the layer's tensors); reformats and nameless layers to the
// node producing their tensor. `use_median` picks medianMs (else averageMs).
// Throws Error when `info` names no layer of `profile`.
TrtMapping MapTrtProfile(const LayerGraph& graph, const TrtProfile& profile, const TrtLayerInfo& info,
                         bool use_median);

struct TrtImportOptions {
  MissingLayers missing = MissingLayers::kEstimate;
  double min_coverage = 0.9;    // refuse when TrtMapping coverage is below this
  bool force = false;           // import anyway below min_coverage
  enum class Statistic { kMedian, kAverage } statistic = Statistic::kMedian;  // median falls back to
                                // average when an entry lacks medianMs (older trtexec)
  std::string rename;           // new profile name ("" keeps the base's)
  std::string output_path;      // default_link is rewritten relative to it; "" → absolute
  std::string run_info_path;    // JSON with runtime_version, device, ... ("" = none)
  std::string model_path;       // named in messages
};

struct TrtImportResult {
  std::string profile_text;
  TrtMapping mapping;
  std::string statistic;  // "median" or "average": what was used
  int64_t runs = 0;
  int64_t layers = 0;     // layers of the original model
};

// Imports `profile_path` with `layer_info_path` into `base_profile_path`.
// Throws Error naming the file at fault, when the layer information belongs
// to another engine or model, or when coverage is below
// options.min_coverage without options.force.
TrtImportResult ImportTrtIntoProfile(const std::string& profile_path, const std::string& layer_info_path,
                                     const LayerGraph& graph, const std::string& base_profile_path,
                                     const TrtImportOptions& options);

}  // namespace dnnpart
