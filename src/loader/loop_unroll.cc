// Loops with a known trip count unrolled, and sequences whose contents are
// known replaced by their tensors (graph_rewrite.h). torch exports
// `torch.split` with computed sizes this way (MViT): a Loop appends Slices
// to a sequence, and SequenceAt picks them out again.
#include <algorithm>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "dnnpart/error.h"
#include "loader/graph_rewrite.h"

namespace dnnpart {
namespace {

constexpr int64_t kMaxTrips = 256;
constexpr int64_t kMaxCopiedNodes = 20'000;

bool DefaultDomain(const onnx::NodeProto& node) { return node.domain().empty() || node.domain() == "ai.onnx"; }

const TensorValue* KnownAt(const NameIndex& index, const std::vector<ValueInfo>& values, const std::string& name) {
  const int32_t id = name.empty() ? -1 : index.Find(name);
  return id < 0 ? nullptr : values[static_cast<size_t>(id)].value.get();
}

std::optional<int64_t> KnownInt(const NameIndex& index, const std::vector<ValueInfo>& values, const std::string& name) {
  const int32_t id = name.empty() ? -1 : index.Find(name);
  if (id < 0) return std::nullopt;
  const ValueInfo& value = values[static_cast<size_t>(id)];
  if (value.from_bound) return std::nullopt;
  if (value.ints && value.ints->size() == 1) return value.ints->front();
  if (value.value && !value.value->is_real() && value.value->ints.size() == 1) return value.value->ints[0];
  return std::nullopt;
}

bool KnownTrue(const NameIndex& index, const std::vector<ValueInfo>& values, const std::string& name) {
  const TensorValue* value = KnownAt(index, values, name);
  if (value != nullptr && value->element_count() == 1) return value->is_real() ? value->reals[0] != 0 : value->ints[0] != 0;
  const std::optional<int64_t> known = KnownInt(index, values, name);
  return known && *known != 0;
}

const onnx::GraphProto* Body(const onnx::NodeProto& loop) {
  for (const auto& attribute : loop.attribute()) {
    if (attribute.name() == "body" && attribute.has_g()) return &attribute.g();
  }
  return nullptr;
}

// True when nothing can end the loop before its trip count: no condition,
// or a known-true one that the body passes on unchanged or replaces by a
// known-true outer value.
bool RunsAllTrips(const onnx::NodeProto& loop, const onnx::GraphProto& body, const NameIndex& index,
                  const std::vector<ValueInfo>& values) {
  if (loop.input_size() > 1 && !loop.input(1).empty() && !KnownTrue(index, values, loop.input(1))) return false;
  if (body.input_size() < 2 || body.output_size() < 1) return false;
  const std::string& cond_in = body.input(1).name();
  const std::string& cond_out = body.output(0).name();
  if (cond_out == cond_in) return true;
  for (const auto& node : body.node()) {
    if (node.output_size() != 1 || node.output(0) != cond_out) continue;
    return node.op_type() == "Identity" && node.input_size() == 1 &&
           (node.input(0) == cond_in || KnownTrue(index, values, node.input(0)));
  }
  return KnownTrue(index, values, cond_out);  // an outer value passed straight out
}

// A Loop that carries a sequence (torch's `torch.split` into a list): its
// shapes cannot be described as tensors, so it is unrolled. Other Loops stay
// one layer, costed as trip count × body.
bool CarriesSequence(const onnx::GraphProto& graph, const onnx::NodeProto& loop, const onnx::GraphProto& body) {
  for (int j = 2; j < body.input_size(); ++j) {
    if (body.input(j).type().has_sequence_type()) return true;
  }
  std::unordered_set<std::string> initial(loop.input().begin() + std::min(2, loop.input_size()), loop.input().end());
  for (const auto& node : graph.node()) {
    if (node.op_type().rfind("Sequence", 0) != 0) continue;
    for (const auto& output : node.output()) {
      if (initial.count(output) != 0) return true;
    }
  }
  return false;
}

onnx::NodeProto* AddConstant(google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes, const std::string& name,
                             int32_t data_type, int64_t value) {
  onnx::NodeProto* node = nodes.Add();
  node->set_op_type("Constant");
  node->set_name(name);
  node->add_output(name);
  onnx::AttributeProto* attribute = node->add_attribute();
  attribute->set_name("value");
  attribute->set_type(onnx::AttributeProto::TENSOR);
  onnx::TensorProto* tensor = attribute->mutable_t();
  tensor->set_data_type(data_type);
  if (data_type == onnx::TensorProto::BOOL) tensor->add_int32_data(static_cast<int32_t>(value));
  else tensor->add_int64_data(value);
  return node;
}

class Unroller {
 public:
  Unroller(const onnx::NodeProto& loop, int n, const onnx::GraphProto& body, int64_t trips,
           google::protobuf::RepeatedPtrField<onnx::NodeProto>& into, onnx::GraphProto& graph)
      : loop_(loop), label_(NodeLabel(loop, n)), body_(body), trips_(trips), into_(into), graph_(graph) {}

  void Run() {
    const int carried = loop_.input_size() - 2;
    const int scans = body_.output_size() - 1 - carried;
    // The node names an output for every carried value (the fuzzer's finding:
    // fewer made the last copy read past the node's outputs).
    if (carried < 0 || scans < 0 || body_.input_size() != 2 + carried || loop_.output_size() < carried) {
      throw Error("Loop node '" + label_ + "': its body's inputs and outputs do not match the node's");
    }
    std::vector<std::string> state(loop_.input().begin() + 2, loop_.input().end());
    std::vector<std::vector<std::string>> scanned(static_cast<size_t>(scans));
    const std::string cond = label_ + "/cond_true";
    AddConstant(into_, cond, onnx::TensorProto::BOOL, 1);
    for (int64_t k = 0; k < trips_; ++k) {
      const bool last = k + 1 == trips_;
      std::unordered_map<std::string, std::string> renames;
      const std::string iteration = label_ + "/iteration@" + std::to_string(k);
      AddConstant(into_, iteration, onnx::TensorProto::INT64, k);
      renames[body_.input(0).name()] = iteration;
      renames[body_.input(1).name()] = cond;
      for (int j = 0; j < carried; ++j) renames[body_.input(2 + j).name()] = state[static_cast<size_t>(j)];
      std::string suffix(1, '@');  // not "@" + ...: GCC 12's false -Wrestrict
      suffix += std::to_string(k);
      for (const auto& node : body_.node()) {
        for (const auto& output : node.output()) {
          if (!output.empty()) renames[output] = output + suffix;
        }
      }
      for (const auto& initializer : body_.initializer()) renames[initializer.name()] = initializer.name() + suffix;
      if (last) {
        for (int j = 0; j < carried; ++j) Claim(body_.output(1 + j).name(), loop_.output(j), renames);
      }
      onnx::GraphProto copy = body_;
      RenameValues(copy, renames);
      for (auto& initializer : *copy.mutable_initializer()) {
        initializer.set_name(renames[initializer.name()]);
        *graph_.add_initializer() = std::move(initializer);
      }
      for (auto& node : *copy.mutable_node()) {
        node.set_name((node.name().empty() ? node.op_type() : node.name()) + suffix);
        *into_.Add() = std::move(node);
      }
      for (int j = 0; j < carried; ++j) state[static_cast<size_t>(j)] = copy.output(1 + j).name();
      for (int s = 0; s < scans; ++s) scanned[static_cast<size_t>(s)].push_back(copy.output(1 + carried + s).name());
    }
    for (int j = 0; j < carried; ++j) Forward(state[static_cast<size_t>(j)], loop_.output(j), j);
    for (int s = 0; s < scans && carried + s < loop_.output_size(); ++s) {
      Stack(scanned[static_cast<size_t>(s)], loop_.output(carried + s), s);
    }
  }

 private:
  // The last copy produces a carried value under the Loop's output name
  // when a body node makes it (otherwise Forward adds an Identity).
  void Claim(const std::string& body_output, const std::string& loop_output,
             std::unordered_map<std::string, std::string>& renames) {
    if (loop_output.empty()) return;
    for (const auto& node : body_.node()) {
      for (const auto& output : node.output()) {
        if (output == body_output) {
          renames[output] = loop_output;
          return;
        }
      }
    }
  }

  void Forward(const std::string& value, const std::string& loop_output, int j) {
    if (loop_output.empty() || value == loop_output) return;
    onnx::NodeProto* identity = into_.Add();
    identity->set_op_type("Identity");
    identity->set_name(label_ + "/carried_" + std::to_string(j));
    identity->add_input(value);
    identity->add_output(loop_output);
  }

  // A scan output stacks one body output per iteration along a new axis 0.
  void Stack(const std::vector<std::string>& parts, const std::string& loop_output, int s) {
    if (loop_output.empty()) return;
    const std::string axes = label_ + "/scan_axes";
    if (s == 0) {
      onnx::TensorProto* zero = graph_.add_initializer();
      zero->set_name(axes);
      zero->set_data_type(onnx::TensorProto::INT64);
      zero->add_dims(1);
      zero->add_int64_data(0);
    }
    onnx::NodeProto concat;
    concat.set_op_type("Concat");
    concat.set_name(label_ + "/scan_" + std::to_string(s));
    concat.add_output(loop_output);
    onnx::AttributeProto* axis = concat.add_attribute();
    axis->set_name("axis");
    axis->set_type(onnx::AttributeProto::INT);
    axis->set_i(0);
    for (const std::string& part : parts) {
      onnx::NodeProto* unsqueeze = into_.Add();
      unsqueeze->set_op_type("Unsqueeze");
      unsqueeze->set_name(part + "/stacked");
      unsqueeze->add_input(part);
      unsqueeze->add_input(axes);
      unsqueeze->add_output(part + "/stacked");
      concat.add_input(part + "/stacked");
    }
    *into_.Add() = std::move(concat);
  }

  const onnx::NodeProto& loop_;
  std::string label_;
  const onnx::GraphProto& body_;
  int64_t trips_;
  google::protobuf::RepeatedPtrField<onnx::NodeProto>& into_;
  onnx::GraphProto& graph_;
};

}  // namespace

int UnrollKnownLoops(onnx::GraphProto& graph, const NameIndex& index, const std::vector<ValueInfo>& values,
                     int64_t opset) {
  std::vector<int64_t> trips(static_cast<size_t>(graph.node_size()), -1);
  int count = 0;
  for (int n = 0; n < graph.node_size(); ++n) {
    const onnx::NodeProto& node = graph.node(n);
    const onnx::GraphProto* body = node.op_type() == "Loop" && DefaultDomain(node) ? Body(node) : nullptr;
    if (body == nullptr || node.input_size() < 2 || opset < 13) continue;  // Unsqueeze's axes as an input
    const std::optional<int64_t> m = KnownInt(index, values, node.input(0));
    if (!m || *m < 1 || *m > kMaxTrips || *m * body->node_size() > kMaxCopiedNodes) continue;
    if (!CarriesSequence(graph, node, *body) || !RunsAllTrips(node, *body, index, values)) continue;
    trips[static_cast<size_t>(n)] = *m;
    ++count;
  }
  if (count == 0) return 0;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (int n = 0; n < graph.node_size(); ++n) {
    const onnx::NodeProto& node = graph.node(n);
    if (trips[static_cast<size_t>(n)] < 0) {
      *nodes.Add() = node;
      continue;
    }
    Unroller(node, n, *Body(node), trips[static_cast<size_t>(n)], nodes, graph).Run();
  }
  graph.mutable_node()->Swap(&nodes);
  return count;
}

namespace {

// The tensors a sequence holds, when every step that built it is known.
using Lists = std::unordered_map<std::string, std::vector<std::string>>;

bool BuildsList(const onnx::NodeProto& node, const NameIndex& index, const std::vector<ValueInfo>& values,
                Lists& lists) {
  const std::string& op = node.op_type();
  if (node.output_size() != 1) return false;
  if (op == "SequenceEmpty") {
    lists[node.output(0)] = {};
    return true;
  }
  if (op == "SequenceConstruct") {
    lists[node.output(0)] = {node.input().begin(), node.input().end()};
    return true;
  }
  if (op != "SequenceInsert" || node.input_size() < 2) return false;
  auto from = lists.find(node.input(0));
  if (from == lists.end()) return false;
  std::vector<std::string> list = from->second;
  int64_t at = static_cast<int64_t>(list.size());
  if (node.input_size() > 2 && !node.input(2).empty()) {
    const std::optional<int64_t> position = KnownInt(index, values, node.input(2));
    if (!position) return false;
    at = *position < 0 ? *position + static_cast<int64_t>(list.size()) : *position;
    if (at < 0 || at > static_cast<int64_t>(list.size())) return false;
  }
  list.insert(list.begin() + at, node.input(1));
  lists[node.output(0)] = std::move(list);
  return true;
}

}  // namespace

int EliminateKnownSequences(onnx::GraphProto& graph, const NameIndex& index, const std::vector<ValueInfo>& values) {
  Lists lists;
  int changed = 0;
  std::unordered_map<std::string, std::string> renames;  // SequenceAt outputs -> the tensor they pick
  std::set<int> rewritten;
  std::unordered_set<std::string> graph_outputs;
  for (const auto& output : graph.output()) graph_outputs.insert(output.name());
  for (int n = 0; n < graph.node_size(); ++n) {
    onnx::NodeProto& node = *graph.mutable_node(n);
    if (!DefaultDomain(node)) continue;
    if (BuildsList(node, index, values, lists)) {
      rewritten.insert(n);
      continue;
    }
    const std::string& op = node.op_type();
    auto list = node.input_size() > 0 ? lists.find(node.input(0)) : lists.end();
    if (list == lists.end() || node.output_size() != 1) continue;
    const auto size = static_cast<int64_t>(list->second.size());
    if (op == "SequenceAt" && node.input_size() == 2) {
      std::optional<int64_t> position = KnownInt(index, values, node.input(1));
      if (!position) continue;
      const int64_t at = *position < 0 ? *position + size : *position;
      if (at < 0 || at >= size) {
        throw Error("node '" + NodeLabel(node, n) + "' (SequenceAt): position " + std::to_string(*position) +
                    " is outside a sequence of " + std::to_string(size));
      }
      const std::string& picked = list->second[static_cast<size_t>(at)];
      if (graph_outputs.count(node.output(0)) == 0) {
        renames[node.output(0)] = picked;
        rewritten.insert(n);
      } else {
        node.set_op_type("Identity");
        node.mutable_input()->Clear();
        node.add_input(picked);
        ++changed;
      }
    } else if (op == "SequenceLength") {
      const std::string output = node.output(0), name = node.name();
      node.Clear();
      node.set_op_type("Constant");
      node.set_name(name);
      node.add_output(output);
      onnx::AttributeProto* attribute = node.add_attribute();
      attribute->set_name("value");
      attribute->set_type(onnx::AttributeProto::TENSOR);
      attribute->mutable_t()->set_data_type(onnx::TensorProto::INT64);
      attribute->mutable_t()->add_int64_data(size);
      ++changed;
    } else if (op == "ConcatFromSequence" && size > 0) {
      bool new_axis = false;
      for (const auto& attribute : node.attribute()) new_axis = new_axis || (attribute.name() == "new_axis" && attribute.i() != 0);
      if (new_axis) continue;  // Stack: left to ONNX (rare in exports)
      node.set_op_type("Concat");
      node.mutable_input()->Clear();
      for (const std::string& part : list->second) node.add_input(part);
      auto* attributes = node.mutable_attribute();
      for (int a = attributes->size() - 1; a >= 0; --a) {
        if (attributes->Get(a).name() == "new_axis") attributes->DeleteSubrange(a, 1);
      }
      ++changed;
    }
  }
  if (rewritten.empty()) return changed;
  RenameValues(graph, renames);
  // Keep a list-building node whose sequence something still reads, and the
  // steps that built it (walking back: nodes are in topological order).
  std::unordered_set<std::string> read(graph_outputs);
  for (int n = 0; n < graph.node_size(); ++n) {
    if (rewritten.count(n) != 0) continue;
    for (const auto& input : graph.node(n).input()) read.insert(input);
  }
  std::vector<bool> drop(static_cast<size_t>(graph.node_size()), false);
  for (int n = graph.node_size() - 1; n >= 0; --n) {
    const onnx::NodeProto& node = graph.node(n);
    if (rewritten.count(n) == 0) continue;
    if (node.op_type() == "SequenceAt" || read.count(node.output(0)) == 0) {
      drop[static_cast<size_t>(n)] = true;
    } else {
      for (const auto& input : node.input()) read.insert(input);
    }
  }
  google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
  int removed = 0;
  for (int n = 0; n < graph.node_size(); ++n) {
    if (drop[static_cast<size_t>(n)]) {
      ++removed;
    } else {
      *kept.Add() = graph.node(n);
    }
  }
  graph.mutable_node()->Swap(&kept);
  return changed + removed + static_cast<int>(renames.size());
}

}  // namespace dnnpart
