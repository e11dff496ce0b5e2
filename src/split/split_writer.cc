// Writes a split folder: stage_k.onnx, stage_k.weights.bin (when the model's
// weights are in existing external data files) and manifest.json.
#include <onnx/onnx_pb.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "dnnpart/cuts.h"
#include "dnnpart/error.h"
#include "dnnpart/split.h"
#include "dnnpart/split_io.h"
#include "json_writer.h"
#include "loader/model_file.h"
#include "split/atomic_file.h"
#include "split/inline_weights.h"
#include "split/onnx_values.h"

namespace dnnpart {
namespace {

constexpr int64_t kManifestSchemaVersion = 1;
constexpr int64_t kWeightAlignmentBytes = 64;

struct External {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;  // -1: to the end of the file
};

External ReadExternal(const onnx::TensorProto& tensor) {
  External external;
  for (const auto& entry : tensor.external_data()) {
    if (entry.key() == "location") external.location = entry.value();
    if (entry.key() == "offset") external.offset = std::stoll(entry.value());
    if (entry.key() == "length") external.length = std::stoll(entry.value());
  }
  return external;
}

// True when every external initializer of every stage names an existing file.
bool ExternalDataPresent(const std::vector<onnx::ModelProto>& stages, const std::filesystem::path& model_dir,
                         bool& any_external) {
  any_external = false;
  bool present = true;
  for (const auto& stage : stages) {
    for (const auto& tensor : stage.graph().initializer()) {
      if (tensor.data_location() != onnx::TensorProto::EXTERNAL || DeferredData(tensor)) continue;
      any_external = true;
      std::error_code ec;
      if (!std::filesystem::is_regular_file(model_dir / ReadExternal(tensor).location, ec)) present = false;
    }
  }
  return present;
}

// The loader refused locations that leave the model's folder as written;
// a symbolic link inside the folder can still point elsewhere, and a FIFO
// or a device would block the copy. Both are refused before the file is
// opened: the resolved path must lie inside the resolved folder and be a
// regular file.
void CheckExternalFile(const std::filesystem::path& path, const std::filesystem::path& model_dir,
                       const std::string& tensor) {
  namespace fs = std::filesystem;
  std::error_code folder_error, file_error;
  const fs::path folder = fs::weakly_canonical(model_dir.empty() ? fs::path(".") : model_dir, folder_error);
  const fs::path resolved = fs::weakly_canonical(path, file_error);
  const std::string what = path.string() + ": the external data of initializer '" + tensor + "'";
  if (folder_error || file_error) throw Error(what + " cannot be resolved");
  const fs::path inside = resolved.lexically_relative(folder);
  if (inside.empty() || *inside.begin() == "..") {
    throw Error(what + " resolves to '" + resolved.string() + "', outside the model's folder (a symbolic link?); refused");
  }
  std::error_code type_error;
  if (!fs::is_regular_file(resolved, type_error)) throw Error(what + " is not a regular file");
}

// Copies each external initializer's bytes, range by range, into
// stage_k.weights.bin and points the initializer at it.
void CopyExternalWeights(onnx::ModelProto& stage, const std::filesystem::path& model_dir, const std::string& dir,
                         const std::string& weights_name) {
  AtomicFile weights(dir, weights_name);
  std::string chunk(1 << 20, '\0');
  for (auto& tensor : *stage.mutable_graph()->mutable_initializer()) {
    if (tensor.data_location() != onnx::TensorProto::EXTERNAL || DeferredData(tensor)) continue;
    const External external = ReadExternal(tensor);
    const std::filesystem::path path = model_dir / external.location;
    CheckExternalFile(path, model_dir, tensor.name());
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path.string() + ": cannot open the external data of initializer '" + tensor.name() + "'");
    // The loader checked that offset and length are byte counts whose sum fits.
    const auto file_bytes = static_cast<int64_t>(std::filesystem::file_size(path));
    const int64_t length = external.length >= 0 ? external.length : std::max<int64_t>(file_bytes - external.offset, 0);
    if (external.offset > file_bytes || length > file_bytes - external.offset) {
      throw Error(path.string() + ": the external data of initializer '" + tensor.name() + "' (offset " +
                  std::to_string(external.offset) + ", length " + std::to_string(length) + ") ends beyond the file's " +
                  std::to_string(file_bytes) + " bytes");
    }
    const int64_t padding = (kWeightAlignmentBytes - weights.size() % kWeightAlignmentBytes) % kWeightAlignmentBytes;
    weights.Write(std::string(static_cast<size_t>(padding), '\0'));
    const int64_t offset = weights.size();
    in.seekg(external.offset);
    for (int64_t left = length; left > 0;) {
      const auto n = static_cast<std::streamsize>(std::min<int64_t>(left, static_cast<int64_t>(chunk.size())));
      if (!in.read(chunk.data(), n)) {
        throw Error(path.string() + ": the external data of initializer '" + tensor.name() + "' is truncated");
      }
      weights.Write(std::string_view(chunk.data(), static_cast<size_t>(n)));
      left -= n;
    }
    tensor.clear_external_data();
    auto add = [&tensor](const char* key, const std::string& value) {
      auto& entry = *tensor.add_external_data();
      entry.set_key(key);
      entry.set_value(value);
    };
    add("location", weights_name);
    add("offset", std::to_string(offset));
    add("length", std::to_string(length));
  }
  weights.Commit();
}

// Shape, type and size as the value travels (cast or not).
void WriteShapeValue(JsonWriter& json, const Tensor& tensor, const StageValue& value) {
  const DType dtype = value.dtype;
  json.Key("shape").Value(std::vector<int64_t>(tensor.shape.begin(), tensor.shape.end()));
  json.Key("dtype").Value(DTypeName(dtype));
  json.Key("bytes").Value(dtype == tensor.dtype ? tensor.bytes : ElementCount(tensor.shape) * DTypeBytes(dtype));
  if (dtype != tensor.dtype) json.Key("cast_from").Value(DTypeName(tensor.dtype));
  if (value.quant) {
    json.Key("quantization").BeginObject();
    json.Key("scale").Value(value.quant->scale);
    json.Key("zero_point").Value(value.quant->zero_point);
    json.EndObject();
  }
  if (tensor.bounded) json.Key("bounded").Value(true);
}

void WriteLoadOptions(JsonWriter& json, const LoadOptions& load) {
  json.Key("load_options").BeginObject();
  json.Key("input_shapes").BeginObject();
  for (const auto& [name, shape] : load.input_shapes) json.Key(name).Value(std::vector<int64_t>(shape.begin(), shape.end()));
  json.EndObject();
  json.Key("input_values").BeginObject();
  for (const auto& [name, values] : load.input_values) {
    json.Key(name).BeginArray();
    for (double v : values) json.Value(v);
    json.EndArray();
  }
  json.EndObject();
  json.Key("tensor_shapes").BeginObject();
  for (const auto& [name, shape] : load.tensor_shapes) json.Key(name).Value(std::vector<int64_t>(shape.begin(), shape.end()));
  json.EndObject();
  json.EndObject();
}

void OptionalNumber(JsonWriter& json, const char* key, const std::optional<double>& value) {
  json.Key(key);
  if (value) json.Value(*value);
  else json.Null();
}

struct ManifestInput {
  const Model& model;
  const SplitSource& source;
  const SplitWriteOptions& options;
  const std::vector<StageModel>& stages;
  const std::string& weights;
};

void WriteStageValues(JsonWriter& json, const ManifestInput& in, size_t s, bool inputs) {
  const LayerGraph& graph = in.model.graph();
  const size_t last = in.stages.size() - 1;
  json.Key(inputs ? "inputs" : "outputs").BeginArray();
  for (const StageValue& value : inputs ? in.stages[s].inputs : in.stages[s].outputs) {
    const Tensor& tensor = graph.tensor(value.tensor);
    json.BeginObject();
    json.Key("name").Value(value.name);
    json.Key("tensor").Value(tensor.name);
    json.Key("wire").Value(value.wire);
    WriteShapeValue(json, tensor, value);
    json.Key("passed_through").Value(value.passed_through);
    if (inputs) {
      json.Key("from").BeginObject();
      if (s == 0) {
        json.Key("graph_input").Value(true);
        json.Key("link");
        if (in.source.input_link.empty()) json.Null();
        else json.Value(in.source.input_link);
      } else {
        json.Key("stage").Value(static_cast<int64_t>(s - 1));
        json.Key("link");
        if (in.source.links[s - 1].empty()) json.Null();
        else json.Value(in.source.links[s - 1]);
      }
      json.EndObject();
    } else {
      json.Key("to").BeginObject();
      json.Key("stage");
      if (s < last) json.Value(static_cast<int64_t>(s + 1));
      else json.Null();
      json.Key("graph_output").Value(tensor.is_graph_output);
      json.EndObject();
    }
    json.EndObject();
  }
  json.EndArray();
}

std::string Manifest(const ManifestInput& in) {
  std::ostringstream text;
  JsonWriter json(text);
  const ModelInfo& info = in.model.info();
  json.BeginObject();
  json.Key("schema_version").Value(kManifestSchemaVersion);
  json.Key("kind").Value("split");
  json.Key("model").BeginObject();
  json.Key("path").Value(info.path);
  json.Key("graph_name").Value(info.graph_name);
  json.Key("onnx_nodes").Value(info.onnx_node_count);
  json.EndObject();
  WriteLoadOptions(json, in.options.load);
  json.Key("source").Value(in.source.origin);
  json.Key("max_cut_tensors").Value(in.source.max_cut_tensors);
  json.Key("cuts").Value(std::vector<int64_t>(in.source.cut_ids.begin(), in.source.cut_ids.end()));
  OptionalNumber(json, "latency_ms", in.source.latency_ms);
  OptionalNumber(json, "throughput_fps", in.source.throughput_fps);
  json.Key("weights").Value(in.weights);
  json.Key("casts_inserted").Value(in.options.insert_casts);
  json.Key("calibration");
  if (in.options.calibration_path.empty()) json.Null();
  else json.Value(in.options.calibration_path);
  json.Key("pass_through").BeginObject();
  json.Key("node_prefix").Value("dnnpart_pass/");
  json.Key("input_prefix").Value("dnnpart_pass_in/");
  json.EndObject();
  json.Key("run_order").BeginArray();
  for (size_t s = 0; s < in.stages.size(); ++s) json.Value(static_cast<int64_t>(s));
  json.EndArray();
  json.Key("stages").BeginArray();
  for (size_t s = 0; s < in.stages.size(); ++s) {
    json.BeginObject();
    json.Key("index").Value(static_cast<int64_t>(s));
    json.Key("platform").Value(in.source.platforms[s]);
    json.Key("profile");
    if (in.source.profiles[s].empty()) json.Null();
    else json.Value(in.source.profiles[s]);
    json.Key("file").Value("stage_" + std::to_string(s) + ".onnx");
    if (in.weights == "external") json.Key("weights_file").Value("stage_" + std::to_string(s) + ".weights.bin");
    OptionalNumber(json, "latency_ms", in.source.stage_latency_ms[s]);
    json.Key("nodes").Value(in.stages[s].node_count);
    json.Key("initializers").Value(in.stages[s].initializer_count);
    WriteStageValues(json, in, s, true);
    WriteStageValues(json, in, s, false);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject().Finish();
  return text.str();
}

std::vector<StageSpec> MatchingStages(const Model& model, const SplitSource& source) {
  const LayerGraph& graph = model.graph();
  const std::vector<Cut> cuts = FindCuts(graph, {source.max_cut_tensors});
  std::vector<StageSpec> stages = StagesFromCuts(graph, cuts, source.cut_ids, source.platforms);
  for (size_t s = 0; s < source.first_layers.size() && s < stages.size(); ++s) {
    const std::string& first = graph.layer(stages[s].layers.front()).name;
    const std::string& last = graph.layer(stages[s].layers.back()).name;
    if (first != source.first_layers[s] || last != source.last_layers[s]) {
      throw Error("stage " + std::to_string(s) + ": the plan runs layers '" + source.first_layers[s] + "' .. '" +
                  source.last_layers[s] + "', the cuts give '" + first + "' .. '" + last +
                  "'; load the model with the same --input-shape/--input-value/--tensor-shape flags as the plan");
    }
  }
  return stages;
}

SplitOptions SplitOptionsFor(const SplitSource& source, const SplitWriteOptions& options) {
  SplitOptions split;
  if (!options.insert_casts) return split;
  split.quant_ranges = options.quant_ranges;
  for (size_t k = 0; k < source.wire_dtypes.size(); ++k) {
    std::optional<DType> dtype = source.wire_dtypes[k];
    if (dtype && !IsFloatingType(*dtype) && *dtype != DType::kInt8 && *dtype != DType::kUInt8) {
      spdlog::warn("boundary after stage {}: the plan sends activations as {}; --insert-casts inserts casts "
                   "between floating types and int8/uint8 quantization only, so they travel as produced",
                   k, DTypeName(*dtype));
      dtype.reset();
    }
    split.wire_dtypes.push_back(dtype);
  }
  return split;
}

}  // namespace

void CheckSplitOutputDir(const std::string& dir, bool force) { CheckOutputDir(dir, force); }

SplitSummary WriteSplit(const Model& model, const SplitSource& source, const SplitWriteOptions& options) {
  std::vector<StageModel> stages;
  try {
    stages = SplitModel(model, MatchingStages(model, source), SplitOptionsFor(source, options));
  } catch (const Error& e) {
    throw e.WithContext(model.info().path + " (" + source.origin + ")");
  }
  std::vector<onnx::ModelProto> protos(stages.size());
  for (size_t s = 0; s < stages.size(); ++s) {
    if (!protos[s].ParseFromString(stages[s].onnx)) throw std::logic_error("a stage model does not parse back");
  }
  const std::filesystem::path model_dir = std::filesystem::path(model.info().path).parent_path();
  bool any_external = false;
  const bool present = ExternalDataPresent(protos, model_dir, any_external);
  SplitSummary summary;
  summary.weights = !any_external ? "inline" : present ? "external" : "structure-only";
  PrepareOutputDir(options.out_dir, options.force);
  for (size_t s = 0; s < stages.size(); ++s) {
    const std::string stem = "stage_" + std::to_string(s);
    if (summary.weights == "external") {
      CopyExternalWeights(protos[s], model_dir, options.out_dir, stem + ".weights.bin");
      summary.files.push_back(stem + ".weights.bin");
    }
    AtomicFile file(options.out_dir, stem + ".onnx");
    if (HasDeferredWeights(protos[s])) {
      WriteWithInlineWeights(protos[s], model.info().path, file);
    } else {
      std::string bytes;
      if (!protos[s].SerializeToString(&bytes)) throw Error(stem + ": the stage model cannot be serialized");
      file.Write(bytes);
    }
    file.Commit();
    summary.files.push_back(stem + ".onnx");
  }
  AtomicFile manifest(options.out_dir, "manifest.json");
  manifest.Write(Manifest({model, source, options, stages, summary.weights}));
  manifest.Commit();
  summary.files.push_back("manifest.json");
  SyncDir(options.out_dir);
  return summary;
}

}  // namespace dnnpart
