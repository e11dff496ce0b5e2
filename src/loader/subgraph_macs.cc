#include "loader/subgraph_macs.h"

#include <algorithm>
#include <map>
#include <string>

#include "loader/shape_propagation.h"
#include "macs.h"

namespace dnnpart {
namespace {

void Add(SubgraphMacs& total, const SubgraphMacs& part) {
  total.modelled = total.modelled && part.modelled;
  total.overflow = total.overflow || part.overflow || __builtin_add_overflow(total.macs, part.macs, &total.macs);
}

// What CountMacs reads of one node (as the loader's DescribeNode does for
// top-level nodes): input and output shapes and the integer attributes.
OpDescription Describe(const onnx::NodeProto& node, const std::function<const Shape*(std::string_view)>& shape_of) {
  OpDescription op;
  op.op_type = node.op_type();
  for (const auto& input : node.input()) {
    const Shape* shape = input.empty() ? nullptr : shape_of(input);
    op.input_shapes.push_back(shape != nullptr ? std::optional<Shape>(*shape) : std::nullopt);
  }
  if (node.output_size() > 0) {
    const Shape* shape = shape_of(node.output(0));
    op.output_shapes.push_back(shape != nullptr ? *shape : Shape{});
  }
  for (const auto& attribute : node.attribute()) {
    if (attribute.type() == onnx::AttributeProto::INT) op.int_attributes[attribute.name()] = {attribute.i()};
    if (attribute.type() == onnx::AttributeProto::INTS) {
      op.int_attributes[attribute.name()].assign(attribute.ints().begin(), attribute.ints().end());
    }
  }
  return op;
}

// A subgraph's scalar integer constant (a nested Loop's trip count).
std::optional<int64_t> ScalarConstant(const onnx::GraphProto& graph, const std::string& name) {
  for (const auto& initializer : graph.initializer()) {
    if (initializer.name() != name || initializer.int64_data_size() != 1) continue;
    return initializer.int64_data(0);
  }
  return std::nullopt;
}

}  // namespace

SubgraphMacs CountSubgraphMacs(const onnx::GraphProto& graph, const OuterShape& outer) {
  std::map<std::string, Shape, std::less<>> shapes;
  auto record = [&shapes](const onnx::ValueInfoProto& info) {
    if (auto shape = StaticShape(info.type())) shapes.emplace(info.name(), std::move(*shape));
  };
  for (const auto& info : graph.input()) record(info);
  for (const auto& info : graph.value_info()) record(info);
  for (const auto& info : graph.output()) record(info);
  for (const auto& initializer : graph.initializer()) {
    shapes.emplace(initializer.name(), Shape(initializer.dims().begin(), initializer.dims().end()));
  }
  const OuterShape shape_of = [&](std::string_view name) -> const Shape* {
    auto it = shapes.find(name);
    return it != shapes.end() ? &it->second : outer(name);
  };
  SubgraphMacs total;
  for (const auto& node : graph.node()) {
    if (node.op_type() == "Loop" || node.op_type() == "If") {
      const std::optional<int64_t> trips =
          node.op_type() == "Loop" && node.input_size() > 0 ? ScalarConstant(graph, node.input(0)) : std::nullopt;
      Add(total, ControlFlowMacs(node, trips, shape_of));
      continue;
    }
    const MacCount count = CountMacs(Describe(node, shape_of));
    Add(total, {count.macs, count.modelled, count.overflow});
  }
  return total;
}

SubgraphMacs ControlFlowMacs(const onnx::NodeProto& node, std::optional<int64_t> trip_count, const OuterShape& outer) {
  SubgraphMacs result;
  if (node.op_type() == "Loop") {
    const onnx::GraphProto* body = nullptr;
    for (const auto& attribute : node.attribute()) {
      if (attribute.name() == "body" && attribute.has_g()) body = &attribute.g();
    }
    if (body == nullptr || !trip_count || *trip_count < 0) return {0, false, false};
    result = CountSubgraphMacs(*body, outer);
    result.overflow = result.overflow || __builtin_mul_overflow(result.macs, *trip_count, &result.macs);
    return result;
  }
  bool first = true;
  for (const auto& attribute : node.attribute()) {
    if ((attribute.name() != "then_branch" && attribute.name() != "else_branch") || !attribute.has_g()) continue;
    const SubgraphMacs branch = CountSubgraphMacs(attribute.g(), outer);
    result.macs = first ? branch.macs : std::max(result.macs, branch.macs);
    result.modelled = result.modelled && branch.modelled;
    result.overflow = result.overflow || branch.overflow;
    first = false;
  }
  if (first) result.modelled = false;
  return result;
}

}  // namespace dnnpart
