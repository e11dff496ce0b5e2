// Loads an .onnx file into a Model: parse, check, bind shapes, infer shapes,
// fold constants, drop dead nodes, build the LayerGraph.
#include <google/protobuf/arena.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <deque>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

#include "dnnpart/error.h"
#include "input_file.h"
#include "dnnpart/model.h"
#include "evaluator/tensor_value.h"
#include "loader/graph_rewrite.h"
#include "loader/model_file.h"
#include "loader/model_internals.h"
#include "loader/subgraph_macs.h"
#include "loader/value_inference.h"
#include "macs.h"

namespace dnnpart {

Model::Model(std::shared_ptr<const Onnx> onnx, LayerGraph graph, ModelInfo info)
    : onnx_(std::move(onnx)), graph_(std::move(graph)), info_(std::move(info)) {}
Model::~Model() = default;
Model::Model(const Model&) = default;
Model& Model::operator=(const Model&) = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

Shape ParseShape(const std::string& text) {
  Shape shape;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, 'x')) {
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos || part.size() > 12) {
      throw Error("shape '" + text + "' is not of the form 1x3x224x224");
    }
    shape.push_back(std::stoll(part));
  }
  if (shape.empty()) throw Error("shape '" + text + "' is empty");
  return shape;
}

namespace {

DType FromOnnxType(int32_t elem_type) {
  switch (elem_type) {
    case onnx::TensorProto::FLOAT: return DType::kFloat32;
    case onnx::TensorProto::FLOAT16: return DType::kFloat16;
    case onnx::TensorProto::BFLOAT16: return DType::kBFloat16;
    case onnx::TensorProto::DOUBLE: return DType::kFloat64;
    case onnx::TensorProto::INT8: return DType::kInt8;
    case onnx::TensorProto::UINT8: return DType::kUInt8;
    case onnx::TensorProto::INT16: return DType::kInt16;
    case onnx::TensorProto::UINT16: return DType::kUInt16;
    case onnx::TensorProto::INT32: return DType::kInt32;
    case onnx::TensorProto::UINT32: return DType::kUInt32;
    case onnx::TensorProto::INT64: return DType::kInt64;
    case onnx::TensorProto::UINT64: return DType::kUInt64;
    case onnx::TensorProto::BOOL: return DType::kBool;
    default: return DType::kUnknown;
  }
}

int64_t DefaultOpset(const onnx::ModelProto& model) {
  for (const auto& import : model.opset_import()) {
    if (!import.domain().empty() && import.domain() != "ai.onnx") continue;
    if (import.version() < 1) {
      throw Error("opset_import: the default ONNX operator set has version " + std::to_string(import.version()) +
                  "; it must be at least 1");
    }
    return import.version();
  }
  throw Error("the model imports no version of the default ONNX operator set (opset_import)");
}

int64_t NewestKnownOpset() {
  const auto& ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  auto it = ranges.find("");
  return it == ranges.end() ? 0 : it->second.second;
}

// A byte count as external data writes it: decimal digits only, no sign.
std::optional<int64_t> ParseByteCount(const std::string& text) {
  int64_t value = -1;
  const char* end = text.data() + text.size();
  const auto [last, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || text[0] == '-' || error != std::errc() || last != end) return std::nullopt;
  return value;
}

// External data may only name files inside the model's folder, at an offset
// and length that are byte counts whose sum fits in 64 bits (the split writer
// reads that range and trusts these). The file is never read here.
void CheckExternalData(const onnx::TensorProto& tensor, const std::string& owner) {
  if (tensor.data_location() != onnx::TensorProto::EXTERNAL) return;
  const std::string what = owner + " '" + tensor.name() + "': external data ";
  int64_t offset = 0;
  int64_t length = 0;
  for (const auto& entry : tensor.external_data()) {
    if (entry.key() == "offset" || entry.key() == "length") {
      const std::optional<int64_t> count = ParseByteCount(entry.value());
      if (!count) {
        throw Error(what + entry.key() + " '" + entry.value() + "' is not a byte count (a decimal integer, 0 or more)");
      }
      (entry.key() == "offset" ? offset : length) = *count;
    }
    if (entry.key() != "location") continue;
    const std::filesystem::path location(entry.value());
    const std::string normal = location.lexically_normal().generic_string();
    if (location.is_absolute() || location.has_root_name() || normal == ".." || normal.rfind("../", 0) == 0) {
      throw Error(what + "location '" + entry.value() + "' is outside the model's folder; refused");
    }
  }
  if (length > std::numeric_limits<int64_t>::max() - offset) {
    throw Error(what + "offset " + std::to_string(offset) + " plus length " + std::to_string(length) +
                " overflows 64 bits");
  }
}

// Graph inputs, outputs and initializers are found by name: each needs one.
void CheckNamed(const onnx::GraphProto& graph) {
  auto check = [](const auto& list, const char* what) {
    for (int i = 0; i < list.size(); ++i) {
      if (list.Get(i).name().empty()) throw Error(std::string(what) + " #" + std::to_string(i) + " has no name");
    }
  };
  check(graph.input(), "graph input");
  check(graph.output(), "graph output");
  check(graph.initializer(), "initializer");
}

void CheckAllExternalData(const onnx::GraphProto& graph) {
  for (const auto& initializer : graph.initializer()) CheckExternalData(initializer, "initializer");
  for (const auto& node : graph.node()) {
    for (const auto& attribute : node.attribute()) {
      if (attribute.has_t()) CheckExternalData(attribute.t(), "node '" + node.name() + "' attribute");
      if (attribute.has_g()) CheckAllExternalData(attribute.g());
      for (const auto& g : attribute.graphs()) CheckAllExternalData(g);
    }
  }
}

std::string DimText(const onnx::TensorShapeProto::Dimension& dim) {
  return dim.has_dim_param() && !dim.dim_param().empty() ? "'" + dim.dim_param() + "'" : "(unnamed)";
}

// Replaces symbolic dimensions of graph inputs by the user's --input-shape values.
void BindInputShapes(onnx::GraphProto& graph, const NameIndex& index, const LoadOptions& options) {
  auto is_initializer = [&index](const std::string& name) {
    const int32_t id = index.Find(name);
    return id >= 0 && index.is_initializer[static_cast<size_t>(id)] != 0;
  };
  std::string known;
  for (const auto& input : graph.input()) {
    if (!is_initializer(input.name())) known += (known.empty() ? "" : ", ") + input.name();
  }
  for (const auto& entry : options.input_shapes) {
    const std::string& name = entry.first;  // a plain reference: clang 14 cannot capture structured bindings
    const bool found = std::any_of(graph.input().begin(), graph.input().end(), [&](const onnx::ValueInfoProto& input) {
      return input.name() == name && !is_initializer(name);
    });
    if (!found) throw Error("--input-shape names '" + name + "', which is not a graph input (inputs: " + known + ")");
  }
  for (auto& input : *graph.mutable_input()) {
    if (is_initializer(input.name())) continue;
    auto* tensor_type = input.mutable_type()->mutable_tensor_type();
    auto bound = options.input_shapes.find(input.name());
    if (bound != options.input_shapes.end()) {
      const Shape& shape = bound->second;
      if (tensor_type->has_shape() && tensor_type->shape().dim_size() != static_cast<int>(shape.size())) {
        throw Error("--input-shape " + input.name() + "=" + ShapeToString(shape) + " has rank " +
                    std::to_string(shape.size()) + " but the input has rank " +
                    std::to_string(tensor_type->shape().dim_size()));
      }
      for (size_t i = 0; tensor_type->has_shape() && i < shape.size(); ++i) {
        const auto& dim = tensor_type->shape().dim(static_cast<int>(i));
        if (dim.has_dim_value() && dim.dim_value() != shape[i]) {
          throw Error("--input-shape " + input.name() + "=" + ShapeToString(shape) + " sets dimension " +
                      std::to_string(i) + " to " + std::to_string(shape[i]) + " but the model fixes it to " +
                      std::to_string(dim.dim_value()));
        }
      }
      auto* dims = tensor_type->mutable_shape();
      dims->clear_dim();
      for (int64_t extent : shape) dims->add_dim()->set_dim_value(extent);
      continue;
    }
    if (!tensor_type->has_shape()) {
      throw Error("graph input '" + input.name() + "' has no declared shape; bind it with --input-shape " +
                  input.name() + "=1x3x224x224");
    }
    for (int i = 0; i < tensor_type->shape().dim_size(); ++i) {
      const auto& dim = tensor_type->shape().dim(i);
      if (!dim.has_dim_value() || dim.dim_value() < 0) {
        throw Error("graph input '" + input.name() + "' has the symbolic dimension " + DimText(dim) + " (dim " +
                    std::to_string(i) + "); bind it with --input-shape " + input.name() + "=AxBx...");
      }
    }
  }
}

// Rewrites of the graph (If inlining, Loop unrolling, sequence elimination)
// repeat while they find work, at most this often.
constexpr int kMaxRewriteRounds = 64;

// Every --tensor-shape must name a value of the graph.
void CheckTensorShapesNamed(const NameIndex& index, const LoadOptions& options) {
  for (const auto& [name, shape] : options.tensor_shapes) {
    if (index.Find(name) < 0) throw Error("--tensor-shape names '" + name + "', which is not a tensor of the model");
  }
}

// Tells when ONNX's inference functions cannot be used, and why.
bool OpsetNewerThanLibrary(int64_t opset) {
  const int64_t newest = NewestKnownOpset();
  if (opset <= newest) return false;
  spdlog::warn("opset {} is newer than the ONNX library knows ({}): shapes come from the model's value_info and "
               "dnnpart's own propagation",
               opset, newest);
  return true;
}

const ValueInfo* ValueAt(const std::vector<ValueInfo>& values, int32_t id) {
  return id < 0 ? nullptr : &values[static_cast<size_t>(id)];
}

// A node is static when its outputs are known before any input arrives:
// constants, shapes of statically shaped tensors, and nodes fed only by those.
// Returns the static nodes; `static_value` gets one flag per value id.
// Initializers are constants even when old exporters (IR < 4) also list them
// as graph inputs; the graph-input tensors skip them the same way.
std::vector<bool> FindStaticNodes(const onnx::GraphProto& graph, const NameIndex& index,
                                  const std::vector<ValueInfo>& values, std::vector<char>& static_value) {
  static_value = index.is_initializer;
  std::vector<bool> is_static(static_cast<size_t>(graph.node_size()), false);
  for (bool changed = true; changed;) {
    changed = false;
    for (int n = 0; n < graph.node_size(); ++n) {
      if (is_static[static_cast<size_t>(n)]) continue;
      const auto& node = graph.node(n);
      bool folds = true;
      if ((node.op_type() == "Shape" || node.op_type() == "Size") && node.domain().empty()) {
        const ValueInfo* input = index.InputsBegin(n) == index.InputsEnd(n) ? nullptr : ValueAt(values, *index.InputsBegin(n));
        folds = input != nullptr && input->shape.has_value();
      } else {
        for (const int32_t* in = index.InputsBegin(n); in != index.InputsEnd(n) && folds; ++in) {
          folds = *in < 0 || static_value[static_cast<size_t>(*in)] != 0;
        }
      }
      if (!folds) continue;
      is_static[static_cast<size_t>(n)] = true;
      for (const int32_t* out = index.OutputsBegin(n); out != index.OutputsEnd(n); ++out) {
        if (*out >= 0) static_value[static_cast<size_t>(*out)] = 1;
      }
      changed = true;
    }
  }
  return is_static;
}

// Marks non-static nodes whose outputs reach a graph output; warns about the rest.
std::vector<bool> FindLiveNodes(const onnx::GraphProto& graph, const NameIndex& index,
                                const std::vector<bool>& is_static, int64_t& dropped) {
  std::vector<int32_t> producer(index.names.size(), -1);
  for (int n = 0; n < graph.node_size(); ++n) {
    if (is_static[static_cast<size_t>(n)]) continue;
    for (const int32_t* out = index.OutputsBegin(n); out != index.OutputsEnd(n); ++out) {
      if (*out >= 0 && producer[static_cast<size_t>(*out)] < 0) producer[static_cast<size_t>(*out)] = n;
    }
  }
  std::vector<bool> live(static_cast<size_t>(graph.node_size()), false);
  std::vector<int> work;
  auto need = [&](int32_t id) {
    const int n = id < 0 ? -1 : producer[static_cast<size_t>(id)];
    if (n >= 0 && !live[static_cast<size_t>(n)]) {
      live[static_cast<size_t>(n)] = true;
      work.push_back(n);
    }
  };
  for (const auto& output : graph.output()) need(index.Find(output.name()));
  while (!work.empty()) {
    const int n = work.back();
    work.pop_back();
    for (const int32_t* in = index.InputsBegin(n); in != index.InputsEnd(n); ++in) need(*in);
  }
  std::vector<std::string> names;
  for (int n = 0; n < graph.node_size(); ++n) {
    if (!is_static[static_cast<size_t>(n)] && !live[static_cast<size_t>(n)]) names.push_back(NodeLabel(graph.node(n), n));
  }
  dropped = static_cast<int64_t>(names.size());
  if (!names.empty()) {
    std::string list;
    for (size_t i = 0; i < names.size() && i < 5; ++i) list += (i ? ", '" : "'") + names[i] + "'";
    if (names.size() > 5) list += ", ...";
    spdlog::warn("dropped {} node(s) that reach no graph output: {}", names.size(), list);
  }
  return live;
}

// What the MAC model needs of a node: its first inputs' shapes (constants
// included; all of them for Einsum), its first output's shape, and the integer
// and string attributes of the ops whose formula reads them. Kept small: it is
// built for every node.
// Fills `op` in place: one description is reused for every node, so its
// vectors and maps keep their storage.
void DescribeNode(const onnx::NodeProto& node, int n, const NameIndex& index, const std::vector<ValueInfo>& values,
                  OpDescription& op) {
  static constexpr std::string_view kAttributeOps[] = {
      "Conv",      "ConvInteger", "QLinearConv", "ConvTranspose", "Gemm", "MaxPool", "AveragePool",
      "LpPool",    "Einsum",      "Attention",   "LSTM",          "GRU",  "RNN",     "Resize",
      "Upsample",  "GridSample",  "TopK",        "ScatterND",     "ScatterElements"};
  static constexpr std::string_view kAttributesRead[] = {  // all CountMacs reads
      "group", "transA", "kernel_shape", "q_num_heads", "hidden_size", "layout", "axis",
      "equation", "mode", "reduction"};
  constexpr int kShapesNeeded = 5;  // QLinearConv reads its weight at input 3, Attention past_key at 4
  auto copy_shape = [](const ValueInfo* value, std::optional<Shape>& into) {
    if (value == nullptr || !value->shape) {
      into.reset();
    } else if (into) {
      into->assign(value->shape->begin(), value->shape->end());
    } else {
      into.emplace(*value->shape);
    }
  };
  op.op_type.assign(node.op_type());
  const int inputs = index.explicit_inputs[static_cast<size_t>(n)];
  const int shapes = node.op_type() == "Einsum" ? inputs : std::min(inputs, kShapesNeeded);
  op.input_shapes.resize(static_cast<size_t>(shapes));
  for (int i = 0; i < shapes; ++i) copy_shape(ValueAt(values, index.InputsBegin(n)[i]), op.input_shapes[static_cast<size_t>(i)]);
  const bool has_output = index.OutputsBegin(n) != index.OutputsEnd(n);
  op.output_shapes.resize(has_output ? 1 : 0);
  if (has_output) {
    const ValueInfo* value = ValueAt(values, *index.OutputsBegin(n));
    if (value != nullptr && value->shape) {
      op.output_shapes[0].assign(value->shape->begin(), value->shape->end());
    } else {
      op.output_shapes[0].clear();
    }
  }
  for (auto& [name, ints] : op.int_attributes) ints.clear();  // keeps the entries' storage
  for (auto& [name, text] : op.string_attributes) text.clear();
  if (std::find(std::begin(kAttributeOps), std::end(kAttributeOps), node.op_type()) != std::end(kAttributeOps)) {
    for (const auto& attribute : node.attribute()) {
      const std::string& name = attribute.name();
      if (std::find(std::begin(kAttributesRead), std::end(kAttributesRead), name) == std::end(kAttributesRead)) continue;
      std::vector<int64_t>& ints = op.int_attributes[name];
      if (attribute.type() == onnx::AttributeProto::INT) ints.assign(1, attribute.i());
      if (attribute.type() == onnx::AttributeProto::INTS) ints.assign(attribute.ints().begin(), attribute.ints().end());
      if (attribute.type() == onnx::AttributeProto::STRING) op.string_attributes[name].assign(attribute.s());
    }
  }
  std::erase_if(op.int_attributes, [](const auto& entry) { return entry.second.empty(); });
  std::erase_if(op.string_attributes, [](const auto& entry) { return entry.second.empty(); });
}

// Sizes dnnpart counts in int64: a tensor at most 2^50 bytes (a petabyte), a
// layer at most 2^56 MACs, and a model's sums at most 2^62. Far above any
// real network, low enough that no sum or cost computed later overflows.
constexpr int64_t kMaxTensorBytes = int64_t{1} << 50;
constexpr int64_t kMaxLayerMacs = int64_t{1} << 56;
constexpr int64_t kMaxModelTotal = int64_t{1} << 62;

// The bytes of a statically shaped value, or nullopt beyond kMaxTensorBytes.
std::optional<int64_t> CheckedBytes(const ValueInfo& value) {
  const std::optional<int64_t> elements = CheckedElementCount(*value.shape);
  const int64_t element_bytes = std::max<int64_t>(1, DTypeBytes(FromOnnxType(value.elem_type)));
  int64_t bytes = 0;
  if (!elements || __builtin_mul_overflow(*elements, element_bytes, &bytes) || bytes > kMaxTensorBytes) {
    return std::nullopt;
  }
  return bytes;
}

class GraphAssembler {
 public:
  GraphAssembler(const onnx::GraphProto& graph, const NameIndex& index, const std::vector<ValueInfo>& values,
                 const std::vector<char>& static_value, const std::vector<bool>& live)
      : graph_(graph),
        index_(index),
        values_(values),
        static_value_(static_value),
        live_(live),
        tensor_of_(index.names.size(), -1) {}

  LayerGraph Assemble() {
    size_t layers = 0, tensors = static_cast<size_t>(graph_.input_size());
    for (int n = 0; n < graph_.node_size(); ++n) {
      if (!live_[static_cast<size_t>(n)]) continue;
      ++layers;
      tensors += static_cast<size_t>(index_.OutputsEnd(n) - index_.OutputsBegin(n));
    }
    builder_.Reserve(layers, tensors);
    AddGraphInputs();
    AddLayerOutputs();
    AddLayers();
    MarkGraphOutputs();
    return std::move(builder_).Build();
  }

 private:
  // `producer` is the node index, or -1 for a graph input.
  TensorId AddTensor(int32_t id, int producer) {
    const ValueInfo* value = ValueAt(values_, id);
    std::string name(index_.names[static_cast<size_t>(id)]);
    auto owner = [&] {
      return producer < 0 ? std::string("graph input")
                          : "output of node '" + NodeLabel(graph_.node(producer), producer) + "', op " +
                                graph_.node(producer).op_type();
    };
    if (value == nullptr || !value->shape) {
      const bool from_if = producer >= 0 && graph_.node(producer).op_type() == "If";
      throw Error("cannot determine a static shape for tensor '" + name + "' (" + owner() + "); " +
                  (from_if ? "the If's condition is not known at load time: bind the inputs it reads with "
                             "--input-value NAME=V, or give the shape with --tensor-shape '"
                           : "its size may depend on the data: give it with --tensor-shape '") +
                  name + "=AxBx...'");
    }
    const std::optional<int64_t> bytes = CheckedBytes(*value);
    if (!bytes) {
      throw Error("tensor '" + name + "' (" + owner() + ") has shape " + ShapeToString(*value->shape) +
                  ": more than 2^50 bytes, beyond what dnnpart counts");
    }
    activation_bytes_ += *bytes;  // each term at most 2^50: checked before it can overflow
    if (activation_bytes_ > kMaxModelTotal) {
      throw Error("the model's activations exceed 2^62 bytes in total, beyond what dnnpart counts");
    }
    const TensorId tensor =
        builder_.AddTensor(std::move(name), FromOnnxType(value->elem_type), *value->shape, value->bounded);
    tensor_of_[static_cast<size_t>(id)] = tensor;
    return tensor;
  }

  void AddGraphInputs() {
    for (const auto& input : graph_.input()) {
      const int32_t id = index_.Find(input.name());
      if (index_.is_initializer[static_cast<size_t>(id)] != 0) continue;
      builder_.MarkGraphInput(AddTensor(id, -1));
    }
  }

  // Only outputs something reads (or graph outputs) become tensors.
  void AddLayerOutputs() {
    std::vector<char> read(index_.names.size(), 0);
    for (int n = 0; n < graph_.node_size(); ++n) {
      if (!live_[static_cast<size_t>(n)]) continue;
      for (const int32_t* in = index_.InputsBegin(n); in != index_.InputsEnd(n); ++in) {
        if (*in >= 0) read[static_cast<size_t>(*in)] = 1;
      }
    }
    for (const auto& output : graph_.output()) read[static_cast<size_t>(index_.Find(output.name()))] = 1;
    for (int n = 0; n < graph_.node_size(); ++n) {
      if (!live_[static_cast<size_t>(n)]) continue;
      const auto& node = graph_.node(n);
      for (const int32_t* out = index_.OutputsBegin(n); out != index_.OutputsEnd(n); ++out) {
        if (*out < 0 || read[static_cast<size_t>(*out)] == 0) continue;
        if (tensor_of_[static_cast<size_t>(*out)] >= 0) {
          throw Error("tensor '" + std::string(index_.names[static_cast<size_t>(*out)]) +
                      "' is produced twice (again by node '" + NodeLabel(node, n) + "')");
        }
        AddTensor(*out, n);
      }
    }
  }

  void AddLayers() {
    NameMap names;
    names.Reserve(static_cast<size_t>(graph_.node_size()));
    int64_t macs = 0, params = 0;
    for (int n = 0; n < graph_.node_size(); ++n) {
      if (!live_[static_cast<size_t>(n)]) continue;
      Layer layer = MakeLayer(graph_.node(n), n, names);
      macs += layer.macs;  // each term is bounded; the sums are checked as they grow
      params += layer.param_bytes;
      if (macs > kMaxModelTotal || params > kMaxModelTotal) {
        throw Error("the model's total MACs or weight bytes exceed 2^62, beyond what dnnpart counts");
      }
      builder_.AddLayer(std::move(layer));
    }
  }

  // `names` holds views of the names given so far (into the proto, or into
  // generated_names_, whose elements never move).
  Layer MakeLayer(const onnx::NodeProto& node, int n, NameMap& names) {
    Layer layer;
    layer.name = NodeLabel(node, n);
    std::string_view view = node.name();
    if (node.name().empty() || names.Find(view) >= 0) {
      if (!node.name().empty()) {
        spdlog::warn("node name '{}' is used twice; the copy at index {} is called '{}#{}'", layer.name, n,
                     layer.name, n);
        layer.name.push_back('#');
        layer.name += std::to_string(n);
      }
      view = generated_names_.emplace_back(layer.name);
    }
    names.Emplace(view, n);
    layer.op_type = node.op_type();
    layer.onnx_node_index = n;
    for (const int32_t* in = index_.InputsBegin(n); in != index_.InputsEnd(n); ++in) {
      if (*in < 0) continue;
      const auto id = static_cast<size_t>(*in);
      if (tensor_of_[id] >= 0) {
        layer.inputs.push_back(tensor_of_[id]);
      } else if (const ValueInfo* value = ValueAt(values_, *in); value != nullptr && static_value_[id] != 0) {
        const std::optional<int64_t> bytes = value->shape ? CheckedBytes(*value) : 0;
        if (!bytes) {
          throw Error("node '" + layer.name + "' reads constant '" + std::string(index_.names[id]) + "' of shape " +
                      ShapeToString(*value->shape) + ": more than 2^50 bytes, beyond what dnnpart counts");
        }
        layer.param_count += value->shape ? ElementCount(*value->shape) : 0;  // at most param_bytes
        if (__builtin_add_overflow(layer.param_bytes, *bytes, &layer.param_bytes) || layer.param_bytes > kMaxModelTotal) {
          throw Error("node '" + layer.name + "' reads more than 2^62 bytes of constants, beyond what dnnpart counts");
        }
      } else {
        throw Error("node '" + layer.name + "' reads tensor '" + std::string(index_.names[id]) +
                    "', which no node produces and which is not a graph input or initializer");
      }
    }
    for (const int32_t* out = index_.OutputsBegin(n); out != index_.OutputsEnd(n); ++out) {
      if (*out >= 0 && tensor_of_[static_cast<size_t>(*out)] >= 0) layer.outputs.push_back(tensor_of_[static_cast<size_t>(*out)]);
    }
    DescribeNode(node, n, index_, values_, description_);
    MacCount macs = CountMacs(description_);
    if ((layer.op_type == "Loop" || layer.op_type == "If") && (node.domain().empty() || node.domain() == "ai.onnx")) {
      const SubgraphMacs inside = ControlFlowMacs(node, TripCount(node, n), [this](std::string_view name) {
        const ValueInfo* value = ValueAt(values_, index_.Find(name));
        return value != nullptr && value->shape ? &*value->shape : nullptr;
      });
      macs = {inside.macs, inside.modelled, inside.overflow};
    }
    if (macs.overflow || macs.macs > kMaxLayerMacs) {
      throw Error("node '" + layer.name + "' (" + layer.op_type + "): more than 2^56 MACs, beyond what dnnpart counts");
    }
    layer.macs = macs.macs;
    layer.macs_modelled = macs.modelled;
    layer.depthwise = IsDepthwiseConv(description_);
    return layer;
  }

  // A Loop's trip count when it is known at load time.
  std::optional<int64_t> TripCount(const onnx::NodeProto& node, int n) const {
    if (node.op_type() != "Loop" || node.input_size() == 0 || node.input(0).empty()) return std::nullopt;
    const ValueInfo* value = ValueAt(values_, index_.InputsBegin(n)[0]);
    if (value == nullptr || !value->value || value->value->is_real() || value->value->ints.size() != 1) return std::nullopt;
    return value->value->ints[0];
  }

  void MarkGraphOutputs() {
    for (const auto& output : graph_.output()) {
      const TensorId tensor = tensor_of_[static_cast<size_t>(index_.Find(output.name()))];
      if (tensor < 0) {
        spdlog::warn("graph output '{}' is a constant; it is ignored", output.name());
        continue;
      }
      builder_.MarkGraphOutput(tensor);
    }
  }

  const onnx::GraphProto& graph_;
  const NameIndex& index_;
  const std::vector<ValueInfo>& values_;
  const std::vector<char>& static_value_;
  const std::vector<bool>& live_;
  std::vector<TensorId> tensor_of_;  // per value id; -1 when not a tensor of the layer graph
  std::deque<std::string> generated_names_;
  OpDescription description_;  // reused by DescribeNode
  int64_t activation_bytes_ = 0;
  LayerGraph::Builder builder_;
};

}  // namespace

namespace {

// Logs the time since the previous phase at debug level (-v).
class PhaseTimer {
 public:
  void Mark(const char* phase) {
    const auto now = std::chrono::steady_clock::now();
    spdlog::debug("load: {} took {:.1f} ms", phase, std::chrono::duration<double, std::milli>(now - last_).count());
    last_ = now;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

Model Model::Load(const std::string& path, const LoadOptions& options) {
  try {
    PhaseTimer timer;
    auto onnx = std::make_shared<Onnx>();
    ReadModelFile(path, onnx->proto);
    timer.Mark("parse");
    onnx::GraphProto& graph = *onnx->proto.mutable_graph();
    ModelInfo info;
    info.path = path;
    info.ir_version = onnx->proto.ir_version();
    info.opset = DefaultOpset(onnx->proto);
    info.producer = onnx->proto.producer_name() +
                    (onnx->proto.producer_version().empty() ? "" : " " + onnx->proto.producer_version());
    info.graph_name = graph.name();
    info.onnx_node_count = graph.node_size();
    CheckNamed(graph);
    CheckAllExternalData(graph);
    NameIndex index = IndexNames(graph);
    BindInputShapes(graph, index, options);
    if (!options.input_values.empty()) {
      BindInputValues(graph, options.input_values);
      index = IndexNames(graph);
    }
    info.shapes_from_fallback = OpsetNewerThanLibrary(info.opset);
    timer.Mark("name index");
    InferOptions infer;
    infer.use_onnx = !info.shapes_from_fallback;
    infer.tensor_shapes = &options.tensor_shapes;
    std::vector<ValueInfo> values = InferValues(onnx->proto, index, infer);
    // An If whose condition is known is replaced by its branch; the branch's
    // own Ifs may then be known too.
    // Loops with a known trip count are unrolled, and sequences whose
    // contents are then known become the tensors they hold.
    for (int round = 0; round < kMaxRewriteRounds; ++round) {
      const int inlined = InlineKnownIfs(graph, index, values);
      const int unrolled = inlined > 0 ? 0 : UnrollKnownLoops(graph, index, values, info.opset);
      const int sequences = inlined + unrolled > 0 ? 0 : EliminateKnownSequences(graph, index, values);
      if (inlined + unrolled + sequences == 0) break;
      info.inlined_if_count += inlined;
      info.unrolled_loop_count += unrolled;
      index = IndexNames(graph);
      values = InferValues(onnx->proto, index, infer);
    }
    CheckTensorShapesNamed(index, options);
    timer.Mark("shape inference");
    std::vector<char> static_value;
    const std::vector<bool> is_static = FindStaticNodes(graph, index, values, static_value);
    info.folded_node_count = std::count(is_static.begin(), is_static.end(), true);
    const std::vector<bool> live = FindLiveNodes(graph, index, is_static, info.dropped_node_count);
    timer.Mark("folding and liveness");
    if (std::find(live.begin(), live.end(), true) == live.end()) {
      throw Error("the model has no compute node that reaches a graph output");
    }
    LayerGraph layer_graph = GraphAssembler(graph, index, values, static_value, live).Assemble();
    timer.Mark("layer graph");
    return Model(std::move(onnx), std::move(layer_graph), std::move(info));
  } catch (const Error& e) {
    throw e.WithContext(path);
  }
}

}  // namespace dnnpart
