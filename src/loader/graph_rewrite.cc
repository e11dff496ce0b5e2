#include "loader/graph_rewrite.h"

#include <cmath>
#include <limits>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "dnnpart/error.h"
#include "evaluator/tensor_value.h"

namespace dnnpart {
namespace {

// The range an integer element type holds, as doubles (exact up to 2^53,
// which is all a flag value needs).
bool IntegerRange(int32_t elem_type, double& low, double& high) {
  switch (elem_type) {
    case onnx::TensorProto::BOOL: low = 0, high = 1; return true;
    case onnx::TensorProto::INT8: low = -128, high = 127; return true;
    case onnx::TensorProto::UINT8: low = 0, high = 255; return true;
    case onnx::TensorProto::INT16: low = -32768, high = 32767; return true;
    case onnx::TensorProto::UINT16: low = 0, high = 65535; return true;
    case onnx::TensorProto::INT32: low = -2147483648.0, high = 2147483647.0; return true;
    case onnx::TensorProto::UINT32: low = 0, high = 4294967295.0; return true;
    case onnx::TensorProto::INT64: low = -9007199254740992.0, high = 9007199254740992.0; return true;
    case onnx::TensorProto::UINT64: low = 0, high = 9007199254740992.0; return true;
    default: return false;
  }
}

TensorValue MakeInputValue(const onnx::ValueInfoProto& input, const std::vector<double>& numbers) {
  const auto& type = input.type();
  if (!type.has_tensor_type() || !type.tensor_type().has_shape()) {
    throw Error("is not a tensor with a declared shape");
  }
  TensorValue value;
  value.elem_type = type.tensor_type().elem_type();
  if (!IsSupportedValueType(value.elem_type)) throw Error("has an element type that --input-value cannot fill");
  for (const auto& dim : type.tensor_type().shape().dim()) {
    if (!dim.has_dim_value() || dim.dim_value() < 0) throw Error("has a symbolic dimension; bind it with --input-shape first");
    value.shape.push_back(dim.dim_value());
  }
  const std::optional<int64_t> count = CheckedElementCount(value.shape);
  if (!count || *count != static_cast<int64_t>(numbers.size())) {
    throw Error("has shape " + ShapeToString(value.shape) + " (" + (count ? std::to_string(*count) : "too many") +
                " elements) but " + std::to_string(numbers.size()) + " value(s) were given");
  }
  double low = 0, high = 0;
  const bool integral = IntegerRange(value.elem_type, low, high);
  for (double number : numbers) {
    if (!std::isfinite(number)) throw Error("values must be finite numbers");
    if (!integral) {
      value.reals.push_back(number);
    } else if (number != std::floor(number) || number < low || number > high) {
      throw Error("value " + std::to_string(number) + " is not an integer the input's element type holds");
    } else {
      value.ints.push_back(static_cast<int64_t>(number));
    }
  }
  return value;
}

}  // namespace

void RenameValues(onnx::GraphProto& graph, const std::unordered_map<std::string, std::string>& renames) {
  auto rename = [&renames](std::string* name) {
    auto it = renames.find(*name);
    if (it != renames.end()) *name = it->second;
  };
  for (auto& info : *graph.mutable_value_info()) rename(info.mutable_name());
  for (auto& info : *graph.mutable_output()) rename(info.mutable_name());
  for (auto& node : *graph.mutable_node()) {
    for (auto& input : *node.mutable_input()) rename(&input);
    for (auto& output : *node.mutable_output()) rename(&output);
    for (auto& attribute : *node.mutable_attribute()) {
      if (attribute.has_g()) RenameValues(*attribute.mutable_g(), renames);
      for (auto& g : *attribute.mutable_graphs()) RenameValues(g, renames);
    }
  }
}

void BindInputValues(onnx::GraphProto& graph, const std::map<std::string, std::vector<double>>& values) {
  std::set<std::string> initializers;
  for (const auto& initializer : graph.initializer()) initializers.insert(initializer.name());
  for (const auto& [name, numbers] : values) {
    int found = -1;
    std::string known;
    for (int i = 0; i < graph.input_size(); ++i) {
      const std::string& input = graph.input(i).name();
      if (initializers.count(input) != 0) continue;
      if (input == name) found = i;
      known += (known.empty() ? "" : ", ") + input;
    }
    if (found < 0) throw Error("--input-value names '" + name + "', which is not a graph input (inputs: " + known + ")");
    try {
      const TensorValue value = MakeInputValue(graph.input(found), numbers);
      onnx::TensorProto* initializer = graph.add_initializer();
      ToTensorProto(value, *initializer);
      initializer->set_name(name);
    } catch (const Error& e) {
      throw e.WithContext("--input-value: graph input '" + name + "'");
    }
    graph.mutable_input()->DeleteSubrange(found, 1);
  }
}

namespace {


// The condition of an If node when known at load time.
std::optional<bool> KnownCondition(const onnx::NodeProto& node, int n, const NameIndex& index,
                                   const std::vector<ValueInfo>& values) {
  if (node.op_type() != "If" || (!node.domain().empty() && node.domain() != "ai.onnx")) return std::nullopt;
  if (index.InputsBegin(n) == index.InputsEnd(n) || *index.InputsBegin(n) < 0) return std::nullopt;
  const ValueInfo& cond = values[static_cast<size_t>(*index.InputsBegin(n))];
  if (!cond.value || cond.value->element_count() != 1) return std::nullopt;
  const bool taken = cond.value->is_real() ? cond.value->reals[0] != 0 : cond.value->ints[0] != 0;
  if (cond.from_bound) {
    spdlog::warn("If node '{}': its condition depends on data-dependent sizes; the {} branch, which their upper "
                 "bounds select, is planned (its outputs are marked bounded)",
                 NodeLabel(node, n), taken ? "then" : "else");
  }
  return taken;
}

const onnx::GraphProto* Branch(const onnx::NodeProto& node, bool condition) {
  const char* wanted = condition ? "then_branch" : "else_branch";
  for (const auto& attribute : node.attribute()) {
    if (attribute.name() == wanted && attribute.has_g()) return &attribute.g();
  }
  return nullptr;
}

// Appends the branch's nodes to `into`, wired to the If's outputs.
void AppendBranch(const onnx::NodeProto& node, int n, onnx::GraphProto branch, const NameIndex& index,
                  google::protobuf::RepeatedPtrField<onnx::NodeProto>& into, onnx::GraphProto& graph) {
  const std::string label = NodeLabel(node, n);
  if (branch.output_size() != node.output_size()) {
    throw Error("If node '" + label + "': the taken branch has " + std::to_string(branch.output_size()) +
                " outputs, the node " + std::to_string(node.output_size()));
  }
  std::unordered_set<std::string> produced;
  for (const auto& inner : branch.node()) produced.insert(inner.output().begin(), inner.output().end());
  auto check_new = [&](const std::string& name) {
    if (!name.empty() && index.Find(name) >= 0) {
      throw Error("If node '" + label + "': its branch defines '" + name + "', a name the graph already uses");
    }
  };
  for (const std::string& name : produced) check_new(name);
  std::unordered_map<std::string, std::string> renames;
  std::vector<std::pair<std::string, std::string>> forwards;  // (If output, outer or branch-constant value)
  for (int k = 0; k < node.output_size(); ++k) {
    const std::string& inner = branch.output(k).name();
    const std::string& outer = node.output(k);
    if (outer.empty() || inner == outer) continue;
    if (produced.count(inner) != 0 && renames.count(inner) == 0) {
      renames[inner] = outer;
    } else {
      forwards.emplace_back(outer, inner);
    }
  }
  RenameValues(branch, renames);
  for (auto& initializer : *branch.mutable_initializer()) {
    check_new(initializer.name());
    *graph.add_initializer() = std::move(initializer);
  }
  for (auto& info : *branch.mutable_value_info()) *graph.add_value_info() = std::move(info);
  for (auto& inner : *branch.mutable_node()) *into.Add() = std::move(inner);
  for (size_t k = 0; k < forwards.size(); ++k) {
    onnx::NodeProto* identity = into.Add();
    identity->set_op_type("Identity");
    identity->set_name(label + "/forward_" + std::to_string(k));
    identity->add_input(forwards[k].second);
    identity->add_output(forwards[k].first);
  }
}

}  // namespace

int InlineKnownIfs(onnx::GraphProto& graph, const NameIndex& index, const std::vector<ValueInfo>& values) {
  std::vector<std::optional<bool>> taken(static_cast<size_t>(graph.node_size()));
  int count = 0;
  for (int n = 0; n < graph.node_size(); ++n) {
    taken[static_cast<size_t>(n)] = KnownCondition(graph.node(n), n, index, values);
    if (taken[static_cast<size_t>(n)]) ++count;
  }
  if (count == 0) return 0;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (int n = 0; n < graph.node_size(); ++n) {
    const onnx::NodeProto& node = graph.node(n);
    if (!taken[static_cast<size_t>(n)]) {
      *nodes.Add() = node;
      continue;
    }
    const onnx::GraphProto* branch = Branch(node, *taken[static_cast<size_t>(n)]);
    if (branch == nullptr) {
      throw Error("If node '" + NodeLabel(node, n) + "' has no " +
                  (*taken[static_cast<size_t>(n)] ? "then_branch" : "else_branch") + " graph");
    }
    AppendBranch(node, n, *branch, index, nodes, graph);
  }
  graph.mutable_node()->Swap(&nodes);
  return count;
}

}  // namespace dnnpart
