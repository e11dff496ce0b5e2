#include "value_inference.h"

#include <google/protobuf/arena.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <csetjmp>
#include <csignal>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "dnnpart/error.h"
#include "dnnpart/model.h"
#include "evaluator/tensor_value.h"
#include "loader/inference_guards.h"
#include "loader/size_bounds.h"
#include "topological_order.h"

namespace dnnpart {

int32_t NameIndex::Intern(std::string_view name) {
  if (name.empty()) return -1;
  auto [id, added] = ids.Emplace(name, static_cast<int32_t>(names.size()));
  if (added) names.push_back(name);
  return id;
}

int32_t NameIndex::Find(std::string_view name) const {
  return ids.Find(name);
}

NodeValueIds NameIndex::Ids(int n) const {
  return {InputsBegin(n), explicit_inputs[static_cast<size_t>(n)], OutputsBegin(n),
          static_cast<int>(OutputsEnd(n) - OutputsBegin(n))};
}

std::string NodeLabel(const onnx::NodeProto& node, int index) {
  return node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
}

namespace {

// Names read inside a node's subgraphs (If/Loop/Scan bodies) that no
// subgraph on the way defines: they are inputs of the node too. `scopes`
// holds the names the enclosing subgraphs define.
void CollectImplicitInputs(const onnx::GraphProto& graph, std::set<std::string_view>& names,
                           std::vector<const std::unordered_set<std::string_view>*>& scopes) {
  std::unordered_set<std::string_view> defined;
  for (const auto& input : graph.input()) defined.insert(input.name());
  for (const auto& initializer : graph.initializer()) defined.insert(initializer.name());
  for (const auto& node : graph.node()) {
    for (const auto& output : node.output()) defined.insert(output);
  }
  scopes.push_back(&defined);
  auto enclosed = [&scopes](std::string_view name) {
    return std::any_of(scopes.begin(), scopes.end(), [name](const auto* scope) { return scope->count(name) != 0; });
  };
  for (const auto& node : graph.node()) {
    for (const auto& input : node.input()) {
      if (!input.empty() && !enclosed(input)) names.insert(input);
    }
    for (const auto& attribute : node.attribute()) {
      if (attribute.has_g()) CollectImplicitInputs(attribute.g(), names, scopes);
      for (const auto& g : attribute.graphs()) CollectImplicitInputs(g, names, scopes);
    }
  }
  scopes.pop_back();
}

bool HasSubgraph(const onnx::NodeProto& node) {
  for (const auto& attribute : node.attribute()) {
    if (attribute.has_g() || attribute.graphs_size() > 0) return true;
  }
  return false;
}

}  // namespace

NameIndex IndexNames(const onnx::GraphProto& graph) {
  NameIndex index;
  const auto nodes = static_cast<size_t>(graph.node_size());
  // Most values are defined once: by a graph input, an initializer or a node.
  size_t defined = static_cast<size_t>(graph.initializer_size() + graph.input_size());
  for (const auto& node : graph.node()) defined += static_cast<size_t>(node.output_size());
  index.ids.Reserve(defined);
  for (const auto& input : graph.input()) index.Intern(input.name());
  for (const auto& initializer : graph.initializer()) index.Intern(initializer.name());
  index.input_begin.reserve(nodes + 1);
  index.output_begin.reserve(nodes + 1);
  index.explicit_inputs.reserve(nodes);
  for (const auto& node : graph.node()) {
    index.input_begin.push_back(static_cast<int32_t>(index.inputs.size()));
    index.explicit_inputs.push_back(node.input_size());
    for (const auto& input : node.input()) index.inputs.push_back(index.Intern(input));
    if (HasSubgraph(node)) {
      std::set<std::string_view> implicit;
      std::vector<const std::unordered_set<std::string_view>*> scopes;
      for (const auto& attribute : node.attribute()) {
        if (attribute.has_g()) CollectImplicitInputs(attribute.g(), implicit, scopes);
        for (const auto& g : attribute.graphs()) CollectImplicitInputs(g, implicit, scopes);
      }
      for (std::string_view input : implicit) index.inputs.push_back(index.Intern(input));
    }
    index.output_begin.push_back(static_cast<int32_t>(index.outputs.size()));
    for (const auto& output : node.output()) index.outputs.push_back(index.Intern(output));
  }
  index.input_begin.push_back(static_cast<int32_t>(index.inputs.size()));
  index.output_begin.push_back(static_cast<int32_t>(index.outputs.size()));
  for (const auto& output : graph.output()) index.Intern(output.name());
  index.is_initializer.assign(index.names.size(), 0);
  for (const auto& initializer : graph.initializer()) {
    const int32_t id = index.Find(initializer.name());
    if (id >= 0) index.is_initializer[static_cast<size_t>(id)] = 1;  // a nameless one cannot be read
  }
  return index;
}

namespace {

// The faults an ONNX inference function can end in, and what they were before
// dnnpart's handler took them.
constexpr int kFaultSignals[] = {SIGFPE, SIGSEGV, SIGBUS, SIGILL};
struct sigaction g_previous_actions[std::size(kFaultSignals)];
thread_local sigjmp_buf* t_fault_jump = nullptr;
thread_local volatile std::sig_atomic_t t_fault_signal = 0;

extern "C" void OnFault(int signal, siginfo_t*, void*) {
  if (sigjmp_buf* jump = t_fault_jump; jump != nullptr) {
    t_fault_jump = nullptr;
    t_fault_signal = signal;
    siglongjmp(*jump, 1);
  }
  // Not inside a guarded call: hand the fault back to its previous owner.
  for (size_t i = 0; i < std::size(kFaultSignals); ++i) {
    if (kFaultSignals[i] == signal) sigaction(signal, &g_previous_actions[i], nullptr);
  }
  std::raise(signal);
}

std::atomic<bool> g_guard_enabled{false};

void InstallFaultHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (size_t i = 0; i < std::size(kFaultSignals); ++i) {
      struct sigaction action {};
      action.sa_sigaction = OnFault;
      action.sa_flags = SA_SIGINFO | SA_NODEFER;  // not blocked after the jump
      sigemptyset(&action.sa_mask);
      sigaction(kFaultSignals[i], &action, &g_previous_actions[i]);
    }
  });
}

const char* SignalName(int signal) {
  switch (signal) {
    case SIGFPE: return "SIGFPE";
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    default: return "a signal";
  }
}

}  // namespace

void EnableOnnxFaultGuard() {
  InstallFaultHandler();
  g_guard_enabled = true;
}

void CallGuarded(const std::function<void()>& call, const std::function<std::string()>& describe) {
  if (!g_guard_enabled) {
    call();
    return;
  }
  sigjmp_buf jump;
  if (sigsetjmp(jump, 0) != 0) {
    throw Error(describe() + ": crashed (" + SignalName(t_fault_signal) +
                ") inside ONNX's shape inference; its attributes or inputs are malformed");
  }
  t_fault_jump = &jump;
  try {
    call();
  } catch (...) {
    t_fault_jump = nullptr;
    throw;
  }
  t_fault_jump = nullptr;
}

namespace {

// Attribute values that ONNX 1.12's inference functions divide by or square
// without checking: a zero stride or block size crashes them.
void CheckAttributes(const onnx::NodeProto& node, const std::string& label) {
  static constexpr std::string_view kPositive[] = {"strides", "dilations", "kernel_shape", "blocksize"};
  constexpr int64_t kLimit = int64_t{1} << 31;
  for (const auto& attribute : node.attribute()) {
    if (std::find(std::begin(kPositive), std::end(kPositive), attribute.name()) == std::end(kPositive)) continue;
    auto check = [&](int64_t value) {
      if (value >= 1 && value < kLimit) return;
      throw Error("node '" + label + "' (" + node.op_type() + "): attribute '" + attribute.name() +
                  "' holds " + std::to_string(value) + "; it must be between 1 and 2^31");
    };
    if (attribute.has_i()) check(attribute.i());  // ONNX reads i() whatever the declared type
    for (int64_t value : attribute.ints()) check(value);
  }
}

// ONNX 1.12's convolution and pooling inference trusts the weight's rank:
// it takes the kernel from the weight's spatial extents and indexes the
// input's per-axis attributes with it, and ConvTranspose and MaxUnpool read
// the second dimension of their second input unchecked. A weight whose rank
// differs from the data's reads past the end (a crash, found by fuzzing).
// Refuses such nodes; false when ONNX would read a shape that is unknown, so
// that the node is left to the own rules.
bool ConvPoolInputsSafe(const onnx::NodeProto& node, const std::string& label, const InputRankFn& rank) {
  const std::string& op = node.op_type();
  int second = -1;  // the weight (or MaxUnpool's indices)
  if (op == "Conv" || op == "ConvInteger" || op == "ConvTranspose" || op == "MaxUnpool") {
    second = 1;
  } else if (op == "QLinearConv") {
    second = 3;
  } else if (op != "AveragePool" && op != "MaxPool" && op != "LpPool") {
    return true;
  }
  const int data_rank = rank(0);
  auto refuse = [&](const std::string& what) { throw Error("node '" + label + "' (" + op + "): " + what); };
  if (data_rank >= 0 && data_rank < 2) {
    refuse("input '" + node.input(0) + "' has rank " + std::to_string(data_rank) +
           "; it needs a batch and a channel axis (rank 2 or more)");
  }
  if (second < 0) return true;
  const int second_rank = rank(second);
  if (data_rank >= 0 && second_rank >= 0 && second_rank != data_rank) {
    refuse("input '" + node.input(second) + "' has rank " + std::to_string(second_rank) + " but input '" +
           node.input(0) + "' has rank " + std::to_string(data_rank) + "; they must be equal");
  }
  if (second_rank >= 0 && second_rank < 2) {
    refuse("input '" + node.input(second) + "' has rank " + std::to_string(second_rank) + "; it needs rank 2 or more");
  }
  // MaxUnpool and ConvTranspose read the second input's shape whenever the
  // data's is known.
  if ((op == "MaxUnpool" || op == "ConvTranspose") && data_rank >= 0 && second_rank < 0) return false;
  return true;
}

// Every check made before ONNX infers a default-domain node; false when the
// node must be left to the own rules (ONNX would read an unknown shape).
bool CheckBeforeOnnx(const onnx::NodeProto& node, const std::string& label, int64_t opset, const InputRankFn& rank,
                     const InputIntsFn& ints) {
  CheckAttributes(node, label);
  if (!ConvPoolInputsSafe(node, label, rank)) return false;
  CheckRankTrustingInputs(node, label, rank);
  CheckAxes(node, label, opset, rank, ints);
  return true;
}

std::string TypeText(const onnx::TypeProto& type) {
  if (!type.has_tensor_type()) return "a non-tensor type";
  const auto& tensor = type.tensor_type();
  std::string text = "element type " + std::to_string(tensor.elem_type());
  if (onnx::TensorProto::DataType_IsValid(tensor.elem_type())) {
    text = onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(tensor.elem_type()));
  }
  if (!tensor.has_shape()) return text + " of unknown shape";
  text += " [";
  for (int i = 0; i < tensor.shape().dim_size(); ++i) {
    const auto& dim = tensor.shape().dim(i);
    text += (i ? "x" : "") + (dim.has_dim_value() ? std::to_string(dim.dim_value())
                              : dim.has_dim_param() ? dim.dim_param()
                                                    : std::string("?"));
  }
  return text + "]";
}

// True when `inferred` contradicts `declared`: different element types, ranks
// or fixed extents.
bool Contradicts(const onnx::TypeProto& inferred, const onnx::TypeProto& declared) {
  if (inferred.value_case() != declared.value_case()) return true;
  if (!inferred.has_tensor_type()) return false;
  const auto& a = inferred.tensor_type();
  const auto& b = declared.tensor_type();
  if (a.elem_type() != 0 && b.elem_type() != 0 && a.elem_type() != b.elem_type()) return true;
  if (!a.has_shape() || !b.has_shape()) return false;
  if (a.shape().dim_size() != b.shape().dim_size()) return true;
  for (int i = 0; i < a.shape().dim_size(); ++i) {
    const auto& x = a.shape().dim(i);
    const auto& y = b.shape().dim(i);
    if (x.has_dim_value() && y.has_dim_value() && x.dim_value() != y.dim_value()) return true;
  }
  return false;
}

class Driver;

// The node's first attribute named `name`, as ONNX's inference contexts
// look it up; nullptr when it has none.
const onnx::AttributeProto* FindAttribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& attribute : node.attribute()) {
    if (attribute.name() == name) return &attribute;
  }
  return nullptr;
}

// What one ONNX inference function sees of a node inside an If branch, for
// the check of the branch before ONNX infers it (Driver::IfBranchesChecked):
// its attributes, the types and known data of its inputs, fresh outputs.
class BranchNodeContext final : public onnx::InferenceContext {
 public:
  using TypeOf = std::function<const onnx::TypeProto*(const std::string&)>;
  using DataOf = std::function<const onnx::TensorProto*(const std::string&)>;
  BranchNodeContext(const onnx::NodeProto& node, TypeOf type_of, DataOf data_of)
      : node_(node), type_of_(std::move(type_of)), data_of_(std::move(data_of)),
        outputs_(static_cast<size_t>(node.output_size())) {}

  const onnx::AttributeProto* getAttribute(const std::string& name) const override {
    return FindAttribute(node_, name);
  }
  size_t getNumInputs() const override { return static_cast<size_t>(node_.input_size()); }
  const onnx::TypeProto* getInputType(size_t i) const override {
    return i < getNumInputs() && !node_.input(static_cast<int>(i)).empty() ? type_of_(node_.input(static_cast<int>(i)))
                                                                            : nullptr;
  }
  const onnx::TensorProto* getInputData(size_t i) const override {
    return i < getNumInputs() && !node_.input(static_cast<int>(i)).empty() ? data_of_(node_.input(static_cast<int>(i)))
                                                                            : nullptr;
  }
  size_t getNumOutputs() const override { return outputs_.size(); }
  onnx::TypeProto* getOutputType(size_t i) override { return &outputs_.at(i); }
  onnx::GraphInferencer* getGraphAttributeInferencer(const std::string&) override { return nullptr; }
  const onnx::SparseTensorProto* getInputSparseData(size_t) const override { return nullptr; }
  const onnx::TensorShapeProto* getSymbolicInput(size_t) const override { return nullptr; }

  const onnx::TypeProto& output(size_t i) const { return outputs_[i]; }

 private:
  const onnx::NodeProto& node_;
  TypeOf type_of_;
  DataOf data_of_;
  std::vector<onnx::TypeProto> outputs_;
};

int RankOf(const onnx::TypeProto* type) {
  if (type == nullptr || !type->has_tensor_type() || !type->tensor_type().has_shape()) return -1;
  return type->tensor_type().shape().dim_size();
}

// What one ONNX inference function sees of one node: its attributes, the
// types (and known values) of its inputs, and fresh output types to fill.
class NodeContext final : public onnx::InferenceContext {
 public:
  NodeContext(Driver& driver, onnx::NodeProto& node, int n);

  const onnx::AttributeProto* getAttribute(const std::string& name) const override {
    return FindAttribute(node_, name);
  }
  size_t getNumInputs() const override { return static_cast<size_t>(node_.input_size()); }
  const onnx::TypeProto* getInputType(size_t i) const override;
  const onnx::TensorProto* getInputData(size_t i) const override;
  size_t getNumOutputs() const override { return outputs_.size(); }
  onnx::TypeProto* getOutputType(size_t i) override { return outputs_.at(i); }
  onnx::GraphInferencer* getGraphAttributeInferencer(const std::string& attribute_name) override;
  const onnx::SparseTensorProto* getInputSparseData(size_t) const override { return nullptr; }
  const onnx::TensorShapeProto* getSymbolicInput(size_t i) const override;

  const std::vector<onnx::TypeProto*>& outputs() const { return outputs_; }

 private:
  int32_t InputId(size_t i) const;

  Driver& driver_;
  onnx::NodeProto& node_;
  int n_;
  std::vector<onnx::TypeProto*> outputs_;
  std::unordered_map<std::string, onnx::TypeProto*> outer_scope_;
  std::unique_ptr<onnx::shape_inference::GraphInferenceContext> graph_context_;
  std::vector<std::unique_ptr<onnx::shape_inference::GraphInferencerImpl>> inferencers_;
};

class Driver {
 public:
  Driver(onnx::ModelProto& model, const NameIndex& index, const InferOptions& options)
      : model_(model), graph_(*model.mutable_graph()), index_(index), options_(options), use_onnx_(options.use_onnx) {
    for (const auto& import : model.opset_import()) {
      opset_imports_[import.domain()] = static_cast<int>(import.version());
    }
    if (opset_imports_.count("") == 0 && opset_imports_.count("ai.onnx") != 0) {
      opset_imports_[""] = opset_imports_["ai.onnx"];
    }
    opset_ = opset_imports_.count("") != 0 ? opset_imports_[""] : 0;
    for (const auto& function : model.functions()) local_functions_[function.domain() + ":" + function.name()] = &function;
    CheckFunctionNesting();
  }

  // ONNX infers a call to a model-local function by inferring its body, which
  // recurses without end when a function calls itself (directly or through
  // others) and can exhaust the stack on a long chain of calls. Refuses both.
  static constexpr int kMaxFunctionNesting = 64;

  void CheckFunctionNesting() const {
    std::unordered_map<std::string, int> depth;  // -1 while on the current path
    std::vector<std::string> keys;
    for (const auto& entry : local_functions_) keys.push_back(entry.first);
    std::sort(keys.begin(), keys.end());  // the same function is named whatever the hash order
    for (const std::string& key : keys) FunctionDepth(key, depth, 0);
  }

  // The nesting depth of local function `key` (1 when it calls no other).
  int FunctionDepth(const std::string& key, std::unordered_map<std::string, int>& depth, int level) const {
    auto it = local_functions_.find(key);
    if (it == local_functions_.end()) return 0;
    auto known = depth.find(key);
    if (known != depth.end()) {
      if (known->second < 0) {
        throw Error("model-local function '" + it->second->name() + "' (domain '" + it->second->domain() +
                    "') calls itself, directly or through other functions; ONNX functions cannot recurse");
      }
      return known->second;
    }
    if (level >= kMaxFunctionNesting) {
      throw Error("model-local function '" + it->second->name() + "' is nested more than " +
                  std::to_string(kMaxFunctionNesting) + " calls deep (docs/limits.md)");
    }
    depth[key] = -1;
    int deepest = 0;
    std::vector<const onnx::NodeProto*> nodes;
    for (const auto& node : it->second->node()) nodes.push_back(&node);
    for (size_t i = 0; i < nodes.size(); ++i) {  // nodes of the body and of its subgraphs
      deepest = std::max(deepest, FunctionDepth(nodes[i]->domain() + ":" + nodes[i]->op_type(), depth, level + 1));
      for (const auto& attribute : nodes[i]->attribute()) {
        if (attribute.has_g()) {
          for (const auto& node : attribute.g().node()) nodes.push_back(&node);
        }
        for (const auto& g : attribute.graphs()) {
          for (const auto& node : g.node()) nodes.push_back(&node);
        }
      }
    }
    depth[key] = deepest + 1;
    return deepest + 1;
  }

  std::vector<ValueInfo> Run() {
    Seed();
    for (int n : TopologicalOrder()) InferNode(n);
    return std::move(values_);
  }

 private:
  friend class NodeContext;

  onnx::TypeProto* NewType() { return google::protobuf::Arena::CreateMessage<onnx::TypeProto>(&arena_); }

  void SetFromTensor(int32_t id, const onnx::TensorProto& tensor) {
    ValueInfo& value = values_[static_cast<size_t>(id)];
    value.elem_type = tensor.data_type();
    value.shape = Shape(tensor.dims().begin(), tensor.dims().end());
    if (std::any_of(value.shape->begin(), value.shape->end(), [](int64_t d) { return d < 0; })) value.shape.reset();
    value.ints = value.shape ? SmallIntValues(tensor) : std::nullopt;
    onnx::TypeProto* type = NewType();
    auto* tensor_type = type->mutable_tensor_type();
    tensor_type->set_elem_type(tensor.data_type());
    auto* shape = tensor_type->mutable_shape();
    for (int64_t dim : tensor.dims()) shape->add_dim()->set_dim_value(dim);
    type_[static_cast<size_t>(id)] = type;
    data_[static_cast<size_t>(id)] = &tensor;
  }

  // The model's declared types (graph inputs, value_info, graph outputs; the
  // first one given wins), then initializers and Constant nodes, whose
  // values are known.
  void Seed() {
    const size_t count = index_.names.size();
    values_.assign(count, ValueInfo{});
    type_.assign(count, nullptr);
    declared_.assign(count, nullptr);
    data_.assign(count, nullptr);
    value_tried_.assign(count, 0);
    symbolic_.assign(count, nullptr);
    auto declare = [this](onnx::ValueInfoProto& info) {
      const int32_t id = index_.Find(info.name());
      if (id < 0 || declared_[static_cast<size_t>(id)] != nullptr || !info.has_type()) return;
      declared_[static_cast<size_t>(id)] = info.mutable_type();
      type_[static_cast<size_t>(id)] = info.mutable_type();
      if (!info.type().has_tensor_type()) return;
      ValueInfo& value = values_[static_cast<size_t>(id)];
      value.elem_type = info.type().tensor_type().elem_type();
      value.shape = StaticShape(info.type());
    };
    for (auto& info : *graph_.mutable_input()) declare(info);
    for (auto& info : *graph_.mutable_value_info()) declare(info);
    for (auto& info : *graph_.mutable_output()) declare(info);
    for (const auto& initializer : graph_.initializer()) {
      const int32_t id = index_.Find(initializer.name());
      if (id >= 0) SetFromTensor(id, initializer);
    }
    for (int n = 0; n < graph_.node_size(); ++n) {
      const auto& node = graph_.node(n);
      if (node.op_type() != "Constant" || !node.domain().empty() || node.output_size() != 1) continue;
      const int32_t id = index_.OutputsBegin(n)[0];
      if (id < 0) continue;
      for (const auto& attribute : node.attribute()) {
        if (attribute.name() == "value" && attribute.has_t()) {
          SetFromTensor(id, attribute.t());
        } else if (const onnx::TensorProto* tensor = ConstantAttributeTensor(attribute)) {
          SetFromTensor(id, *tensor);
        }
      }
    }
  }

  // Constant's value_int, value_ints, value_float and value_floats as a
  // tensor on the arena; nullptr for other attributes.
  const onnx::TensorProto* ConstantAttributeTensor(const onnx::AttributeProto& attribute) {
    const std::string& name = attribute.name();
    if (name != "value_int" && name != "value_ints" && name != "value_float" && name != "value_floats") return nullptr;
    auto* tensor = google::protobuf::Arena::CreateMessage<onnx::TensorProto>(&arena_);
    if (name == "value_int" || name == "value_ints") {
      tensor->set_data_type(onnx::TensorProto::INT64);
      if (name == "value_int") tensor->add_int64_data(attribute.i());
      for (int64_t v : attribute.ints()) tensor->add_int64_data(v);
      if (name == "value_ints") tensor->add_dims(attribute.ints_size());
    } else {
      tensor->set_data_type(onnx::TensorProto::FLOAT);
      if (name == "value_float") tensor->add_float_data(attribute.f());
      for (float v : attribute.floats()) tensor->add_float_data(v);
      if (name == "value_floats") tensor->add_dims(attribute.floats_size());
    }
    return tensor;
  }

  // File order when the file is sorted (the ONNX rule); otherwise the
  // topological order that stays closest to it. A cycle is an error naming
  // a node on it.
  std::vector<int32_t> TopologicalOrder() const {
    const int nodes = graph_.node_size();
    std::vector<int32_t> producer(index_.names.size(), -1);
    for (int n = 0; n < nodes; ++n) {
      for (const int32_t* out = index_.OutputsBegin(n); out != index_.OutputsEnd(n); ++out) {
        if (*out >= 0 && producer[static_cast<size_t>(*out)] < 0) producer[static_cast<size_t>(*out)] = n;
      }
    }
    std::vector<int32_t> order;
    order.reserve(static_cast<size_t>(nodes));
    bool sorted = true;
    for (int n = 0; n < nodes && sorted; ++n) {
      for (const int32_t* in = index_.InputsBegin(n); in != index_.InputsEnd(n) && sorted; ++in) {
        sorted = *in < 0 || producer[static_cast<size_t>(*in)] < n;
      }
    }
    if (sorted) {
      for (int n = 0; n < nodes; ++n) order.push_back(n);
      return order;
    }
    std::vector<int32_t> waiting(static_cast<size_t>(nodes), 0);
    std::vector<std::vector<int32_t>> consumers(static_cast<size_t>(nodes));
    for (int n = 0; n < nodes; ++n) {
      for (const int32_t* in = index_.InputsBegin(n); in != index_.InputsEnd(n); ++in) {
        const int p = *in < 0 ? -1 : producer[static_cast<size_t>(*in)];
        if (p < 0 || p == n) continue;
        ++waiting[static_cast<size_t>(n)];
        consumers[static_cast<size_t>(p)].push_back(n);
      }
    }
    order = StableTopologicalOrder(consumers, waiting);
    for (int n = 0; n < nodes; ++n) {
      if (waiting[static_cast<size_t>(n)] > 0) throw CycleError(n, producer, waiting);
    }
    return order;
  }

  // Node n is on or behind a cycle (Kahn's algorithm could not place it).
  // Walking from it to an unplaced producer must revisit a node: that one
  // is on the cycle, and the error names it.
  Error CycleError(int n, const std::vector<int32_t>& producer, const std::vector<int32_t>& waiting) const {
    std::vector<char> seen(static_cast<size_t>(graph_.node_size()), 0);
    while (seen[static_cast<size_t>(n)] == 0) {
      seen[static_cast<size_t>(n)] = 1;
      for (const int32_t* in = index_.InputsBegin(n); in != index_.InputsEnd(n); ++in) {
        const int p = *in < 0 ? -1 : producer[static_cast<size_t>(*in)];
        if (p >= 0 && p != n && waiting[static_cast<size_t>(p)] > 0) {
          n = p;
          break;
        }
      }
    }
    return Error("the graph has a cycle through node '" + NodeLabel(graph_.node(n), n) + "'");
  }

  void InferNode(int n) {
    onnx::NodeProto& node = *graph_.mutable_node(n);
    const NodeValueIds ids = index_.Ids(n);
    CheckOperands(node, ids, opset_, values_);
    if (use_onnx_) RunOnnx(node, n);
    bool changed = Evaluate(node, n, ids);
    MaterializeControlValues(node, n, ids);
    changed |= PropagateNode(node, ids, opset_, values_);
    changed |= BoundDataDependent(node, n, ids);
    changed |= ApplyUserShapes(node, n, ids);
    CheckElementCountKept(node, n, ids);
    if (!changed) return;
    // Make what the own rules found visible to the next ONNX functions.
    for (int i = 0; i < ids.output_count; ++i) {
      const int32_t id = ids.outputs[i];
      if (id < 0) continue;
      const ValueInfo& value = values_[static_cast<size_t>(id)];
      onnx::TypeProto* type = type_[static_cast<size_t>(id)];
      if (!value.shape || (type != nullptr && StaticShape(*type) == value.shape)) continue;
      type = NewType();
      auto* tensor_type = type->mutable_tensor_type();
      tensor_type->set_elem_type(value.elem_type);
      auto* shape = tensor_type->mutable_shape();
      for (int64_t extent : *value.shape) shape->add_dim()->set_dim_value(extent);
      type_[static_cast<size_t>(id)] = type;
    }
  }

  // The value of `id` when it is known at load time: an initializer or
  // Constant (read on first use), an evaluated output, or the small integer
  // values of the own rules (Shape, Size, ...). nullptr otherwise.
  const TensorValue* KnownValue(int32_t id) {
    ValueInfo& value = values_[static_cast<size_t>(id)];
    if (value.value) return value.value.get();
    char& tried = value_tried_[static_cast<size_t>(id)];
    if (tried != 0) return nullptr;
    tried = 1;
    if (const onnx::TensorProto* data = data_[static_cast<size_t>(id)]; data != nullptr) {
      if (auto read = FromTensorProto(*data, options_.limits.max_elements)) {
        value.value = std::make_shared<const TensorValue>(std::move(*read));
      }
    } else if (value.ints && value.shape && IsSupportedValueType(value.elem_type)) {
      TensorValue known;
      known.elem_type = value.elem_type;
      known.shape = *value.shape;
      known.ints = *value.ints;
      if (!known.is_real() && CheckedElementCount(known.shape) == static_cast<int64_t>(known.ints.size())) {
        value.value = std::make_shared<const TensorValue>(std::move(known));
      }
    }
    return value.value.get();
  }

  // An If's known condition lets the loader inline its branch; a Loop's
  // known trip count and conditions (its own, or boolean outer values its
  // body passes on) let it unroll or cost it (graph_rewrite.h).
  void MaterializeControlValues(const onnx::NodeProto& node, int n, const NodeValueIds& ids) {
    if (node.op_type() != "If" && node.op_type() != "Loop") return;
    const int first_inputs = node.op_type() == "If" ? 1 : 2;
    for (int i = 0; i < first_inputs && i < ids.input_count; ++i) {
      if (ids.inputs[i] >= 0) KnownValue(ids.inputs[i]);
    }
    if (node.op_type() != "Loop") return;
    for (const int32_t* in = index_.InputsBegin(n) + ids.input_count; in < index_.InputsEnd(n); ++in) {
      if (*in >= 0 && values_[static_cast<size_t>(*in)].elem_type == onnx::TensorProto::BOOL) KnownValue(*in);
    }
  }

  // False when `id` cannot have a value known at load time (no payload, no
  // computed value, no small integers): KnownValue would return nullptr.
  bool MayBeKnown(int32_t id) const {
    const auto slot = static_cast<size_t>(id);
    const ValueInfo& value = values_[slot];
    return value.value || (value_tried_[slot] == 0 && (data_[slot] != nullptr || value.ints));
  }

  // Evaluates a default-domain node whose inputs are all known (the
  // load-time evaluator, evaluate.h) and records its outputs' values,
  // shapes and types. Returns true when something changed.
  bool Evaluate(const onnx::NodeProto& node, int n, const NodeValueIds& ids) {
    if ((!node.domain().empty() && node.domain() != "ai.onnx")) return false;
    // Most nodes read an activation: rule them out before any lookup.
    for (int i = 0; i < ids.input_count; ++i) {
      if (ids.inputs[i] >= 0 && !MayBeKnown(ids.inputs[i])) return false;
    }
    if (!CanEvaluate(node.op_type())) return false;
    bool pending = false;
    for (int i = 0; i < ids.output_count && !pending; ++i) {
      pending = ids.outputs[i] >= 0 && !values_[static_cast<size_t>(ids.outputs[i])].value;
    }
    if (!pending) return false;
    std::vector<const TensorValue*> inputs(static_cast<size_t>(ids.input_count), nullptr);
    for (int i = 0; i < ids.input_count; ++i) {
      if (ids.inputs[i] < 0) continue;
      inputs[static_cast<size_t>(i)] = KnownValue(ids.inputs[i]);
      if (inputs[static_cast<size_t>(i)] == nullptr) return false;
    }
    std::optional<std::vector<TensorValue>> outputs;
    try {
      outputs = EvaluateNode(node, opset_, inputs, options_.limits);
    } catch (const Error& e) {
      throw e.WithContext("node '" + NodeLabel(node, n) + "' (" + node.op_type() + ")");
    }
    if (!outputs) return false;
    bool changed = false;
    for (int i = 0; i < ids.output_count && i < static_cast<int>(outputs->size()); ++i) {
      if (ids.outputs[i] >= 0) changed |= RecordValue(node, n, ids.outputs[i], std::move((*outputs)[static_cast<size_t>(i)]));
    }
    return changed;
  }

  bool RecordValue(const onnx::NodeProto& node, int n, int32_t id, TensorValue computed) {
    ValueInfo& value = values_[static_cast<size_t>(id)];
    if (value.shape && *value.shape != computed.shape) {
      throw Error("node '" + NodeLabel(node, n) + "' (" + node.op_type() + "): output '" +
                  std::string(index_.names[static_cast<size_t>(id)]) + "' evaluates to shape " +
                  ShapeToString(computed.shape) + ", but its type says " + ShapeToString(*value.shape));
    }
    value.shape = computed.shape;
    value.elem_type = computed.elem_type;
    constexpr size_t kSmallInts = 64;  // what the own rules and ONNX's symbolic inputs read
    if (!computed.is_real() && !value.ints && computed.ints.size() <= kSmallInts) value.ints = computed.ints;
    value.value = std::make_shared<const TensorValue>(std::move(computed));
    return true;
  }

  // Outputs whose size depends on the data get the upper bound their
  // operator's semantics give, marked `bounded`; anything computed from a
  // bounded tensor is marked too. Returns true when a shape was set.
  bool BoundDataDependent(const onnx::NodeProto& node, int n, const NodeValueIds& ids) {
    bool from_bound = false;
    for (const int32_t* in = index_.InputsBegin(n); in != index_.InputsEnd(n) && !from_bound; ++in) {
      from_bound = *in >= 0 && (values_[static_cast<size_t>(*in)].bounded || values_[static_cast<size_t>(*in)].from_bound);
    }
    // Shape and Size of a bounded tensor have exact shapes; a scalar stays a scalar.
    const bool shape_from_bound = from_bound && node.op_type() != "Shape" && node.op_type() != "Size";
    bool changed = false;
    for (int i = 0; i < ids.output_count; ++i) {
      if (ids.outputs[i] < 0) continue;
      ValueInfo& out = values_[static_cast<size_t>(ids.outputs[i])];
      out.from_bound = out.from_bound || from_bound;
      if (!out.shape) {
        const BoundReader reader{values_, [this](int32_t id) { return KnownValue(id); },
                                 [this](int32_t id) -> const onnx::TypeProto* { return type_[static_cast<size_t>(id)]; }};
        if (std::optional<SizeBound> bound = DataDependentBound(node, ids, i, reader)) {
          out.shape = std::move(bound->shape);
          out.bounded = bound->bounded;
          if (out.elem_type == 0) out.elem_type = bound->elem_type;
          changed = true;
        }
      } else if (shape_from_bound && !out.shape->empty()) {
        out.bounded = true;
      }
    }
    return changed;
  }

  // Reshape, Flatten and Squeeze/Unsqueeze move elements, never add or drop
  // any: ONNX's inference functions do not check it (6 elements to [7,5]).
  void CheckElementCountKept(const onnx::NodeProto& node, int n, const NodeValueIds& ids) const {
    const std::string& op = node.op_type();
    if ((!node.domain().empty() && node.domain() != "ai.onnx") ||
        (op != "Reshape" && op != "Flatten" && op != "Squeeze" && op != "Unsqueeze")) {
      return;
    }
    if (ids.input_count == 0 || ids.output_count == 0 || ids.inputs[0] < 0 || ids.outputs[0] < 0) return;
    const ValueInfo& in = values_[static_cast<size_t>(ids.inputs[0])];
    const ValueInfo& out = values_[static_cast<size_t>(ids.outputs[0])];
    if (!in.shape || !out.shape || in.bounded || out.bounded) return;
    const std::optional<int64_t> from = CheckedElementCount(*in.shape);
    const std::optional<int64_t> to = CheckedElementCount(*out.shape);
    if (from && to && *from != *to) {
      throw Error("node '" + NodeLabel(node, n) + "' (" + op + "): input '" +
                  std::string(index_.names[static_cast<size_t>(ids.inputs[0])]) + "' " + ShapeToString(*in.shape) +
                  " has " + std::to_string(*from) + " elements but output '" +
                  std::string(index_.names[static_cast<size_t>(ids.outputs[0])]) + "' " +
                  ShapeToString(*out.shape) + " has " + std::to_string(*to));
    }
  }

  // --tensor-shape: the user's shape replaces what inference found.
  bool ApplyUserShapes(const onnx::NodeProto& node, int n, const NodeValueIds& ids) {
    if (options_.tensor_shapes == nullptr || options_.tensor_shapes->empty()) return false;
    bool changed = false;
    for (int i = 0; i < ids.output_count; ++i) {
      if (ids.outputs[i] < 0) continue;
      auto it = options_.tensor_shapes->find(std::string(index_.names[static_cast<size_t>(ids.outputs[i])]));
      if (it == options_.tensor_shapes->end()) continue;
      ValueInfo& out = values_[static_cast<size_t>(ids.outputs[i])];
      if (out.shape && !out.bounded && *out.shape != it->second) {
        throw Error("--tensor-shape " + it->first + "=" + ShapeToString(it->second) + ": node '" +
                    NodeLabel(node, n) + "' gives it the static shape " + ShapeToString(*out.shape));
      }
      if (out.value) continue;
      out.shape = it->second;
      out.bounded = false;
      changed = true;
    }
    return changed;
  }

  // The schema of `node`'s operator at the model's opset (nullptr when the
  // registry has none); false when the model imports no opset for its domain.
  // Default-domain schemas are looked up once per op type.
  bool FindSchema(const onnx::NodeProto& node, const onnx::OpSchema*& schema) {
    if (node.domain().empty()) {
      auto cached = default_schemas_.find(node.op_type());
      if (cached != default_schemas_.end()) {
        schema = cached->second;
        return true;
      }
    }
    auto domain = opset_imports_.find(node.domain());
    if (domain == opset_imports_.end()) return false;
    // ONNX has no schemas in other domains (dnnpart registers none), and
    // the first lookup builds its whole registry (about 20 ms): a model of
    // custom operators only (such as tools/pipeedge_to_dnnpart.py writes)
    // never pays for it.
    const auto& known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    if (known.find(node.domain()) == known.end()) {
      schema = nullptr;
      return true;
    }
    schema = onnx::OpSchemaRegistry::Schema(node.op_type(), domain->second, node.domain());
    if (node.domain().empty()) default_schemas_.emplace(node.op_type(), schema);
    return true;
  }

  // The rank of input `i` of node `n`; -1 when it is absent or its shape is
  // unknown.
  int InputRank(int n, int i) const {
    const onnx::NodeProto& node = graph_.node(n);
    if (i >= node.input_size()) return -1;
    const int32_t id = index_.InputsBegin(n)[i];
    if (id < 0) return -1;
    const onnx::TypeProto* type = type_[static_cast<size_t>(id)];
    if (type == nullptr || !type->has_tensor_type() || !type->tensor_type().has_shape()) return -1;
    return type->tensor_type().shape().dim_size();
  }

  // ONNX infers an If's branches itself, node by node, where nothing is
  // checked first. They are walked here in the same order with the same
  // per-node inference functions and the same inputs (outer values by their
  // types, branch initializers and Constant values as data; an inferred
  // output without a shape keeps its declared one, as ONNX merges them),
  // each node checked first as a top-level node is: a node that fails a
  // check is an Error. True when both branches passed, so ONNX may infer the
  // If; false when a branch holds what is not walked here (a nested
  // subgraph, another domain, a node without outputs, an operator defined by
  // a function, a Constant other than `value`): the If is then left to the
  // own rules.
  bool IfBranchesChecked(const onnx::NodeProto& node, int n) {
    for (const auto& attribute : node.attribute()) {
      if (attribute.name() != "then_branch" && attribute.name() != "else_branch") continue;
      if (!attribute.has_g()) return false;
      const onnx::GraphProto& branch = attribute.g();
      std::unordered_map<std::string, onnx::TypeProto> types;
      std::unordered_map<std::string, const onnx::TypeProto*> declared;
      std::unordered_map<std::string, const onnx::TensorProto*> data;
      for (const auto& info : branch.value_info()) declared.emplace(info.name(), &info.type());
      for (const auto& info : branch.output()) declared.emplace(info.name(), &info.type());
      for (const auto& initializer : branch.initializer()) {
        onnx::TypeProto& type = types[initializer.name()];
        type.mutable_tensor_type()->set_elem_type(initializer.data_type());
        auto* shape = type.mutable_tensor_type()->mutable_shape();
        for (const int64_t dim : initializer.dims()) shape->add_dim()->set_dim_value(dim);
        data[initializer.name()] = &initializer;
      }
      auto type_of = [&](const std::string& name) -> const onnx::TypeProto* {
        if (auto it = types.find(name); it != types.end()) return &it->second;
        if (auto it = declared.find(name); it != declared.end()) return it->second;
        const int32_t id = index_.Find(name);
        return id >= 0 ? type_[static_cast<size_t>(id)] : nullptr;
      };
      auto data_of = [&](const std::string& name) -> const onnx::TensorProto* {
        auto it = data.find(name);
        return it != data.end() ? it->second : nullptr;
      };
      for (int k = 0; k < branch.node_size(); ++k) {
        const onnx::NodeProto& inner = branch.node(k);
        if (!(inner.domain().empty() || inner.domain() == "ai.onnx") || inner.output_size() == 0) return false;
        for (const auto& inner_attribute : inner.attribute()) {
          if (inner_attribute.has_g() || inner_attribute.graphs_size() > 0) return false;
        }
        const std::string label = (inner.name().empty() ? inner.op_type() + "_" + std::to_string(k) : inner.name()) +
                                  "' in the " + attribute.name() + " of '" + NodeLabel(node, n);
        if (inner.op_type() == "Constant") {
          const onnx::TensorProto* value = nullptr;
          for (const auto& a : inner.attribute()) {
            if (a.name() != "value" || !a.has_t()) return false;
            value = &a.t();
          }
          if (value == nullptr) return false;
          data[inner.output(0)] = value;
        }
        const InputRankFn rank = [&](int i) {
          return i < inner.input_size() && !inner.input(i).empty() ? RankOf(type_of(inner.input(i))) : -1;
        };
        if (!CheckBeforeOnnx(inner, label, opset_, rank, [](int) -> const std::vector<int64_t>* { return nullptr; })) {
          return false;
        }
        const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(inner.op_type(), static_cast<int>(opset_), "");
        if (schema == nullptr) continue;  // ONNX infers nothing for it
        if (!schema->has_type_and_shape_inference_function()) {
          if (schema->HasFunction()) return false;
          continue;
        }
        BranchNodeContext context(inner, type_of, data_of);
        try {
          CallGuarded([&] { schema->GetTypeAndShapeInferenceFunction()(context); },
                      [&] { return "node '" + label + "' (" + inner.op_type() + ")"; });
        } catch (const Error&) {
          throw;
        } catch (const std::exception&) {
          continue;  // ONNX stops inferring the branch; nothing more is read
        }
        for (int o = 0; o < inner.output_size(); ++o) {
          if (inner.output(o).empty()) continue;
          const onnx::TypeProto& inferred = context.output(static_cast<size_t>(o));
          auto known = declared.find(inner.output(o));
          if (RankOf(&inferred) < 0 && known != declared.end()) {
            types[inner.output(o)] = *known->second;
          } else if (inferred.value_case() != onnx::TypeProto::VALUE_NOT_SET) {
            types[inner.output(o)] = inferred;
          }
        }
      }
    }
    return true;
  }

  // Calls the node's ONNX inference function (or infers through its function
  // body) and merges the outputs. An inference error leaves the outputs as
  // they were, as ONNX does; the own rules may still fill them.
  void RunOnnx(onnx::NodeProto& node, int n) {
    const onnx::OpSchema* schema = nullptr;
    if (!FindSchema(node, schema)) return;
    const onnx::FunctionProto* local = nullptr;
    if (schema == nullptr) {
      auto it = local_functions_.find(node.domain() + ":" + node.op_type());
      if (it == local_functions_.end()) return;
      local = it->second;
    } else if (!schema->has_type_and_shape_inference_function() && !schema->HasFunction()) {
      return;
    }
    if (node.domain().empty()) {
      const bool checked = CheckBeforeOnnx(
          node, NodeLabel(node, n), opset_, [this, n](int i) { return InputRank(n, i); },
          [this, n](int i) -> const std::vector<int64_t>* {
            const int32_t id = i < graph_.node(n).input_size() ? index_.InputsBegin(n)[i] : -1;
            if (id < 0) return nullptr;
            const std::optional<std::vector<int64_t>>& values = values_[static_cast<size_t>(id)].ints;
            return values ? &*values : nullptr;
          });
      if (!checked) return;
    }
    // Nothing to infer; ONNX's Split divides its input by the output count.
    if (node.output_size() == 0) return;
    // ONNX infers subgraphs and function bodies itself, unchecked; an If's
    // branches are checked here first.
    if (BodyUnsafeForOnnx(node, local, local_functions_) &&
        !(local == nullptr && node.op_type() == "If" && node.domain().empty() && IfBranchesChecked(node, n))) {
      spdlog::debug("node '{}' ({}): not inferred by ONNX; a subgraph or function body holds an operator whose "
                    "inference trusts its inputs (docs/loading.md)", NodeLabel(node, n), node.op_type());
      return;
    }
    NodeContext context(*this, node, n);
    try {
      CallGuarded(
          [&] {
            if (schema != nullptr && schema->has_type_and_shape_inference_function()) {
              schema->GetTypeAndShapeInferenceFunction()(context);
            } else {
              onnx::shape_inference::InferShapeForFunctionNode(local != nullptr ? *local : *schema->GetFunction(),
                                                               onnx::OpSchemaRegistry::Instance(), context, {},
                                                               local_functions_);
            }
          },
          [&] { return "node '" + NodeLabel(node, n) + "' (" + node.op_type() + ")"; });
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      spdlog::debug("ONNX shape inference of node '{}' ({}) failed: {}", NodeLabel(node, n), node.op_type(), e.what());
      return;
    }
    for (int i = 0; i < node.output_size(); ++i) {
      const int32_t id = index_.OutputsBegin(n)[i];
      if (id >= 0) Merge(node, n, id, context.outputs()[static_cast<size_t>(i)]);
    }
  }

  // Combines an inferred output type with the model's declared one, as ONNX
  // does: inferred extents fill and refine the declared ones. A contradiction
  // is an error.
  void Merge(const onnx::NodeProto& node, int n, int32_t id, onnx::TypeProto* inferred) {
    if (inferred->value_case() == onnx::TypeProto::VALUE_NOT_SET) return;
    const auto slot = static_cast<size_t>(id);
    onnx::TypeProto* result = inferred;
    if (const onnx::TypeProto* declared = declared_[slot]; declared != nullptr) {
      if (Contradicts(*inferred, *declared)) {
        throw Error("node '" + NodeLabel(node, n) + "' (" + node.op_type() + "): ONNX shape inference gives output '" +
                    std::string(index_.names[slot]) + "' " + TypeText(*inferred) + ", but the model declares " +
                    TypeText(*declared));
      }
      result = NewType();
      *result = *declared;
      try {
        onnx::shape_inference::mergeShapesAndTypes(*inferred, result);
      } catch (const std::exception& e) {
        throw Error("node '" + NodeLabel(node, n) + "' (" + node.op_type() + "): output '" +
                    std::string(index_.names[slot]) + "' cannot be merged with its declared type: " + e.what());
      }
    }
    type_[slot] = result;
    if (!result->has_tensor_type()) return;
    ValueInfo& value = values_[slot];
    if (result->tensor_type().elem_type() != 0) value.elem_type = result->tensor_type().elem_type();
    if (auto shape = StaticShape(*result)) value.shape = std::move(shape);
  }

  onnx::ModelProto& model_;
  onnx::GraphProto& graph_;
  const NameIndex& index_;
  const InferOptions& options_;
  const bool use_onnx_;
  int64_t opset_ = 0;
  std::unordered_map<std::string, int> opset_imports_;
  onnx::shape_inference::ModelLocalFunctionsMap local_functions_;
  std::unordered_map<std::string_view, const onnx::OpSchema*> default_schemas_;  // views into the model
  google::protobuf::Arena arena_;
  std::vector<ValueInfo> values_;
  std::vector<onnx::TypeProto*> type_;                   // per id: what inference reads
  std::vector<const onnx::TypeProto*> declared_;         // per id: the model's own declaration
  std::vector<const onnx::TensorProto*> data_;           // per id: initializer or Constant value
  std::vector<onnx::TensorShapeProto*> symbolic_;        // per id: known integer values, built on demand
  std::vector<char> value_tried_;                        // per id: KnownValue has looked
};

NodeContext::NodeContext(Driver& driver, onnx::NodeProto& node, int n) : driver_(driver), node_(node), n_(n) {
  outputs_.reserve(static_cast<size_t>(node.output_size()));
  for (int i = 0; i < node.output_size(); ++i) outputs_.push_back(driver_.NewType());
}

int32_t NodeContext::InputId(size_t i) const {
  return i < static_cast<size_t>(node_.input_size()) ? driver_.index_.InputsBegin(n_)[i] : -1;
}

const onnx::TypeProto* NodeContext::getInputType(size_t i) const {
  const int32_t id = InputId(i);
  return id < 0 ? nullptr : driver_.type_[static_cast<size_t>(id)];
}

// Initializers and Constant payloads as they are; values the evaluator
// computed are written out as tensors on first use.
const onnx::TensorProto* NodeContext::getInputData(size_t i) const {
  const int32_t id = InputId(i);
  if (id < 0) return nullptr;
  const auto slot = static_cast<size_t>(id);
  if (driver_.data_[slot] == nullptr && driver_.values_[slot].value) {
    auto* tensor = google::protobuf::Arena::CreateMessage<onnx::TensorProto>(&driver_.arena_);
    ToTensorProto(*driver_.values_[slot].value, *tensor);
    driver_.data_[slot] = tensor;
  }
  return driver_.data_[slot];
}

// The integer values dnnpart's rules computed (shape arithmetic), in the form
// of ONNX's data propagation: one dimension per value of a 1-D tensor.
const onnx::TensorShapeProto* NodeContext::getSymbolicInput(size_t i) const {
  const int32_t id = InputId(i);
  if (id < 0) return nullptr;
  const auto slot = static_cast<size_t>(id);
  const ValueInfo& value = driver_.values_[slot];
  if (!value.ints || !value.shape || value.shape->size() != 1) return nullptr;
  if (driver_.symbolic_[slot] == nullptr) {
    auto* shape = google::protobuf::Arena::CreateMessage<onnx::TensorShapeProto>(&driver_.arena_);
    for (int64_t v : *value.ints) shape->add_dim()->set_dim_value(v);
    driver_.symbolic_[slot] = shape;
  }
  return driver_.symbolic_[slot];
}

// Subgraphs (If, Loop, Scan bodies) are inferred by ONNX's own graph
// inferencer, which sees every value known so far by name.
onnx::GraphInferencer* NodeContext::getGraphAttributeInferencer(const std::string& attribute_name) {
  onnx::AttributeProto* attribute = nullptr;
  for (auto& candidate : *node_.mutable_attribute()) {
    if (candidate.name() == attribute_name && candidate.has_g()) attribute = &candidate;
  }
  if (attribute == nullptr) return nullptr;
  if (graph_context_ == nullptr) {
    for (size_t id = 0; id < driver_.type_.size(); ++id) {
      if (driver_.type_[id] != nullptr) outer_scope_.emplace(std::string(driver_.index_.names[id]), driver_.type_[id]);
    }
    graph_context_ = std::make_unique<onnx::shape_inference::GraphInferenceContext>(
        outer_scope_, driver_.opset_imports_, nullptr, driver_.local_functions_, onnx::OpSchemaRegistry::Instance(),
        nullptr, static_cast<int>(driver_.model_.ir_version()));
  }
  inferencers_.push_back(
      std::make_unique<onnx::shape_inference::GraphInferencerImpl>(*attribute->mutable_g(), *graph_context_));
  return inferencers_.back().get();
}

}  // namespace

std::vector<ValueInfo> InferValues(onnx::ModelProto& model, const NameIndex& index, const InferOptions& options) {
  return Driver(model, index, options).Run();
}

}  // namespace dnnpart
