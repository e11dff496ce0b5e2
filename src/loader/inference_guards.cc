#include "loader/inference_guards.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "dnnpart/error.h"

namespace dnnpart {
namespace {

bool IsDefaultDomain(const onnx::NodeProto& node) {
  return node.domain().empty() || node.domain() == "ai.onnx";
}

// The integer ONNX reads for attribute `name`: the first attribute of that
// name (as the inference context finds it) whose `i` is set, whatever its
// declared type (a fuzzed type once hid a negative batch_dims).
int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  for (const auto& attribute : node.attribute()) {
    if (attribute.name() == name) return attribute.has_i() ? attribute.i() : fallback;
  }
  return fallback;
}

// A size attribute ONNX divides by holds a value below 1. Attributes that
// refer to the calling node's (in a function body) are not known here.
bool HasNonPositiveSize(const onnx::NodeProto& node) {
  static constexpr std::string_view kPositive[] = {"strides", "dilations", "kernel_shape", "blocksize"};
  for (const auto& attribute : node.attribute()) {
    if (!attribute.ref_attr_name().empty()) continue;
    if (std::find(std::begin(kPositive), std::end(kPositive), attribute.name()) == std::end(kPositive)) continue;
    if (attribute.has_i() && attribute.i() < 1) return true;
    if (std::any_of(attribute.ints().begin(), attribute.ints().end(), [](int64_t v) { return v < 1; })) return true;
  }
  return false;
}

// The graph attribute a control-flow node lacks ("" when none): ONNX's
// inference functions dereference the inferencer of each unchecked.
std::string MissingBody(const onnx::NodeProto& node) {
  static const std::map<std::string, std::vector<std::string>, std::less<>> kBodies = {
      {"If", {"then_branch", "else_branch"}}, {"Loop", {"body"}}, {"Scan", {"body"}}};
  auto bodies = kBodies.find(node.op_type());
  if (!IsDefaultDomain(node) || bodies == kBodies.end()) return "";
  for (const std::string& name : bodies->second) {
    const bool present = std::any_of(node.attribute().begin(), node.attribute().end(),
                                     [&](const auto& attribute) { return attribute.name() == name && attribute.has_g(); });
    if (!present) return name;
  }
  return "";
}

// Walks bodies breadth-first; each local function is visited once.
class BodyWalk {
 public:
  explicit BodyWalk(const std::unordered_map<std::string, const onnx::FunctionProto*>& functions)
      : functions_(functions) {}

  bool Unsafe(const onnx::NodeProto& node, const onnx::FunctionProto* local) {
    AddSubgraphs(node);
    if (local != nullptr) AddFunction(*local);
    for (size_t i = 0; i < pending_.size(); ++i) {
      const onnx::NodeProto& body_node = *pending_[i];
      if (IsDefaultDomain(body_node) && IsRankTrustingOp(body_node.op_type())) return true;
      if (HasNonPositiveSize(body_node) || body_node.output_size() == 0) return true;
      if (!MissingBody(body_node).empty()) return true;
      AddSubgraphs(body_node);
      auto called = functions_.find(body_node.domain() + ":" + body_node.op_type());
      if (called != functions_.end()) AddFunction(*called->second);
    }
    return false;
  }

 private:
  void AddGraph(const onnx::GraphProto& graph) {
    for (const auto& node : graph.node()) pending_.push_back(&node);
  }
  void AddSubgraphs(const onnx::NodeProto& node) {
    for (const auto& attribute : node.attribute()) {
      if (attribute.has_g()) AddGraph(attribute.g());
      for (const auto& graph : attribute.graphs()) AddGraph(graph);
    }
  }
  void AddFunction(const onnx::FunctionProto& function) {
    if (!visited_.insert(&function).second) return;
    for (const auto& node : function.node()) pending_.push_back(&node);
  }

  const std::unordered_map<std::string, const onnx::FunctionProto*>& functions_;
  std::vector<const onnx::NodeProto*> pending_;
  std::set<const onnx::FunctionProto*> visited_;
};

}  // namespace

bool IsRankTrustingOp(const std::string& op) {
  static const std::set<std::string, std::less<>> kOps = {
      "AveragePool", "Conv",     "ConvInteger", "ConvTranspose",      "Gemm", "GatherND",
      "LpPool",      "MaxPool",  "MaxUnpool",   "LayerNormalization", "QLinearConv", "STFT"};
  return kOps.count(op) != 0;
}

void CheckRankTrustingInputs(const onnx::NodeProto& node, const std::string& label, const InputRankFn& rank) {
  const std::string& op = node.op_type();
  auto refuse = [&](const std::string& what) { throw Error("node '" + label + "' (" + op + "): " + what); };
  if (const std::string body = MissingBody(node); !body.empty()) {
    refuse("the graph attribute '" + body + "' is missing");
  }
  auto need_rank = [&](int i, int wanted) {
    const int r = rank(i);
    if (r >= 0 && r != wanted) {
      refuse("input '" + node.input(i) + "' has rank " + std::to_string(r) + "; it must have rank " +
             std::to_string(wanted));
    }
  };
  if (op == "Conv" || op == "ConvTranspose" || op == "ConvInteger" || op == "QLinearConv") {
    // ONNX's ConvTranspose multiplies the output channels by it unchecked
    // (0 channels, or a negative extent); Conv's ignores it.
    const int64_t group = IntAttribute(node, "group", 1);
    if (group < 1) refuse("attribute 'group' is " + std::to_string(group) + "; it must be 1 or more");
  } else if (op == "Transpose") {
    // ONNX checks each perm entry but not their count: perm [0] over a
    // rank-2 input gave a rank-1 output. (Not a memory fault: bodies with a
    // Transpose are still inferred by ONNX.)
    const int r = rank(0);
    for (const auto& attribute : node.attribute()) {
      if (attribute.name() == "perm" && r >= 0 && attribute.ints_size() != r) {
        refuse("attribute 'perm' has " + std::to_string(attribute.ints_size()) + " entries but input '" +
               node.input(0) + "' has rank " + std::to_string(r));
      }
    }
  } else if (op == "Gemm") {
    // ONNX 1.12's Gemm-6 takes the output's extents from both inputs'
    // dimensions by transA/transB without checking their ranks.
    need_rank(0, 2);
    need_rank(1, 2);
  } else if (op == "STFT") {
    need_rank(0, 3);  // [batch, signal_length, 1 or 2]; ONNX reads all three
  } else if (op == "LayerNormalization") {
    // ONNX sets the statistics' extents from `axis` (made non-negative) to
    // the rank without checking the range.
    const int r = rank(0);
    const int64_t axis = IntAttribute(node, "axis", -1);
    if (r == 0) refuse("input '" + node.input(0) + "' has rank 0; it needs rank 1 or more");
    if (r > 0 && (axis < -r || axis >= r)) {
      refuse("attribute 'axis' is " + std::to_string(axis) + " but input '" + node.input(0) + "' has rank " +
             std::to_string(r) + "; it must be between " + std::to_string(-r) + " and " + std::to_string(r - 1));
    }
  } else if (op == "GatherND") {
    // ONNX checks only the upper bound; a negative one indexes before the
    // data's first dimension.
    const int64_t batch_dims = IntAttribute(node, "batch_dims", 0);
    if (batch_dims < 0) refuse("attribute 'batch_dims' is " + std::to_string(batch_dims) + "; it must be 0 or more");
  }
}

void CheckAxes(const onnx::NodeProto& node, const std::string& label, int64_t opset, const InputRankFn& rank,
               const InputIntsFn& ints) {
  if (!IsDefaultDomain(node)) return;
  static const std::set<std::string, std::less<>> kAxis = {
      "Softmax", "LogSoftmax", "Hardmax", "LpNormalization", "TopK", "GatherElements", "ScatterElements", "Scatter"};
  static const std::set<std::string, std::less<>> kAxes = {
      "ReduceL1",  "ReduceL2",  "ReduceLogSum",  "ReduceLogSumExp", "ReduceMax", "ReduceMean",
      "ReduceMin", "ReduceProd", "ReduceSum",    "ReduceSumSquare", "Squeeze",   "MeanVarianceNormalization",
      "Slice"};
  static const std::set<std::string, std::less<>> kNeedAxes = {"BatchNormalization", "InstanceNormalization", "LRN"};
  const std::string& op = node.op_type();
  const int r = rank(0);
  auto refuse = [&](const std::string& what) { throw Error("node '" + label + "' (" + op + "): " + what); };
  if (kNeedAxes.count(op) != 0 && r == 0) {
    refuse("input '" + node.input(0) + "' has rank 0; it needs a channel axis");
  }
  if (op == "PRelu" && r >= 0 && rank(1) > r) {
    refuse("input '" + node.input(1) + "' has rank " + std::to_string(rank(1)) + ", more than input '" +
           node.input(0) + "' (rank " + std::to_string(r) + "); the slope must broadcast to it");
  }
  if (r < 0) return;
  const bool coerced = (op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") && opset < 13;
  const int64_t high = coerced ? r : r - 1;
  auto check = [&](const std::string& name, int64_t value) {
    if (value >= -r && value <= high) return;
    refuse("attribute '" + name + "' holds " + std::to_string(value) + " but input '" + node.input(0) + "' has rank " +
           std::to_string(r) + "; it must be between " + std::to_string(-r) + " and " + std::to_string(high));
  };
  for (const auto& attribute : node.attribute()) {
    if (!attribute.ref_attr_name().empty()) continue;
    if (attribute.name() == "axis" && kAxis.count(op) != 0 && attribute.has_i()) check("axis", attribute.i());
    if (attribute.name() == "axes" && kAxes.count(op) != 0) {
      for (const int64_t axis : attribute.ints()) check("axes", axis);
    }
  }
  // Axes given as an input (opset 10 on for Slice, 13 for ReduceSum and
  // Squeeze, 18 for the other Reduce operators; CumSum always).
  int axes_input = -1;
  if (op == "Slice") axes_input = 3;
  if (op == "CumSum" || (kAxes.count(op) != 0 && op != "Slice" && op != "MeanVarianceNormalization")) axes_input = 1;
  if (axes_input < 0 || axes_input >= node.input_size() || node.input(axes_input).empty()) return;
  if (const std::vector<int64_t>* values = ints(axes_input)) {
    for (const int64_t axis : *values) {
      if (axis >= -r && axis <= r - 1) continue;
      refuse("input '" + node.input(axes_input) + "' holds axis " + std::to_string(axis) + " but input '" +
             node.input(0) + "' has rank " + std::to_string(r) + "; it must be between " + std::to_string(-r) +
             " and " + std::to_string(r - 1));
    }
  }
}

bool BodyUnsafeForOnnx(const onnx::NodeProto& node, const onnx::FunctionProto* local,
                       const std::unordered_map<std::string, const onnx::FunctionProto*>& functions) {
  return BodyWalk(functions).Unsafe(node, local);
}

}  // namespace dnnpart
