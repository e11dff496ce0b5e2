// Builds one ONNX model per pipeline stage from the proto a Model keeps.
// The wire between stages follows the planner's hops (docs/planning.md): the
// boundary after stage s carries the crossing tensors of the union of stages
// 0..s, so a tensor that skips a stage is passed through it.
#include "dnnpart/split.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "dnnpart/error.h"
#include "loader/inference_guards.h"
#include "loader/model_file.h"
#include "loader/model_internals.h"
#include "loader/value_inference.h"
#include "split/onnx_values.h"

namespace dnnpart {
namespace {

constexpr std::string_view kPassNode = "dnnpart_pass/";
constexpr std::string_view kPassInput = "dnnpart_pass_in/";
constexpr std::string_view kCastNode = "dnnpart_cast/";      // Cast to the wire type, before leaving
constexpr std::string_view kWire = "dnnpart_wire/";          // the cast value on the wire
constexpr std::string_view kUncastNode = "dnnpart_uncast/";  // Cast back, after arriving
constexpr std::string_view kWireInput = "dnnpart_wire_in/";  // the stage input holding a cast value
constexpr std::string_view kQuantizeNode = "dnnpart_quantize/";
constexpr std::string_view kDequantizeNode = "dnnpart_dequantize/";
constexpr std::string_view kScale = "dnnpart_scale/";
constexpr std::string_view kZeroPoint = "dnnpart_zero_point/";

bool IsQuantized(DType dtype) { return dtype == DType::kInt8 || dtype == DType::kUInt8; }

// How a node of the source graph enters a stage model.
enum class Copy : char { kNo, kAsIs, kAsConstant };

class Splitter {
 public:
  Splitter(const Model& model, const std::vector<StageSpec>& stages)
      : model_(model),
        proto_(ModelInternals::Proto(model)),
        graph_(proto_.graph()),
        layers_(model.graph()),
        stages_(stages),
        index_(IndexNames(graph_)) {}

  std::vector<StageModel> Run(const SplitOptions& options) {
    if (stages_.empty()) throw Error("no stages to split into");
    SetWireTypes(options.wire_dtypes);
    quant_ranges_ = &options.quant_ranges;
    IndexSource();
    AssignStages();
    const std::vector<std::vector<TensorId>> wire = Boundaries();
    std::vector<StageModel> result;
    for (size_t s = 0; s < stages_.size(); ++s) {
      try {
        onnx::ModelProto stage = BuildStage(s, wire[s], wire[s + 1]);
        if (options.verify) Verify(stage);
        result.push_back(Describe(stage, s, wire[s], wire[s + 1]));
      } catch (const Error& e) {
        throw e.WithContext("stage " + std::to_string(s));
      }
    }
    return result;
  }

 private:
  void SetWireTypes(const std::vector<std::optional<DType>>& dtypes) {
    if (!dtypes.empty() && dtypes.size() + 1 != stages_.size()) {
      throw Error("wire types are given for " + std::to_string(dtypes.size()) + " boundaries, but " +
                  std::to_string(stages_.size()) + " stages have " + std::to_string(stages_.size() - 1));
    }
    for (const std::optional<DType>& dtype : dtypes) {
      if (dtype && !IsFloatingType(*dtype) && !IsQuantized(*dtype)) {
        throw Error("wire type " + std::string(DTypeName(*dtype)) + " is neither a floating type nor int8/uint8; "
                    "no cast is inserted for it");
      }
      if (dtype && IsQuantized(*dtype) && model_.info().opset < 10) {
        throw Error("wire type " + std::string(DTypeName(*dtype)) + " needs QuantizeLinear (opset 10), the model "
                    "has opset " + std::to_string(model_.info().opset));
      }
    }
    wire_dtypes_ = dtypes;
  }

  void IndexSource() {
    producer_.assign(index_.names.size(), -1);
    for (int n = 0; n < graph_.node_size(); ++n) {
      for (const int32_t* out = index_.OutputsBegin(n); out != index_.OutputsEnd(n); ++out) {
        if (*out >= 0 && producer_[static_cast<size_t>(*out)] < 0) producer_[static_cast<size_t>(*out)] = n;
      }
    }
    initializer_.assign(index_.names.size(), -1);
    for (int i = 0; i < graph_.initializer_size(); ++i) {
      const int32_t id = index_.Find(graph_.initializer(i).name());
      if (id >= 0) initializer_[static_cast<size_t>(id)] = i;
    }
    layer_of_node_.assign(static_cast<size_t>(graph_.node_size()), kNoLayer);
    for (LayerId l = 0; l < static_cast<LayerId>(layers_.layer_count()); ++l) {
      layer_of_node_[static_cast<size_t>(layers_.layer(l).onnx_node_index)] = l;
    }
  }

  void AssignStages() {
    stage_of_.assign(layers_.layer_count(), -1);
    for (size_t s = 0; s < stages_.size(); ++s) {
      if (stages_[s].layers.empty()) throw Error("stage " + std::to_string(s) + " has no layer");
      for (LayerId l : stages_[s].layers) {
        if (l < 0 || static_cast<size_t>(l) >= layers_.layer_count()) {
          throw Error("stage " + std::to_string(s) + ": layer id " + std::to_string(l) + " is out of range");
        }
        int& stage = stage_of_[static_cast<size_t>(l)];
        if (stage >= 0) throw Error("layer '" + layers_.layer(l).name + "' is in two stages");
        stage = static_cast<int>(s);
      }
    }
    for (LayerId l = 0; l < static_cast<LayerId>(layers_.layer_count()); ++l) {
      const int stage = stage_of_[static_cast<size_t>(l)];
      if (stage < 0) throw Error("layer '" + layers_.layer(l).name + "' is in no stage");
      for (LayerId p : layers_.predecessors(l)) {
        if (stage_of_[static_cast<size_t>(p)] > stage) {
          throw Error("layer '" + layers_.layer(l).name + "' (stage " + std::to_string(stage) +
                      ") reads the output of layer '" + layers_.layer(p).name + "' of a later stage");
        }
      }
    }
  }

  // wire[s]: the tensors entering stage s; wire[N]: the graph outputs.
  std::vector<std::vector<TensorId>> Boundaries() const {
    std::vector<std::vector<TensorId>> wire;
    std::vector<TensorId> inputs;
    for (TensorId t : layers_.graph_inputs()) {
      if (!layers_.tensor(t).consumers.empty()) inputs.push_back(t);
    }
    std::sort(inputs.begin(), inputs.end());
    wire.push_back(std::move(inputs));
    std::vector<bool> head(layers_.layer_count(), false);
    for (size_t s = 0; s + 1 < stages_.size(); ++s) {
      for (LayerId l : stages_[s].layers) head[static_cast<size_t>(l)] = true;
      wire.push_back(CrossingTensors(layers_, head));
    }
    std::vector<TensorId> outputs = layers_.graph_outputs();
    std::sort(outputs.begin(), outputs.end());
    wire.push_back(std::move(outputs));
    return wire;
  }

  int32_t NameId(TensorId t) const { return index_.Find(layers_.tensor(t).name); }

  bool ProducedIn(int32_t id, int s) const {
    const int n = producer_[static_cast<size_t>(id)];
    if (n < 0) return false;
    const LayerId l = layer_of_node_[static_cast<size_t>(n)];
    return l != kNoLayer && stage_of_[static_cast<size_t>(l)] == s;
  }

  // Marks the nodes and initializers stage `s` needs to compute value `id`.
  void Need(int32_t id, int s, std::vector<Copy>& nodes, std::vector<char>& initializers, std::vector<int>& work) {
    if (id < 0 || on_wire_[static_cast<size_t>(id)] != 0) return;
    if (const int i = initializer_[static_cast<size_t>(id)]; i >= 0) {
      initializers[static_cast<size_t>(i)] = 1;
      return;
    }
    const std::string name(index_.names[static_cast<size_t>(id)]);
    const int n = producer_[static_cast<size_t>(id)];
    if (n < 0) throw Error("tensor '" + name + "' is read but neither received nor computed in the stage");
    if (nodes[static_cast<size_t>(n)] != Copy::kNo) return;
    const LayerId l = layer_of_node_[static_cast<size_t>(n)];
    if (l != kNoLayer) {
      if (stage_of_[static_cast<size_t>(l)] == s) return;  // a stage layer, marked already
      throw Error("tensor '" + name + "' comes from layer '" + layers_.layer(l).name + "' of stage " +
                  std::to_string(stage_of_[static_cast<size_t>(l)]) + " but does not reach this stage");
    }
    // A folded node. Shape/Size of an activation the stage does not have
    // becomes a Constant holding the loaded shape.
    const onnx::NodeProto& node = graph_.node(n);
    if (IsShapeOf(node)) {
      const int32_t in = *index_.InputsBegin(n);
      const std::optional<TensorId> tensor = layers_.FindTensor(index_.names[static_cast<size_t>(in)]);
      if (tensor && on_wire_[static_cast<size_t>(in)] == 0 && !ProducedIn(in, s)) {
        nodes[static_cast<size_t>(n)] = Copy::kAsConstant;
        return;
      }
    }
    nodes[static_cast<size_t>(n)] = Copy::kAsIs;
    work.push_back(n);
  }

  static bool IsShapeOf(const onnx::NodeProto& node) {
    return (node.op_type() == "Shape" || node.op_type() == "Size") && node.domain().empty() && node.input_size() == 1;
  }

  onnx::ModelProto BuildStage(size_t stage, const std::vector<TensorId>& in, const std::vector<TensorId>& out) {
    const int s = static_cast<int>(stage);
    on_wire_.assign(index_.names.size(), 0);
    for (TensorId t : in) on_wire_[static_cast<size_t>(NameId(t))] = 1;
    std::vector<Copy> nodes(static_cast<size_t>(graph_.node_size()), Copy::kNo);
    std::vector<char> initializers(static_cast<size_t>(graph_.initializer_size()), 0);
    std::vector<int> work;
    for (LayerId l : stages_[stage].layers) {
      nodes[static_cast<size_t>(layers_.layer(l).onnx_node_index)] = Copy::kAsIs;
      work.push_back(layers_.layer(l).onnx_node_index);
    }
    while (!work.empty()) {
      const int n = work.back();
      work.pop_back();
      for (const int32_t* id = index_.InputsBegin(n); id != index_.InputsEnd(n); ++id) {
        Need(*id, s, nodes, initializers, work);
      }
    }
    onnx::ModelProto model;
    CopyHeader(model, stage);
    onnx::GraphProto& graph = *model.mutable_graph();
    WireInputs(graph, in, out, stage);
    for (int n : SortedNodes(nodes)) {
      if (nodes[static_cast<size_t>(n)] == Copy::kAsConstant) {
        *graph.add_node() = ShapeAsConstant(graph_.node(n), ShapeOf(graph_.node(n).input(0)));
      } else {
        *graph.add_node() = graph_.node(n);
      }
    }
    WireOutputs(graph, in, out, stage);
    CopyInitializers(graph, initializers);
    AddValueInfo(graph, stage, out);
    return model;
  }

  const Shape& ShapeOf(const std::string& name) const {
    const Tensor& tensor = layers_.tensor(*layers_.FindTensor(name));
    if (tensor.bounded) {
      throw Error("the shape of tensor '" + name + "' depends on the data; a stage that does not receive it "
                  "cannot compute it");
    }
    return tensor.shape;
  }

  // The type tensor `t` travels in over the boundary before stage `b`, when
  // a cast is inserted there.
  std::optional<DType> CastAt(size_t b, TensorId t) const {
    if (b == 0 || b > wire_dtypes_.size() || !wire_dtypes_[b - 1]) return std::nullopt;
    const DType dtype = layers_.tensor(t).dtype;
    if (IsQuantized(*wire_dtypes_[b - 1])) {
      if (dtype != DType::kFloat32) return std::nullopt;  // QuantizeLinear before opset 19 takes float32
      return wire_dtypes_[b - 1];
    }
    if (!IsFloatingType(dtype) || dtype == *wire_dtypes_[b - 1]) return std::nullopt;
    return wire_dtypes_[b - 1];
  }

  std::optional<QuantParams> QuantOf(TensorId t, DType wire) const {
    if (!IsQuantized(wire)) return std::nullopt;
    const auto range = quant_ranges_->find(layers_.tensor(t).name);
    return QuantParamsFor(wire, range == quant_ranges_->end() ? QuantRange{} : range->second);
  }

  // QuantizeLinear (to the wire) or DequantizeLinear (back) with the
  // tensor's scale and zero point as initializers of this stage.
  static void AddQuant(onnx::GraphProto& graph, bool quantize, const std::string& tensor, const std::string& from,
                       const std::string& to, DType wire, const QuantParams& quant) {
    const std::string scale = std::string(kScale) + tensor;
    const std::string zero_point = std::string(kZeroPoint) + tensor;
    onnx::NodeProto& node = *graph.add_node();
    node.set_name(std::string(quantize ? kQuantizeNode : kDequantizeNode) + tensor);
    node.set_op_type(quantize ? "QuantizeLinear" : "DequantizeLinear");
    node.add_input(from);
    node.add_input(scale);
    node.add_input(zero_point);
    node.add_output(to);
    for (const auto& existing : graph.initializer()) {
      if (existing.name() == scale) return;  // passed through: received and sent with the same parameters
    }
    onnx::TensorProto& s = *graph.add_initializer();
    s.set_name(scale);
    s.set_data_type(onnx::TensorProto::FLOAT);
    s.add_float_data(static_cast<float>(quant.scale));
    onnx::TensorProto& z = *graph.add_initializer();
    z.set_name(zero_point);
    z.set_data_type(ToOnnxType(wire));
    z.add_int32_data(static_cast<int32_t>(quant.zero_point));
  }

  StageValue InputPort(size_t s, TensorId t, const std::vector<TensorId>& out) const {
    const std::string& name = layers_.tensor(t).name;
    const bool pass = std::binary_search(out.begin(), out.end(), t);
    const std::optional<DType> cast = CastAt(s, t);
    StageValue port{name, t, pass, name, layers_.tensor(t).dtype, std::nullopt};
    if (cast) {
      port.name = std::string(kWireInput) + name;
      port.wire = std::string(kWire) + name;
      port.dtype = *cast;
      port.quant = QuantOf(t, *cast);
    } else if (pass) {
      port.name = std::string(kPassInput) + name;
    }
    return port;
  }

  StageValue OutputPort(size_t s, TensorId t, const std::vector<TensorId>& in) const {
    const std::string& name = layers_.tensor(t).name;
    const std::optional<DType> cast = CastAt(s + 1, t);
    const std::string wire = cast ? std::string(kWire) + name : name;
    return {wire, t, std::binary_search(in.begin(), in.end(), t), wire, cast.value_or(layers_.tensor(t).dtype),
            cast ? QuantOf(t, *cast) : std::nullopt};
  }

  static void AddCast(onnx::GraphProto& graph, const std::string& name, const std::string& from, const std::string& to,
                      DType dtype) {
    onnx::NodeProto& cast = *graph.add_node();
    cast.set_name(name);
    cast.set_op_type("Cast");
    cast.add_input(from);
    cast.add_output(to);
    auto& attribute = *cast.add_attribute();
    attribute.set_name("to");
    attribute.set_type(onnx::AttributeProto::INT);
    attribute.set_i(ToOnnxType(dtype));
  }

  // Graph inputs, and the nodes (first in the graph) that turn a renamed
  // input back into its tensor: Identity for a pass-through, Cast for a cast.
  void WireInputs(onnx::GraphProto& graph, const std::vector<TensorId>& in, const std::vector<TensorId>& out,
                  size_t s) const {
    for (TensorId t : in) {
      const Tensor& tensor = layers_.tensor(t);
      const StageValue port = InputPort(s, t, out);
      *graph.add_input() = TensorValueInfo(tensor, port.name, port.dtype);
      if (port.name == tensor.name) continue;
      if (port.quant) {
        AddQuant(graph, false, tensor.name, port.name, tensor.name, port.dtype, *port.quant);
        continue;
      }
      if (port.dtype != tensor.dtype) {
        AddCast(graph, std::string(kUncastNode) + tensor.name, port.name, tensor.name, tensor.dtype);
        continue;
      }
      onnx::NodeProto& identity = *graph.add_node();
      identity.set_name(std::string(kPassNode) + tensor.name);
      identity.set_op_type("Identity");
      identity.add_input(port.name);
      identity.add_output(tensor.name);
    }
  }

  // Graph outputs, and the Casts to the wire type (last in the graph).
  void WireOutputs(onnx::GraphProto& graph, const std::vector<TensorId>& in, const std::vector<TensorId>& out,
                   size_t s) const {
    for (TensorId t : out) {
      const Tensor& tensor = layers_.tensor(t);
      if (!std::binary_search(in.begin(), in.end(), t) && !ProducedIn(NameId(t), static_cast<int>(s))) {
        throw Error("tensor '" + tensor.name + "' must leave the stage but is neither received nor computed in it");
      }
      const StageValue port = OutputPort(s, t, in);
      *graph.add_output() = TensorValueInfo(tensor, port.name, port.dtype);
      if (port.quant) {
        AddQuant(graph, true, tensor.name, tensor.name, port.name, port.dtype, *port.quant);
      } else if (port.dtype != tensor.dtype) {
        AddCast(graph, std::string(kCastNode) + tensor.name, tensor.name, port.name, port.dtype);
      }
    }
  }

  // The marked nodes in an order where every producer comes before its
  // consumers; the source order when it already is one.
  std::vector<int> SortedNodes(const std::vector<Copy>& nodes) const {
    std::vector<int> order;
    std::vector<char> state(nodes.size(), 0);  // 0 new, 1 visiting, 2 done
    std::vector<std::pair<int, const int32_t*>> stack;
    for (int root = 0; root < static_cast<int>(nodes.size()); ++root) {
      if (nodes[static_cast<size_t>(root)] == Copy::kNo || state[static_cast<size_t>(root)] != 0) continue;
      stack.emplace_back(root, index_.InputsBegin(root));
      state[static_cast<size_t>(root)] = 1;
      while (!stack.empty()) {
        auto& [n, next] = stack.back();
        // A Constant replacing a Shape reads nothing.
        const int32_t* end = nodes[static_cast<size_t>(n)] == Copy::kAsConstant ? next : index_.InputsEnd(n);
        if (next == end) {
          state[static_cast<size_t>(n)] = 2;
          order.push_back(n);
          stack.pop_back();
          continue;
        }
        const int32_t id = *next++;
        const int p = id < 0 || on_wire_[static_cast<size_t>(id)] != 0 ? -1 : producer_[static_cast<size_t>(id)];
        if (p < 0 || nodes[static_cast<size_t>(p)] == Copy::kNo || state[static_cast<size_t>(p)] != 0) continue;
        state[static_cast<size_t>(p)] = 1;
        stack.emplace_back(p, index_.InputsBegin(p));
      }
    }
    return order;
  }

  void CopyHeader(onnx::ModelProto& model, size_t stage) const {
    model.set_ir_version(proto_.ir_version());
    *model.mutable_opset_import() = proto_.opset_import();
    model.set_producer_name(proto_.producer_name());
    model.set_producer_version(proto_.producer_version());
    model.set_domain(proto_.domain());
    model.set_model_version(proto_.model_version());
    *model.mutable_metadata_props() = proto_.metadata_props();
    *model.mutable_functions() = proto_.functions();
    const std::string what = "dnnpart stage " + std::to_string(stage) + " of " + std::to_string(stages_.size()) +
                             " (platform '" + stages_[stage].platform + "') of graph '" + graph_.name() + "'";
    model.set_doc_string(what);
    model.mutable_graph()->set_name(graph_.name() + "_stage_" + std::to_string(stage));
    model.mutable_graph()->set_doc_string(what);
  }

  // Used initializers in source order. IR < 4 requires each to be a graph input too.
  void CopyInitializers(onnx::GraphProto& graph, const std::vector<char>& used) const {
    for (int i = 0; i < graph_.initializer_size(); ++i) {
      if (used[static_cast<size_t>(i)] == 0) continue;
      const onnx::TensorProto& tensor = graph_.initializer(i);
      *graph.add_initializer() = tensor;
      if (proto_.ir_version() >= 4) continue;
      onnx::ValueInfoProto& input = *graph.add_input();
      input.set_name(tensor.name());
      auto& type = *input.mutable_type()->mutable_tensor_type();
      type.set_elem_type(tensor.data_type());
      for (int64_t dim : tensor.dims()) type.mutable_shape()->add_dim()->set_dim_value(dim);
    }
  }

  // Shapes of the activations the stage's layers produce (not its outputs).
  void AddValueInfo(onnx::GraphProto& graph, size_t stage, const std::vector<TensorId>& out) const {
    std::vector<LayerId> layers = stages_[stage].layers;
    std::sort(layers.begin(), layers.end());
    for (LayerId l : layers) {
      for (TensorId t : layers_.layer(l).outputs) {
        const Tensor& tensor = layers_.tensor(t);
        const bool leaves_as_is = std::binary_search(out.begin(), out.end(), t) && !CastAt(stage + 1, t);
        if (leaves_as_is || tensor.bounded) continue;
        *graph.add_value_info() = TensorValueInfo(tensor, tensor.name, tensor.dtype);
      }
    }
  }

  // ONNX would infer a subgraph or function body that the loader kept from
  // it (src/loader/inference_guards.h) without checking it first.
  static bool HasBodyUnsafeForOnnx(const onnx::ModelProto& model) {
    std::unordered_map<std::string, const onnx::FunctionProto*> functions;
    for (const auto& function : model.functions()) functions[function.domain() + ":" + function.name()] = &function;
    return std::any_of(model.graph().node().begin(), model.graph().node().end(), [&](const onnx::NodeProto& node) {
      auto local = functions.find(node.domain() + ":" + node.op_type());
      return BodyUnsafeForOnnx(node, local == functions.end() ? nullptr : local->second, functions);
    });
  }

  // Checks a copy whose external initializers are empty inline tensors: the
  // checker would look for their files relative to the working directory,
  // and the structure is what is checked here.
  void Verify(const onnx::ModelProto& model) const {
    onnx::ModelProto copy = model;
    for (auto& tensor : *copy.mutable_graph()->mutable_initializer()) {
      if (tensor.data_location() != onnx::TensorProto::EXTERNAL) continue;
      tensor.clear_external_data();
      tensor.clear_data_location();
      tensor.set_raw_data(std::string(8, '\0'));  // the checker wants a non-empty value field
    }
    try {
      onnx::checker::check_model(copy);
    } catch (const std::exception& e) {
      throw Error("fails the ONNX checker: " + FirstLine(e.what()));
    }
    if (model_.info().shapes_from_fallback || HasBodyUnsafeForOnnx(copy)) return;
    try {
      onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(),
                                         onnx::ShapeInferenceOptions(/*check_type=*/true, /*error_mode=*/1));
    } catch (const std::exception& e) {
      throw Error("fails strict ONNX shape inference: " + FirstLine(e.what()));
    }
  }

  StageModel Describe(const onnx::ModelProto& model, size_t s, const std::vector<TensorId>& in,
                      const std::vector<TensorId>& out) const {
    StageModel stage;
    for (TensorId t : in) stage.inputs.push_back(InputPort(s, t, out));
    for (TensorId t : out) stage.outputs.push_back(OutputPort(s, t, in));
    stage.node_count = model.graph().node_size();
    stage.initializer_count = model.graph().initializer_size();
    for (const auto& tensor : model.graph().initializer()) {
      if (tensor.data_location() == onnx::TensorProto::EXTERNAL && !DeferredData(tensor)) ++stage.external_initializer_count;
    }
    if (!model.SerializeToString(&stage.onnx)) throw Error("the stage model cannot be serialized (over 2 GB?)");
    return stage;
  }

  const Model& model_;
  const onnx::ModelProto& proto_;
  const onnx::GraphProto& graph_;
  const LayerGraph& layers_;
  const std::vector<StageSpec>& stages_;
  NameIndex index_;
  std::vector<int32_t> producer_;       // per value id: the first node producing it, or -1
  std::vector<int> initializer_;        // per value id: its index in graph.initializer, or -1
  std::vector<LayerId> layer_of_node_;  // per node: its layer, or kNoLayer (folded or dead)
  std::vector<int> stage_of_;           // per layer
  std::vector<char> on_wire_;           // per value id: received by the stage being built
  std::vector<std::optional<DType>> wire_dtypes_;  // per boundary after stage 0..N-2 (SplitOptions)
  const std::map<std::string, QuantRange>* quant_ranges_ = nullptr;
};

}  // namespace

QuantParams QuantParamsFor(DType wire, const QuantRange& range) {
  if (!std::isfinite(range.min) || !std::isfinite(range.max) || range.min > range.max) {
    throw Error("quantization range [" + std::to_string(range.min) + ", " + std::to_string(range.max) +
                "] is not a finite range with min <= max");
  }
  QuantParams quant;
  if (wire == DType::kInt8) {
    const double abs = std::max(std::fabs(range.min), std::fabs(range.max));
    quant.scale = abs > 0 ? abs / 127 : 1;
    return quant;
  }
  const double low = std::min(range.min, 0.0);
  const double high = std::max(range.max, 0.0);
  quant.scale = high > low ? (high - low) / 255 : 1;
  quant.zero_point = std::clamp<int64_t>(std::llround(-low / quant.scale), 0, 255);
  return quant;
}

std::vector<StageSpec> StagesFromCuts(const LayerGraph& graph, const std::vector<Cut>& cuts,
                                      const std::vector<size_t>& cut_ids, const std::vector<std::string>& platforms) {
  if (platforms.size() != cut_ids.size() + 1) {
    throw Error(std::to_string(cut_ids.size()) + " cut(s) make " + std::to_string(cut_ids.size() + 1) +
                " stages, but " + std::to_string(platforms.size()) + " platform name(s) were given");
  }
  std::vector<bool> done(graph.layer_count(), false);
  std::vector<StageSpec> stages;
  for (size_t k = 0; k <= cut_ids.size(); ++k) {
    std::vector<bool> head(graph.layer_count(), true);
    if (k < cut_ids.size()) {
      if (cut_ids[k] >= cuts.size()) {
        throw Error("cut id " + std::to_string(cut_ids[k]) + " is out of range (" +
                    (cuts.empty() ? std::string("the model has no cut with this many crossing tensors")
                                  : "the model has " + std::to_string(cuts.size()) + " cuts, ids 0.." +
                                        std::to_string(cuts.size() - 1)) +
                    ")");
      }
      head = HeadMask(graph, cuts[cut_ids[k]]);
    }
    StageSpec stage{platforms[k], {}};
    for (LayerId l : graph.topological_order()) {
      if (!head[static_cast<size_t>(l)]) continue;
      if (done[static_cast<size_t>(l)]) continue;
      stage.layers.push_back(l);
      done[static_cast<size_t>(l)] = true;
    }
    for (LayerId l = 0; l < static_cast<LayerId>(graph.layer_count()); ++l) {
      if (done[static_cast<size_t>(l)] && !head[static_cast<size_t>(l)] && k < cut_ids.size()) {
        throw Error("cut " + std::to_string(cut_ids[k]) + " does not contain the head of cut " +
                    std::to_string(cut_ids[k - 1]) + ": the cuts must be nested, in order");
      }
    }
    if (stage.layers.empty()) {
      throw Error("stage " + std::to_string(k) + " would have no layer: cut ids must grow strictly");
    }
    stages.push_back(std::move(stage));
  }
  return stages;
}

std::vector<StageModel> SplitModel(const Model& model, const std::vector<StageSpec>& stages,
                                   const SplitOptions& options) {
  return Splitter(model, stages).Run(options);
}

}  // namespace dnnpart
