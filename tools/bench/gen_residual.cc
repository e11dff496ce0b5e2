// Writes a synthetic residual network with about N layers for benchmarks:
// input -> Conv stem -> repeated blocks (Conv -> Relu -> Conv -> Add(skip) -> Relu)
// -> output. Weights are external (structure-only), like the bundled models.
#include <onnx/onnx_pb.h>

#include <fstream>
#include <iostream>
#include <string>

namespace {

void AddWeight(onnx::GraphProto& graph, const std::string& name, int channels) {
  auto* w = graph.add_initializer();
  w->set_name(name);
  w->set_data_type(onnx::TensorProto::FLOAT);
  for (int d : {channels, channels, 3, 3}) w->add_dims(d);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* loc = w->add_external_data();
  loc->set_key("location");
  loc->set_value("absent.bin");
}

void AddNode(onnx::GraphProto& graph, const std::string& op, const std::string& name,
             std::initializer_list<std::string> inputs, const std::string& output) {
  auto* node = graph.add_node();
  node->set_op_type(op);
  node->set_name(name);
  for (const auto& in : inputs) node->add_input(in);
  node->add_output(output);
  if (op == "Conv") {
    auto* pads = node->add_attribute();
    pads->set_name("pads");
    pads->set_type(onnx::AttributeProto::INTS);
    for (int i = 0; i < 4; ++i) pads->add_ints(1);
  }
}

void AddValue(onnx::ValueInfoProto* value, const std::string& name, int channels, int extent) {
  value->set_name(name);
  auto* type = value->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::FLOAT);
  for (int d : {1, channels, extent, extent}) type->mutable_shape()->add_dim()->set_dim_value(d);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: dnnpart_gen_residual LAYERS OUT.onnx\n";
    return 1;
  }
  const int layers = std::stoi(argv[1]);
  const int channels = 16, extent = 8;
  onnx::ModelProto model;
  model.set_ir_version(7);
  model.set_producer_name("dnnpart_gen_residual");
  auto* opset = model.add_opset_import();
  opset->set_version(13);
  auto& graph = *model.mutable_graph();
  graph.set_name("residual");
  AddValue(graph.add_input(), "input", channels, extent);
  AddWeight(graph, "stem.w", channels);
  AddNode(graph, "Conv", "stem", {"input", "stem.w"}, "x0");
  std::string x = "x0";
  const int blocks = (layers - 1) / 5;
  for (int b = 0; b < blocks; ++b) {
    const std::string p = "b" + std::to_string(b);
    AddWeight(graph, p + ".w1", channels);
    AddWeight(graph, p + ".w2", channels);
    AddNode(graph, "Conv", p + "/conv1", {x, p + ".w1"}, p + ".c1");
    AddNode(graph, "Relu", p + "/relu1", {p + ".c1"}, p + ".r1");
    AddNode(graph, "Conv", p + "/conv2", {p + ".r1", p + ".w2"}, p + ".c2");
    AddNode(graph, "Add", p + "/add", {p + ".c2", x}, p + ".a");
    AddNode(graph, "Relu", p + "/relu2", {p + ".a"}, p + ".out");
    x = p + ".out";
  }
  AddValue(graph.add_output(), x, channels, extent);
  std::ofstream out(argv[2], std::ios::binary);
  if (!model.SerializeToOstream(&out)) {
    std::cerr << "cannot write " << argv[2] << "\n";
    return 1;
  }
  return 0;
}
