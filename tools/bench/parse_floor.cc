// The benchmark floor: a bare process that only parses an .onnx file and runs
// ONNX shape inference, nothing else. docs/benchmarks.md compares
// `dnnpart cuts` against it.
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: dnnpart_parse_floor MODEL.onnx\n";
    return 1;
  }
  std::ifstream file(argv[1], std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) {
    std::cerr << "parse failed\n";
    return 1;
  }
  onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                     onnx::ShapeInferenceOptions(false, 0, true));
  std::cout << model.graph().value_info_size() << "\n";
  return 0;
}
