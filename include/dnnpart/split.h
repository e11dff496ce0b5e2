// Split: one runnable ONNX sub-model per pipeline stage (docs/split.md).
//
// A stage is a set of layers and the name of the platform that runs it. Each
// stage model holds its layers' original ONNX nodes (names kept) in
// topological order, every folded static node they need (duplicated into
// each stage that needs it) and only the initializers its nodes read. Its
// graph inputs are the tensors crossing the boundary before it, its outputs
// those crossing the boundary after it (the last stage: the graph outputs),
// exactly as the planner charges the hops: a tensor that skips a stage is
// passed through it by an Identity node named "dnnpart_pass/<tensor>" reading
// the renamed input "dnnpart_pass_in/<tensor>". Tensor names on the wire
// between stages are the original names. Results are plain values holding
// serialized models; SplitModel is a pure function of its arguments and
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dnnpart/cuts.h"
#include "dnnpart/graph.h"
#include "dnnpart/model.h"

namespace dnnpart {

struct StageSpec {
  std::string platform;         // recorded in the stage's doc_string
  std::vector<LayerId> layers;  // any order; each layer in exactly one stage
};

// The value range an int8/uint8 wire quantizes a float32 tensor over
// (docs/split.md): int8 is symmetric, scale = max(|min|, |max|) / 127 and
// zero point 0; uint8 spans [min(min, 0), max(max, 0)], scale = span / 255
// and zero point round(-min / scale). Values outside are clipped.
struct QuantRange {
  static constexpr double kDefaultQuantAbs = 8.0;  // the range without calibration: [-8, 8]
  double min = -kDefaultQuantAbs;
  double max = kDefaultQuantAbs;
};

struct QuantParams {
  double scale = 1;  // > 0
  int64_t zero_point = 0;
};

// The scale and zero point for `wire` (int8 or uint8) over `range`.
QuantParams QuantParamsFor(DType wire, const QuantRange& range);

// One graph input or output of a stage model.
struct StageValue {
  std::string name;     // the name inside the stage model
  TensorId tensor = 0;  // the tensor it carries
  bool passed_through = false;  // received and sent on (not computed here)
  std::string wire;     // the name between stages: the tensor's name, or "dnnpart_wire/<tensor>" when cast
  DType dtype = DType::kUnknown;  // the element type in the stage model (the wire type when cast)
  std::optional<QuantParams> quant;  // set when it travels quantized (int8/uint8 wire)
};

struct StageModel {
  std::vector<StageValue> inputs;   // ascending tensor id
  std::vector<StageValue> outputs;  // ascending tensor id
  int64_t node_count = 0;           // including copied static and pass-through nodes
  int64_t initializer_count = 0;
  int64_t external_initializer_count = 0;  // initializers whose data is external (entries kept as in the source)
  // The serialized onnx::ModelProto. Large inline initializers the loader
  // left in the model file (docs/loading.md) appear here as external data
  // pointing into that file (key "dnnpart_inline"); WriteSplit stores their
  // bytes inline again.
  std::string onnx;
};

struct SplitOptions {
  // The element type on the wire after each stage but the last (empty: as
  // produced). Where one is set, a floating tensor of another floating type
  // leaves its stage through a Cast "dnnpart_cast/<tensor>" as
  // "dnnpart_wire/<tensor>", and the next stage casts it back
  // ("dnnpart_uncast/<tensor>" from input "dnnpart_wire_in/<tensor>").
  // An int8 or uint8 wire type quantizes float32 tensors instead: a
  // QuantizeLinear "dnnpart_quantize/<tensor>" before leaving and a
  // DequantizeLinear "dnnpart_dequantize/<tensor>" after arriving, with
  // initializers "dnnpart_scale/<tensor>" and "dnnpart_zero_point/<tensor>"
  // (needs opset 10). Other tensors travel as they are.
  std::vector<std::optional<DType>> wire_dtypes;
  // Per tensor name: the range an int8/uint8 wire quantizes it over; a tensor
  // not listed uses QuantRange's default.
  std::map<std::string, QuantRange> quant_ranges;
  // Runs onnx::checker::check_model and strict ONNX shape inference on every
  // stage and throws Error when either fails (inference is skipped when the
  // model's opset is newer than the ONNX library).
  bool verify = true;
};

// Returns the stages of the pipeline whose boundaries are cuts[cut_ids[0]],
// cuts[cut_ids[1]], ...: stage k runs head(cut k) minus head(cut k-1), the last
// stage the rest. `platforms` names each stage (cut_ids.size() + 1 names).
// Throws Error when an id is out of range, the heads are not strictly nested,
// or the number of names is wrong.
std::vector<StageSpec> StagesFromCuts(const LayerGraph& graph, const std::vector<Cut>& cuts,
                                      const std::vector<size_t>& cut_ids, const std::vector<std::string>& platforms);

// Builds one ONNX model per stage of `model`. Throws Error when a stage is
// empty, a layer is in no stage or in two, a stage reads a tensor a later
// stage produces, a wire type is neither floating nor int8/uint8 (or int8/uint8
// below opset 10), their count is not one per
// boundary, or (with options.verify) a stage fails the ONNX checker or shape
// inference.
std::vector<StageModel> SplitModel(const Model& model, const std::vector<StageSpec>& stages,
                                   const SplitOptions& options);

}  // namespace dnnpart
