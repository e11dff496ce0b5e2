// Private: the parsed ONNX model a Model keeps, for modules inside the core
// library that need the original nodes (the split module). The proto is the
// one the loader rewrote: bound inputs are initializers, known Ifs are
// inlined; folded and dead nodes are still in it. Read-only, like Model.
#pragma once

#include <google/protobuf/arena.h>
#include <onnx/onnx_pb.h>

#include "dnnpart/model.h"

namespace dnnpart {

// The parsed model lives on a protobuf arena: parsing allocates from large
// blocks, and freeing the model frees the blocks, not each message.
struct Model::Onnx {
  google::protobuf::Arena arena;
  onnx::ModelProto& proto = *google::protobuf::Arena::CreateMessage<onnx::ModelProto>(&arena);
};

struct ModelInternals {
  static const onnx::ModelProto& Proto(const Model& model) { return model.onnx_->proto; }
};

}  // namespace dnnpart
