// The JSON reporter: one document per command, described in docs/json.md.
#include <nlohmann/json.hpp>

#include "dnnpart/report.h"

namespace dnnpart {
namespace {

using nlohmann::ordered_json;

ordered_json ModelJson(const ModelInfo& info) {
  return ordered_json{{"path", info.path},
                      {"ir_version", info.ir_version},
                      {"opset", info.opset},
                      {"producer", info.producer},
                      {"graph_name", info.graph_name},
                      {"onnx_nodes", info.onnx_node_count},
                      {"folded_nodes", info.folded_node_count},
                      {"dropped_nodes", info.dropped_node_count},
                      {"shapes_from_fallback", info.shapes_from_fallback}};
}

class JsonReporter : public Reporter {
 public:
  void WriteInspect(const InspectReport& report, std::ostream& out) const override {
    ordered_json doc{{"schema_version", kSchemaVersion}, {"kind", "inspect"}, {"model", ModelJson(report.model)}};
    ordered_json layers = ordered_json::array();
    for (const LayerRow& row : report.layers) {
      layers.push_back(ordered_json{{"id", row.id},
                                    {"name", row.name},
                                    {"op_type", row.op_type},
                                    {"output_shape", row.output_shape},
                                    {"dtype", DTypeName(row.dtype)},
                                    {"params", row.param_count},
                                    {"param_bytes", row.param_bytes},
                                    {"macs", row.macs},
                                    {"macs_modelled", row.macs_modelled},
                                    {"activation_bytes", row.activation_bytes}});
    }
    doc["layers"] = std::move(layers);
    doc["totals"] = ordered_json{{"layers", report.layers.size()},
                                 {"params", report.total_param_count},
                                 {"param_bytes", report.total_param_bytes},
                                 {"macs", report.total_macs},
                                 {"activation_bytes", report.total_activation_bytes}};
    doc["unmodelled_ops"] = report.unmodelled_ops;
    out << doc.dump(2) << '\n';
  }

  void WriteCuts(const CutsReport& report, std::ostream& out) const override {
    ordered_json doc{{"schema_version", kSchemaVersion},
                     {"kind", "cuts"},
                     {"model", ModelJson(report.model)},
                     {"max_cut_tensors", report.max_cut_tensors},
                     {"layers", report.layer_count},
                     {"total_macs", report.total_macs}};
    ordered_json cuts = ordered_json::array();
    for (const CutRow& row : report.cuts) {
      ordered_json tensors = ordered_json::array();
      for (const TensorRow& tensor : row.tensors) {
        tensors.push_back(ordered_json{{"name", tensor.name},
                                       {"shape", tensor.shape},
                                       {"dtype", DTypeName(tensor.dtype)},
                                       {"bytes", tensor.bytes}});
      }
      cuts.push_back(ordered_json{{"id", row.id},
                                  {"last_head_layer", row.last_head_layer},
                                  {"tensors", std::move(tensors)},
                                  {"total_bytes", row.total_bytes},
                                  {"head_layers", row.head_layers},
                                  {"head_macs", row.head_macs},
                                  {"tail_macs", row.tail_macs}});
    }
    doc["cuts"] = std::move(cuts);
    out << doc.dump(2) << '\n';
  }
};

}  // namespace

std::unique_ptr<Reporter> MakeJsonReporter() { return std::make_unique<JsonReporter>(); }

}  // namespace dnnpart
