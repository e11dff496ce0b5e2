#include "split/inline_weights.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

#include "dnnpart/error.h"
#include "loader/model_file.h"

namespace dnnpart {
namespace {

constexpr uint64_t kLengthDelimited = 2;
constexpr uint64_t kModelGraph = 7;
constexpr uint64_t kGraphInitializer = 5;
constexpr uint64_t kTensorRawData = 9;

void PutVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

uint64_t VarintBytes(uint64_t value) {
  uint64_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

void PutField(std::string& out, uint64_t number, uint64_t length) {
  PutVarint(out, (number << 3) | kLengthDelimited);
  PutVarint(out, length);
}

// One initializer as written: its serialized fields, then (when deferred)
// the raw_data header and the range to copy.
struct Piece {
  std::string head;
  DeferredRange range;
  bool deferred = false;
  uint64_t size() const { return head.size() + (deferred ? static_cast<uint64_t>(range.length) : 0); }
};

class SourceFile {
 public:
  explicit SourceFile(const std::string& path) : path_(path), fd_(open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw Error(path + ": cannot open the model again to copy its weights (" + std::strerror(errno) + ")");
  }
  ~SourceFile() { close(fd_); }
  SourceFile(const SourceFile&) = delete;
  SourceFile& operator=(const SourceFile&) = delete;

  void CopyTo(const DeferredRange& range, const std::string& tensor, AtomicFile& file) {
    file.CopyFrom(fd_, range.offset, range.length,
                  path_ + ": the weights of initializer '" + tensor + "' (the file changed?)");
  }

 private:
  std::string path_;
  int fd_;
};

}  // namespace

bool HasDeferredWeights(const onnx::ModelProto& model) {
  for (const auto& tensor : model.graph().initializer()) {
    if (DeferredData(tensor)) return true;
  }
  return false;
}

void WriteWithInlineWeights(onnx::ModelProto& model, const std::string& source_path, AtomicFile& file) {
  onnx::GraphProto graph;
  graph.Swap(model.mutable_graph());
  model.clear_graph();
  google::protobuf::RepeatedPtrField<onnx::TensorProto> initializers;
  initializers.Swap(graph.mutable_initializer());
  std::vector<Piece> pieces;
  uint64_t graph_bytes = graph.ByteSizeLong();
  for (onnx::TensorProto& tensor : initializers) {
    Piece piece;
    if (const auto range = DeferredData(tensor)) {
      piece.range = *range;
      piece.deferred = true;
      tensor.clear_external_data();
      tensor.clear_data_location();
    }
    piece.head = tensor.SerializeAsString();
    if (piece.deferred) PutField(piece.head, kTensorRawData, static_cast<uint64_t>(piece.range.length));
    graph_bytes += 1 + VarintBytes(piece.size()) + piece.size();
    pieces.push_back(std::move(piece));
  }
  std::string head = model.SerializeAsString();
  const uint64_t total = head.size() + 1 + VarintBytes(graph_bytes) + graph_bytes;
  if (total > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
    throw Error("the stage would hold " + std::to_string(total) +
                " bytes, more than the 2 GB a protobuf message can hold; keep the model's weights as external data");
  }
  PutField(head, kModelGraph, graph_bytes);
  head += graph.SerializeAsString();
  file.Write(head);
  SourceFile source(source_path);
  for (size_t i = 0; i < pieces.size(); ++i) {
    std::string prefix;
    PutField(prefix, kGraphInitializer, pieces[i].size());
    file.Write(prefix);
    file.Write(pieces[i].head);
    if (pieces[i].deferred) source.CopyTo(pieces[i].range, initializers.Get(static_cast<int>(i)).name(), file);
  }
}

}  // namespace dnnpart
