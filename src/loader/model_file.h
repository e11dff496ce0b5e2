// Private: reads an .onnx file into a ModelProto without copying the bytes
// of its large inline initializers (docs/loading.md, "Large models").
//
// The file is memory-mapped and its protobuf wire format walked once: every
// field is copied into a compact buffer except the raw_data of top-level
// graph initializers of at least kDeferredRawDataBytes, whose pages are never
// touched. The compact buffer is then parsed as usual, and each such
// initializer is marked as external data pointing at its own bytes inside
// the model file (offset and length), plus the key kDeferredKey. Everything
// that treats external data as "value not known at load time" treats these
// alike; the split writer puts their bytes back inline. Peak memory is the
// size of the graph, not of the weights. Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <onnx/onnx_pb.h>

namespace dnnpart {

// Inline raw_data of at least this many bytes stays in the file.
inline constexpr int64_t kDeferredRawDataBytes = 64 * 1024;
// The external_data key that marks a deferred inline initializer.
inline constexpr const char* kDeferredKey = "dnnpart_inline";

// Fills `model` from the file at `path`. Throws Error (without the path:
// the caller adds it) when the file is not a regular file, is empty, larger
// than 2 GB, or not a well-formed protobuf ModelProto.
void ReadModelFile(const std::string& path, onnx::ModelProto& model);

// Where a deferred initializer's bytes are in its model file.
struct DeferredRange {
  int64_t offset = 0;
  int64_t length = 0;
};

// The range of a tensor ReadModelFile deferred; nullopt for any other tensor.
std::optional<DeferredRange> DeferredData(const onnx::TensorProto& tensor);

}  // namespace dnnpart
