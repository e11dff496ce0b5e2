// The JSON reporter: one document per command, described in docs/json.md.
// Streams through JsonWriter, so large reports never exist as a DOM.
#include "dnnpart/report.h"
#include "json_writer.h"

namespace dnnpart {
namespace {

void WriteModel(JsonWriter& json, const ModelInfo& info) {
  json.Key("model").BeginObject();
  json.Key("path").Value(info.path);
  json.Key("ir_version").Value(info.ir_version);
  json.Key("opset").Value(info.opset);
  json.Key("producer").Value(info.producer);
  json.Key("graph_name").Value(info.graph_name);
  json.Key("onnx_nodes").Value(info.onnx_node_count);
  json.Key("folded_nodes").Value(info.folded_node_count);
  json.Key("dropped_nodes").Value(info.dropped_node_count);
  json.Key("shapes_from_fallback").Value(info.shapes_from_fallback);
  json.EndObject();
}

void WriteHeader(JsonWriter& json, const char* kind, const ModelInfo& info) {
  json.BeginObject();
  json.Key("schema_version").Value(kSchemaVersion);
  json.Key("kind").Value(kind);
  WriteModel(json, info);
}

class JsonReporter : public Reporter {
 public:
  void WriteInspect(const InspectReport& report, std::ostream& out) const override {
    JsonWriter json(out);
    WriteHeader(json, "inspect", report.model);
    json.Key("layers").BeginArray();
    for (const LayerRow& row : report.layers) {
      json.BeginObject();
      json.Key("id").Value(static_cast<int64_t>(row.id));
      json.Key("name").Value(row.name);
      json.Key("op_type").Value(row.op_type);
      json.Key("output_shape").Value(row.output_shape);
      json.Key("dtype").Value(DTypeName(row.dtype));
      json.Key("params").Value(row.param_count);
      json.Key("param_bytes").Value(row.param_bytes);
      json.Key("macs").Value(row.macs);
      json.Key("macs_modelled").Value(row.macs_modelled);
      json.Key("activation_bytes").Value(row.activation_bytes);
      json.EndObject();
    }
    json.EndArray();
    json.Key("totals").BeginObject();
    json.Key("layers").Value(report.layers.size());
    json.Key("params").Value(report.total_param_count);
    json.Key("param_bytes").Value(report.total_param_bytes);
    json.Key("macs").Value(report.total_macs);
    json.Key("activation_bytes").Value(report.total_activation_bytes);
    json.EndObject();
    json.Key("unmodelled_ops").Value(report.unmodelled_ops);
    json.EndObject().Finish();
  }

  void WriteCuts(const CutsReport& report, std::ostream& out) const override {
    JsonWriter json(out);
    WriteHeader(json, "cuts", report.model);
    json.Key("max_cut_tensors").Value(report.max_cut_tensors);
    json.Key("layers").Value(report.layer_count);
    json.Key("total_macs").Value(report.total_macs);
    json.Key("cuts").BeginArray();
    for (const CutRow& row : report.cuts) {
      json.BeginObject();
      json.Key("id").Value(row.id);
      json.Key("last_head_layer").Value(row.last_head_layer);
      json.Key("tensors").BeginArray();
      for (const TensorRow& tensor : row.tensors) {
        json.BeginObject();
        json.Key("name").Value(tensor.name);
        json.Key("shape").Value(tensor.shape);
        json.Key("dtype").Value(DTypeName(tensor.dtype));
        json.Key("bytes").Value(tensor.bytes);
        json.EndObject();
      }
      json.EndArray();
      json.Key("total_bytes").Value(row.total_bytes);
      json.Key("head_layers").Value(row.head_layers);
      json.Key("head_macs").Value(row.head_macs);
      json.Key("tail_macs").Value(row.tail_macs);
      json.EndObject();
    }
    json.EndArray();
    json.EndObject().Finish();
  }
};

}  // namespace

std::unique_ptr<Reporter> MakeJsonReporter() { return std::make_unique<JsonReporter>(); }

}  // namespace dnnpart
