#include "loader/model_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>

#include "dnnpart/error.h"
#include "input_file.h"

namespace dnnpart {
namespace {

// Field numbers of onnx.proto3 the walk looks into.
constexpr uint64_t kModelGraph = 7;         // ModelProto.graph
constexpr uint64_t kGraphInitializer = 5;   // GraphProto.initializer
constexpr uint64_t kTensorRawData = 9;      // TensorProto.raw_data
constexpr uint64_t kLengthDelimited = 2;    // wire type

std::string Errno() { return std::strerror(errno); }

[[noreturn]] void Malformed() { throw Error("not a valid ONNX model: the protobuf data is malformed or truncated"); }

void PutVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// A read-only view of the whole file, unmapped on destruction.
class Mapping {
 public:
  explicit Mapping(const std::string& path) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) throw Error("cannot open the file (" + Errno() + ")");
    struct stat info {};
    if (fstat(fd, &info) != 0) {
      close(fd);
      throw Error("cannot read the file (" + Errno() + ")");
    }
    if (!S_ISREG(info.st_mode)) {
      close(fd);
      throw Error("is not a regular file (a FIFO, device or socket); give an .onnx file");
    }
    size_ = static_cast<size_t>(info.st_size);
    if (size_ == 0) {
      close(fd);
      throw Error("the file is empty");
    }
    if (info.st_size > std::numeric_limits<int>::max()) {
      close(fd);
      throw Error("the file is larger than the 2 GB a protobuf message can hold; keep large weights as external data");
    }
    void* data = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (data == MAP_FAILED) throw Error("cannot map the file (" + Errno() + ")");
    data_ = static_cast<const uint8_t*>(data);
  }
  ~Mapping() { munmap(const_cast<uint8_t*>(data_), size_); }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  const uint8_t* begin() const { return data_; }
  const uint8_t* end() const { return data_ + size_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Walks the wire format of ModelProto → GraphProto → TensorProto, copying
// every field but large initializer raw_data.
class Compactor {
 public:
  explicit Compactor(const uint8_t* file) : file_(file) {}

  std::string Model(const uint8_t* p, const uint8_t* end) { return Walk(p, end, Level::kModel); }
  // Per initializer index: where its deferred raw_data is.
  const std::map<int, DeferredRange>& deferred() const { return deferred_; }

 private:
  enum class Level { kModel, kGraph, kTensor };

  static uint64_t Varint(const uint8_t*& p, const uint8_t* end) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p == end) Malformed();
      const uint8_t byte = *p++;
      value |= uint64_t{byte & 0x7Fu} << shift;
      if ((byte & 0x80) == 0) return value;
    }
    Malformed();
  }

  static void Skip(const uint8_t*& p, const uint8_t* end, size_t n) {
    if (static_cast<size_t>(end - p) < n) Malformed();
    p += n;
  }

  std::string Walk(const uint8_t* p, const uint8_t* end, Level level) {
    std::string out;
    while (p != end) {
      const uint8_t* field = p;
      const uint64_t tag = Varint(p, end);
      const uint64_t number = tag >> 3;
      const uint64_t wire = tag & 7;
      if (number == 0) Malformed();
      if (wire == 0) {
        Varint(p, end);
      } else if (wire == 1) {
        Skip(p, end, 8);
      } else if (wire == 5) {
        Skip(p, end, 4);
      } else if (wire != kLengthDelimited) {
        Malformed();  // groups: not used by ONNX
      } else {
        const uint64_t length = Varint(p, end);
        if (length > static_cast<uint64_t>(end - p)) Malformed();
        const uint8_t* body = p;
        p += length;
        if (Descend(level, number, body, p, out)) continue;
      }
      out.append(reinterpret_cast<const char*>(field), static_cast<size_t>(p - field));
    }
    return out;
  }

  // Handles a length-delimited field [body, end) when it is one the walk
  // rewrites; returns false to copy it as it is.
  bool Descend(Level level, uint64_t number, const uint8_t* body, const uint8_t* end, std::string& out) {
    if (level == Level::kModel && number == kModelGraph) {
      Nest(out, number, Walk(body, end, Level::kGraph));
      return true;
    }
    if (level == Level::kGraph && number == kGraphInitializer) {
      tensor_ = next_tensor_++;
      Nest(out, number, Walk(body, end, Level::kTensor));
      return true;
    }
    if (level == Level::kTensor && number == kTensorRawData) {
      const auto length = static_cast<int64_t>(end - body);
      if (length < kDeferredRawDataBytes) {
        deferred_.erase(tensor_);  // the last raw_data wins, as in protobuf
        return false;
      }
      deferred_[tensor_] = {static_cast<int64_t>(body - file_), length};
      return true;
    }
    return false;
  }

  static void Nest(std::string& out, uint64_t number, const std::string& body) {
    PutVarint(out, (number << 3) | kLengthDelimited);
    PutVarint(out, body.size());
    out += body;
  }

  const uint8_t* file_;
  std::map<int, DeferredRange> deferred_;
  int next_tensor_ = 0;
  int tensor_ = -1;
};

void MarkDeferred(onnx::TensorProto& tensor, const std::string& location, const DeferredRange& range) {
  tensor.clear_raw_data();
  tensor.set_data_location(onnx::TensorProto::EXTERNAL);
  tensor.clear_external_data();
  auto add = [&tensor](const char* key, const std::string& value) {
    auto& entry = *tensor.add_external_data();
    entry.set_key(key);
    entry.set_value(value);
  };
  add("location", location);
  add("offset", std::to_string(range.offset));
  add("length", std::to_string(range.length));
  add(kDeferredKey, "1");
}

}  // namespace

void ReadModelFile(const std::string& path, onnx::ModelProto& model) {
  // A regular file only: a FIFO would block, a device never end (docs/limits.md).
  CheckInputFile(path, "an .onnx file", std::numeric_limits<int64_t>::max(), "");
  std::string compact;
  std::map<int, DeferredRange> deferred;
  {
    const Mapping file(path);
    Compactor compactor(file.begin());
    compact = compactor.Model(file.begin(), file.end());
    deferred = compactor.deferred();
  }
  if (!model.ParseFromArray(compact.data(), static_cast<int>(compact.size()))) Malformed();
  if (!model.has_graph() || model.graph().node_size() == 0 || model.ir_version() <= 0) {
    throw Error("not a valid ONNX model: no ir_version or no graph with nodes");
  }
  // Bounds the work of every later phase (docs/limits.md).
  const int64_t max_nodes = LimitFromEnv("DNNPART_MAX_NODES", 1'000'000);
  if (model.graph().node_size() > max_nodes) {
    throw Error("the graph has " + std::to_string(model.graph().node_size()) + " nodes, more than the limit of " +
                std::to_string(max_nodes) + " (raise it with the environment variable DNNPART_MAX_NODES, docs/limits.md)");
  }
  for (const auto& tensor : model.graph().initializer()) {
    for (const auto& entry : tensor.external_data()) {
      if (entry.key() == kDeferredKey) {
        throw Error("initializer '" + tensor.name() + "': the external_data key '" + std::string(kDeferredKey) +
                    "' is reserved for dnnpart");
      }
    }
  }
  const std::string location = std::filesystem::path(path).filename().string();
  for (const auto& [index, range] : deferred) {
    if (index >= model.graph().initializer_size()) Malformed();
    MarkDeferred(*model.mutable_graph()->mutable_initializer(index), location, range);
  }
}

std::optional<DeferredRange> DeferredData(const onnx::TensorProto& tensor) {
  if (tensor.data_location() != onnx::TensorProto::EXTERNAL) return std::nullopt;
  DeferredRange range;
  bool marked = false;
  for (const auto& entry : tensor.external_data()) {
    if (entry.key() == kDeferredKey) marked = true;
    if (entry.key() == "offset") range.offset = std::stoll(entry.value());
    if (entry.key() == "length") range.length = std::stoll(entry.value());
  }
  if (!marked) return std::nullopt;
  return range;
}

}  // namespace dnnpart
