// The JSON reporter: one document per command, described in docs/json.md.
// Streams through JsonWriter, so large reports never exist as a DOM.
#include "dnnpart/report.h"
#include "json_writer.h"
#include "report/json_parts.h"

namespace dnnpart {
namespace report_detail {

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
  if (info.inlined_if_count > 0) json.Key("inlined_if_nodes").Value(info.inlined_if_count);
  if (info.unrolled_loop_count > 0) json.Key("unrolled_loop_nodes").Value(info.unrolled_loop_count);
  json.EndObject();
}

void WriteHeader(JsonWriter& json, const char* kind, const ModelInfo& info) {
  json.BeginObject();
  json.Key("schema_version").Value(kSchemaVersion);
  json.Key("kind").Value(kind);
  WriteModel(json, info);
}

const char* ObjectiveName(Objective objective) {
  switch (objective) {
    case Objective::kThroughput: return "throughput";
    case Objective::kLatency: return "latency";
    case Objective::kEnergy: break;
  }
  return "energy";
}

void OptionalNumber(JsonWriter& json, const char* key, const std::optional<double>& value) {
  json.Key(key);
  if (value) json.Value(*value);
  else json.Null();
}

void WritePlanEntry(JsonWriter& json, const PlanDocument& doc, const PlanReport& plan) {
  json.BeginObject();
  json.Key("platforms").BeginArray();  // device instances, one per stage
  for (const StageReport& stage : plan.stages) json.Value(stage.device);
  json.EndArray();
  // The cut after each stage but the last, as `dnnpart cuts` numbers them
  // (`dnnpart split` rebuilds the stages from these).
  std::vector<int64_t> cut_ids;
  for (const HopReport& hop : plan.hops) {
    if (hop.cut_id >= 0) cut_ids.push_back(hop.cut_id);
  }
  json.Key("cuts").Value(cut_ids);
  json.Key("throughput_fps").Value(plan.throughput_fps);
  json.Key("pipeline_fps").Value(plan.pipeline_fps);
  json.Key("latency_ms").Value(plan.latency_ms);
  json.Key("energy_mj").Value(plan.energy_mj);
  json.Key("bottleneck").BeginObject();
  json.Key("kind").Value(plan.bottleneck.kind);
  json.Key("stage");
  if (plan.bottleneck.stage >= 0) json.Value(static_cast<int64_t>(plan.bottleneck.stage));
  else json.Null();
  json.Key("device");
  if (!plan.bottleneck.device.empty()) json.Value(plan.bottleneck.device);
  else json.Null();
  json.Key("resource");
  if (!plan.bottleneck.resource.empty()) json.Value(plan.bottleneck.resource);
  else json.Null();
  json.Key("period_ms").Value(plan.bottleneck.period_ms);
  json.EndObject();
  if (plan.accuracy) json.Key("accuracy").Value(*plan.accuracy);
  json.Key("feasible").Value(plan.feasible);
  json.Key("violations").Value(plan.violations);
  json.Key("stages").BeginArray();
  for (const StageReport& stage : plan.stages) {
    json.BeginObject();
    json.Key("platform").Value(stage.device);
    json.Key("profile").Value(doc.platforms[static_cast<size_t>(stage.platform)].name);
    json.Key("layers").Value(stage.layer_count);
    json.Key("first_layer").Value(stage.first_layer);
    json.Key("last_layer").Value(stage.last_layer);
    json.Key("after_cut");
    if (stage.after_cut >= 0) json.Value(stage.after_cut);
    else json.Null();
    json.Key("until_cut");
    if (stage.until_cut >= 0) json.Value(stage.until_cut);
    else json.Null();
    json.Key("layer_names");
    if (stage.layer_count <= kMaxStageLayersListed) json.Value(stage.layers);
    else json.Null();
    json.Key("macs").Value(stage.macs);
    json.Key("latency_ms").Value(stage.latency_ms);
    json.Key("input_conversion_ms").Value(stage.input_conversion_ms);
    json.Key("measured_latency_ms").Value(stage.measured_latency_ms);
    json.Key("estimated_latency_ms").Value(stage.estimated_latency_ms);
    json.Key("unmeasured_zero_layers").Value(stage.unmeasured_zero_layers);
    if (stage.zero_latency) json.Key("zero_latency").Value(true);  // only when true: a warning
    json.Key("unmodelled_ops").Value(stage.unmodelled_ops);
    if (!stage.broken_fusions.empty()) {  // only when the stage runs part of a fused group
      json.Key("broken_fusions").BeginArray();
      for (const BrokenFusion& broken : stage.broken_fusions) {
        json.BeginObject();
        json.Key("group").Value(broken.group);
        json.Key("in_stage").Value(broken.in_stage);
        json.Key("extra_latency_ms").Value(broken.extra_latency_ms);
        json.Key("extra_energy_mj").Value(broken.extra_energy_mj);
        json.EndObject();
      }
      json.EndArray();
    }
    json.Key("energy_mj").Value(stage.energy_mj);
    json.Key("idle_energy_mj").Value(stage.idle_energy_mj);
    json.Key("weight_bytes").Value(stage.weight_bytes);
    json.Key("peak_activation_bytes").Value(stage.peak_activation_bytes);
    json.Key("memory_bytes").Value(stage.memory_bytes);
    json.Key("memory_capacity_bytes").Value(stage.memory_capacity_bytes);
    json.EndObject();
  }
  json.EndArray();
  json.Key("links").BeginArray();
  for (const HopReport& hop : plan.hops) {
    json.BeginObject();
    json.Key("from").Value(hop.from_device);
    json.Key("to").Value(hop.to_device);
    json.Key("link").Value(hop.link);
    json.Key("carries").Value(hop.what);
    json.Key("tensors").BeginArray();
    bool bounded = false;
    for (TensorId t : hop.tensors) {
      json.Value(doc.graph->tensor(t).name);
      bounded = bounded || doc.graph->tensor(t).bounded;
    }
    json.EndArray();
    if (bounded) json.Key("bounded").Value(true);
    json.Key("payload_bytes").Value(hop.transfer.payload_bytes);
    json.Key("wire_bytes").Value(hop.transfer.wire_bytes);
    json.Key("latency_ms").Value(hop.transfer.latency_ms);
    json.Key("energy_mj").Value(hop.transfer.energy_mj);
    json.Key("utilization").Value(hop.utilization);
    json.Key("route").BeginArray();
    for (const HopSegment& segment : hop.segments) {
      json.BeginObject();
      json.Key("medium").Value(segment.medium);
      json.Key("link").Value(segment.link);
      json.Key("from").Value(segment.from_device);
      json.Key("to").Value(segment.to_device);
      json.Key("wire_bytes").Value(segment.transfer.wire_bytes);
      json.Key("latency_ms").Value(segment.transfer.latency_ms);
      json.Key("resources").Value(segment.resources);
      json.EndObject();
    }
    json.EndArray();
    json.EndObject();
  }
  json.EndArray();
  json.Key("resources").BeginArray();
  for (const ResourceLoad& load : plan.resources) {
    json.BeginObject();
    json.Key("name").Value(load.name);
    json.Key("busy_ms").Value(load.busy_ms);
    json.Key("utilization").Value(load.utilization);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
}

void WritePlatformsAndSettings(JsonWriter& json, const PlanDocument& doc) {
  json.Key("platforms").BeginArray();
  for (size_t p = 0; p < doc.platforms.size(); ++p) {
    json.BeginObject();
    json.Key("name").Value(p < doc.devices.size() ? doc.devices[p] : doc.platforms[p].name);
    json.Key("profile").Value(doc.platforms[p].name);
    json.Key("path").Value(doc.platforms[p].path);
    json.Key("data_type").Value(DTypeName(doc.platforms[p].data_type));
    json.Key("link").Value(doc.links[p] ? doc.links[p]->name : "");
    json.Key("link_path").Value(doc.links[p] ? doc.links[p]->path : "");
    json.EndObject();
  }
  json.EndArray();
  json.Key("settings").BeginObject();
  json.Key("system");
  if (!doc.system_path.empty()) json.Value(doc.system_path);
  else json.Null();
  json.Key("max_cut_tensors").Value(doc.max_cut_tensors);
  json.Key("any_order").Value(doc.options.any_order);
  json.Key("output_at").Value(doc.options.output_at == OutputAt::kFirst ? "first" : "last");
  json.Key("objective").Value(ObjectiveName(doc.options.objective));
  OptionalNumber(json, "input_fps", doc.options.input_fps);
  OptionalNumber(json, "max_latency_ms", doc.options.max_latency_ms);
  OptionalNumber(json, "min_fps", doc.options.min_fps);
  OptionalNumber(json, "max_energy_mj", doc.options.max_energy_mj);
  json.Key("include_idle_energy").Value(doc.options.include_idle_energy);
  json.Key("best_only").Value(doc.options.best_only);
  json.EndObject();
}

}  // namespace report_detail

namespace {

using report_detail::OptionalNumber;
using report_detail::WriteHeader;
using report_detail::WritePlanEntry;

void WritePlanList(JsonWriter& json, const PlanDocument& doc, const char* key, const std::vector<PlanReport>& plans) {
  json.Key(key).BeginArray();
  for (const PlanReport& plan : plans) WritePlanEntry(json, doc, plan);
  json.EndArray();
}

// "bounded" appears only on tensors whose size depends on the data.
void WriteTensor(JsonWriter& json, const TensorRow& tensor) {
  json.BeginObject();
  json.Key("name").Value(tensor.name);
  json.Key("shape").Value(tensor.shape);
  json.Key("dtype").Value(DTypeName(tensor.dtype));
  json.Key("bytes").Value(tensor.bytes);
  if (tensor.bounded) json.Key("bounded").Value(true);
  json.EndObject();
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
      json.Key("outputs").BeginArray();
      for (const TensorRow& tensor : row.outputs) WriteTensor(json, tensor);
      json.EndArray();
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
      for (const TensorRow& tensor : row.tensors) WriteTensor(json, tensor);
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

  void WritePlan(const PlanDocument& doc, std::ostream& out) const override {
    JsonWriter json(out);
    WriteHeader(json, "plan", doc.model);
    report_detail::WritePlatformsAndSettings(json, doc);
    const PlanResult& result = doc.result;
    json.Key("cuts").Value(result.cut_count);
    // A count: an integer while exact (below 2^53), else a float.
    if (result.plans_evaluated < 9007199254740992.0) {
      json.Key("plans_evaluated").Value(static_cast<int64_t>(result.plans_evaluated));
    } else {
      json.Key("plans_evaluated").Value(result.plans_evaluated);
    }
    json.Key("plans_visited").Value(result.plans_visited);
    json.Key("complete").Value(result.complete);
    json.Key("recommended");
    if (result.recommended) WritePlanEntry(json, doc, result.pareto[*result.recommended]);
    else json.Null();
    json.Key("best_baseline");
    if (result.best_baseline) json.Value(result.baselines[*result.best_baseline].stages.front().device);
    else json.Null();
    OptionalNumber(json, "improvement_pct", result.improvement_pct);
    WritePlanList(json, doc, "pareto", result.pareto);
    WritePlanList(json, doc, "baselines", result.baselines);
    if (doc.options.show_infeasible) WritePlanList(json, doc, "rejected", result.rejected);
    if (doc.options.list_all) WritePlanList(json, doc, "all", result.all);
    json.EndObject().Finish();
  }
};

}  // namespace

std::unique_ptr<Reporter> MakeJsonReporter() { return std::make_unique<JsonReporter>(); }

}  // namespace dnnpart
