// Private: writes a stage model whose large inline weights the loader left in
// the source file (loader/model_file.h). The stage's structure is serialized
// by protobuf; each deferred initializer is then emitted by hand with its
// raw_data field streamed from the source file in 1 MB pieces, so no stage's
// weights are ever held in memory. Not thread-safe (one AtomicFile).
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "split/atomic_file.h"

namespace dnnpart {

// True when some initializer of the main graph is deferred.
bool HasDeferredWeights(const onnx::ModelProto& model);

// Writes `model` (consumed) to `file` with every deferred initializer's bytes
// read from `source_path` and stored inline as raw_data. Throws Error when the
// source file cannot be read or is shorter than recorded, or the stage would
// exceed the 2 GB a protobuf message can hold.
void WriteWithInlineWeights(onnx::ModelProto& model, const std::string& source_path, AtomicFile& file);

}  // namespace dnnpart
