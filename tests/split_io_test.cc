#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <onnx/onnx_pb.h>
#include <string>
#include <tuple>
#include <vector>

#include "dnnpart/error.h"
#include "dnnpart/model.h"
#include "dnnpart/split.h"
#include "dnnpart/split_io.h"
#include "test_util.h"

namespace dnnpart {
namespace {

namespace fs = std::filesystem;
using test::SourcePath;

// A fresh folder under the system temp folder, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("dnnpart_split_io_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

// A plan document as `dnnpart plan --format json` writes it, with the fields split reads.
nlohmann::json PlanDocument(const ModelInfo& model, int64_t cut, const std::string& first_of_tail) {
  nlohmann::json stage_a = {{"platform", "a"}, {"first_layer", "c1"}, {"last_layer", "c2"}, {"latency_ms", 1.5}};
  nlohmann::json stage_b = {{"platform", "b"}, {"first_layer", first_of_tail}, {"last_layer", "r2"}, {"latency_ms", 2.0}};
  nlohmann::json plan = {{"platforms", {"a", "b"}},
                         {"cuts", {cut}},
                         {"throughput_fps", 400.0},
                         {"latency_ms", 4.0},
                         {"stages", {stage_a, stage_b}},
                         {"links", {{{"from", "a"}, {"to", "b"}, {"link", "wire"}, {"carries", "activations"}}}}};
  return {{"schema_version", 1},
          {"kind", "plan"},
          {"model", {{"graph_name", model.graph_name}, {"onnx_nodes", model.onnx_node_count}}},
          {"platforms", {{{"name", "a"}, {"path", "a.json"}}, {{"name", "b"}, {"path", "b.json"}}}},
          {"settings", {{"max_cut_tensors", 2}}},
          {"recommended", plan},
          {"pareto", {plan}}};
}

TEST(SplitIo, WritesStageFilesAndManifestAndNoTemporaryFiles) {
  const Model model = Model::Load(SourcePath("tests/data/tiny_residual.onnx"), {});
  TempDir tmp;
  SplitWriteOptions options;
  options.out_dir = tmp / "out";
  const SplitSummary summary = WriteSplit(model, CutsChoice({0}, 1), options);
  EXPECT_EQ(summary.weights, "inline");
  EXPECT_EQ(Listing(options.out_dir), (std::vector<std::string>{"manifest.json", "stage_0.onnx", "stage_1.onnx"}));
  std::ifstream file(tmp / "out/manifest.json");
  const nlohmann::json manifest = nlohmann::json::parse(file);
  EXPECT_EQ(manifest.at("kind"), "split");
  EXPECT_EQ(manifest.at("run_order"), nlohmann::json({0, 1}));
  const nlohmann::json& tail = manifest.at("stages").at(1);
  EXPECT_EQ(tail.at("platform"), "stage_1");
  EXPECT_EQ(tail.at("inputs").at(0).at("from").at("stage"), 0);
  EXPECT_EQ(tail.at("outputs").at(0).at("to").at("graph_output"), true);
  EXPECT_TRUE(tail.at("latency_ms").is_null());
}

TEST(SplitIo, TheSameSplitTwiceGivesIdenticalFiles) {
  const Model model = Model::Load(SourcePath("tests/data/tiny_residual.onnx"), {});
  TempDir tmp;
  SplitWriteOptions options;
  options.out_dir = tmp / "one";
  WriteSplit(model, CutsChoice({0}, 1), options);
  options.out_dir = tmp / "two";
  WriteSplit(model, CutsChoice({0}, 1), options);
  for (const std::string name : {"stage_0.onnx", "stage_1.onnx", "manifest.json"}) {
    std::ifstream a(tmp / ("one/" + name)), b(tmp / ("two/" + name));
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(a), {}), std::string(std::istreambuf_iterator<char>(b), {}))
        << name;
  }
}

TEST(SplitIo, NonEmptyFolderIsRefusedUnlessForced) {
  const Model model = Model::Load(SourcePath("tests/data/tiny_residual.onnx"), {});
  TempDir tmp;
  fs::create_directories(tmp / "out");
  WriteText(tmp / "out/keep.txt", "mine");
  SplitWriteOptions options;
  options.out_dir = tmp / "out";
  EXPECT_THROW(WriteSplit(model, CutsChoice({0}, 1), options), Error);
  EXPECT_EQ(Listing(options.out_dir), (std::vector<std::string>{"keep.txt"}));
  options.force = true;
  WriteSplit(model, CutsChoice({0}, 1), options);
  EXPECT_EQ(Listing(options.out_dir),
            (std::vector<std::string>{"keep.txt", "manifest.json", "stage_0.onnx", "stage_1.onnx"}));
}

// How WithExternalWeights lays out the data file.
struct ExternalLayout {
  std::string data_name = "model.data";
  bool write_data = true;
  std::string prefix;                                 // bytes before the first tensor's
  std::map<std::string, std::string> first_override;  // external_data entries replaced in the first initializer
};

// tiny_residual.onnx with every initializer moved into `layout.data_name`
// next to it (raw little-endian bytes, back to back after the prefix).
// Returns the model path; `bytes` receives each initializer's bytes by name.
std::string WithExternalWeights(const TempDir& tmp, const ExternalLayout& layout,
                                std::map<std::string, std::string>* bytes_by_name = nullptr) {
  onnx::ModelProto model;
  std::ifstream in(SourcePath("tests/data/tiny_residual.onnx"), std::ios::binary);
  EXPECT_TRUE(model.ParseFromIstream(&in));
  std::string data = layout.prefix;
  for (auto& tensor : *model.mutable_graph()->mutable_initializer()) {
    std::string bytes = tensor.raw_data();
    if (bytes.empty()) {
      for (float v : tensor.float_data()) bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    tensor.clear_float_data();
    tensor.clear_raw_data();
    tensor.set_data_location(onnx::TensorProto::EXTERNAL);
    std::map<std::string, std::string> entries{
        {"location", layout.data_name}, {"offset", std::to_string(data.size())}, {"length", std::to_string(bytes.size())}};
    if (&tensor == &model.graph().initializer(0)) {
      for (const auto& [key, value] : layout.first_override) entries[key] = value;
    }
    for (const auto& [key, value] : entries) {
      if (value.empty()) continue;  // an empty override drops the key
      auto& entry = *tensor.add_external_data();
      entry.set_key(key);
      entry.set_value(value);
    }
    if (bytes_by_name != nullptr) (*bytes_by_name)[tensor.name()] = bytes;
    data += bytes;
  }
  if (layout.write_data) WriteText(tmp / layout.data_name, data);
  std::ofstream out(tmp / "model.onnx", std::ios::binary);
  EXPECT_TRUE(model.SerializeToOstream(&out));
  return tmp / "model.onnx";
}

std::string WithExternalWeights(const TempDir& tmp, const std::string& data_name, bool write_data) {
  ExternalLayout layout;
  layout.data_name = data_name;
  layout.write_data = write_data;
  return WithExternalWeights(tmp, layout);
}

// The name of tiny_residual.onnx's first initializer, which first_override edits.
std::string FirstInitializerName() {
  onnx::ModelProto model;
  std::ifstream in(SourcePath("tests/data/tiny_residual.onnx"), std::ios::binary);
  EXPECT_TRUE(model.ParseFromIstream(&in));
  return model.graph().initializer(0).name();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Each initializer's bytes are read from its own offset and length in the
// data file, which starts with 1000 bytes that belong to no tensor: a reader
// that ignored the offset (or the length) would copy those instead.
TEST(SplitIo, ExternalDataIsReadFromItsOffsetAndLength) {
  TempDir tmp;
  ExternalLayout layout;
  layout.prefix = std::string(1000, '\x7f');
  std::map<std::string, std::string> expected;
  const Model model = Model::Load(WithExternalWeights(tmp, layout, &expected), {});
  SplitWriteOptions options;
  options.out_dir = tmp / "out";
  ASSERT_EQ(WriteSplit(model, CutsChoice({1}, 2), options).weights, "external");
  std::map<std::string, std::string> found;
  for (int s : {0, 1}) {
    onnx::ModelProto stage;
    std::ifstream in(tmp / ("out/stage_" + std::to_string(s) + ".onnx"), std::ios::binary);
    ASSERT_TRUE(stage.ParseFromIstream(&in));
    const std::string weights = ReadAll(tmp / ("out/stage_" + std::to_string(s) + ".weights.bin"));
    for (const auto& tensor : stage.graph().initializer()) {
      std::map<std::string, std::string> entries;
      for (const auto& entry : tensor.external_data()) entries[entry.key()] = entry.value();
      const auto offset = static_cast<size_t>(std::stoll(entries.at("offset")));
      const auto length = static_cast<size_t>(std::stoll(entries.at("length")));
      ASSERT_LE(offset + length, weights.size()) << tensor.name();
      found[tensor.name()] = weights.substr(offset, length);
    }
  }
  EXPECT_EQ(found.size(), expected.size());
  for (const auto& [name, bytes] : found) {
    EXPECT_EQ(bytes.size(), expected.at(name).size()) << name;
    EXPECT_TRUE(bytes == expected.at(name)) << name << ": not the bytes at its offset";
  }
}

// A range that ends past the data file is refused when the bytes are copied,
// with the tensor named; nothing is read past the end.
TEST(SplitIo, ExternalDataBeyondTheFileIsRefused) {
  const std::string first = FirstInitializerName();
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"length", "1000000"}, {"offset", "1000000"}}) {
    TempDir tmp;
    ExternalLayout layout;
    layout.first_override[key] = value;
    if (key == "offset") layout.first_override["length"] = "";  // "to the end of the file"
    const Model model = Model::Load(WithExternalWeights(tmp, layout), {});
    SplitWriteOptions options;
    options.out_dir = tmp / "out";
    try {
      WriteSplit(model, CutsChoice({1}, 2), options);
      ADD_FAILURE() << key << " " << value << ": written";
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("initializer '" + first + "'"), std::string::npos) << message;
      EXPECT_NE(message.find("ends beyond the file's"), std::string::npos) << message;
    }
  }
}

// A data file that is a symbolic link leaving the model's folder is refused
// when the bytes would be copied, with the tensor named; a link inside the
// folder is read; a FIFO is not a data file (structure-only stages, and
// nothing blocks on it).
TEST(SplitIo, ExternalDataThroughALinkOutOfTheFolderIsRefused) {
  const std::string first = FirstInitializerName();
  for (const std::string kind : {"link out", "fifo", "link in"}) {
    TempDir tmp;
    ExternalLayout layout;
    const Model model = Model::Load(WithExternalWeights(tmp, layout), {});
    const std::filesystem::path data = tmp / layout.data_name;
    const std::filesystem::path elsewhere = std::filesystem::path(tmp / "").parent_path().string() + "_elsewhere";
    std::filesystem::remove_all(elsewhere);
    std::filesystem::create_directories(elsewhere);
    if (kind == "link out") {
      std::filesystem::rename(data, elsewhere / "real.data");
      std::filesystem::create_symlink(elsewhere / "real.data", data);
    } else if (kind == "link in") {
      std::filesystem::rename(data, tmp / "real.data");
      std::filesystem::create_symlink("real.data", data);
    } else {
      std::filesystem::remove(data);
      ASSERT_EQ(mkfifo(data.c_str(), 0600), 0);
    }
    SplitWriteOptions options;
    options.out_dir = tmp / "out";
    try {
      const std::string weights = WriteSplit(model, CutsChoice({1}, 2), options).weights;
      EXPECT_NE(kind, "link out") << kind << ": written";
      EXPECT_EQ(weights, kind == "fifo" ? "structure-only" : "external") << kind;
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(kind, "link out") << message;
      EXPECT_NE(message.find("initializer '" + first + "'"), std::string::npos) << message;
      EXPECT_NE(message.find("outside the model's folder"), std::string::npos) << message;
    }
    std::filesystem::remove_all(elsewhere);
  }
}

// Offsets and lengths that are not byte counts, and locations outside the
// model's folder, are refused at load time with the tensor named.
TEST(SplitIo, ExternalDataWithABadRangeOrLocationIsRefusedAtLoad) {
  const std::string first = FirstInitializerName();
  const std::vector<std::tuple<std::string, std::string, std::string>> cases{
      {"offset", "-8", "external data offset '-8' is not a byte count"},
      {"length", "-1", "external data length '-1' is not a byte count"},
      {"offset", "12abc", "external data offset '12abc' is not a byte count"},
      {"offset", "99999999999999999999", "is not a byte count"},
      {"offset", "9223372036854775807", "overflows 64 bits"},
      {"location", "../model.data", "is outside the model's folder"},
      {"location", "sub/../../model.data", "is outside the model's folder"},
      {"location", "/etc/passwd", "is outside the model's folder"},
  };
  for (const auto& [key, value, fault] : cases) {
    TempDir tmp;
    ExternalLayout layout;
    layout.first_override[key] = value;
    const std::string path = WithExternalWeights(tmp, layout);
    try {
      Model::Load(path, {});
      ADD_FAILURE() << key << " " << value << ": loaded";
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind(path, 0), 0U) << message;
      EXPECT_NE(message.find("initializer '" + first + "'"), std::string::npos) << message;
      EXPECT_NE(message.find(fault), std::string::npos) << key << " " << value << ": " << message;
    }
  }
}

TEST(SplitIo, ExternalWeightsAreCopiedIntoOneFilePerStage) {
  TempDir tmp;
  const Model model = Model::Load(WithExternalWeights(tmp, "model.data", true), {});
  SplitWriteOptions options;
  options.out_dir = tmp / "out";
  // Cut 1 with K = 2 is after r1: stage 0 holds c1's weight and bias, stage 1
  // c2's; each 8x8x3x3 + 8 floats, the bias at offset 2304 (64-byte aligned).
  const SplitSummary summary = WriteSplit(model, CutsChoice({1}, 2), options);
  EXPECT_EQ(summary.weights, "external");
  EXPECT_EQ(fs::file_size(tmp / "out/stage_0.weights.bin"), 2304U + 32U);
  EXPECT_EQ(fs::file_size(tmp / "out/stage_1.weights.bin"), 2304U + 32U);
  onnx::ModelProto stage;
  std::ifstream in(tmp / "out/stage_1.onnx", std::ios::binary);
  ASSERT_TRUE(stage.ParseFromIstream(&in));
  for (const auto& tensor : stage.graph().initializer()) {
    EXPECT_EQ(tensor.external_data(0).value(), "stage_1.weights.bin") << tensor.name();
  }
}

// x[1,128] -> MatMul W1[128,256] -> Add B1[256] -> Relu -> MatMul W2[256,64] -> y,
// with W1 (128 KiB) and W2 (64 KiB) inline raw_data large enough for the
// loader to leave in the file, and B1 (1 KiB) small enough to be read.
std::string WithLargeInlineWeights(const TempDir& tmp, std::vector<std::string>& raw) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(17);
  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name("large_inline");
  auto value = [](onnx::ValueInfoProto& info, const std::string& name, std::vector<int64_t> dims) {
    info.set_name(name);
    auto& type = *info.mutable_type()->mutable_tensor_type();
    type.set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) type.mutable_shape()->add_dim()->set_dim_value(d);
  };
  value(*graph.add_input(), "x", {1, 128});
  value(*graph.add_output(), "y", {1, 64});
  auto node = [&graph](const std::string& op, std::vector<std::string> in, const std::string& out) {
    onnx::NodeProto& n = *graph.add_node();
    n.set_op_type(op);
    n.set_name(out);
    for (const auto& i : in) n.add_input(i);
    n.add_output(out);
  };
  node("MatMul", {"x", "W1"}, "m1");
  node("Add", {"m1", "B1"}, "a1");
  node("Relu", {"a1"}, "r1");
  node("MatMul", {"r1", "W2"}, "y");
  uint32_t state = 12345;
  for (const auto& [name, dims] : std::vector<std::pair<std::string, std::vector<int64_t>>>{
           {"W1", {128, 256}}, {"B1", {256}}, {"W2", {256, 64}}}) {
    onnx::TensorProto& tensor = *graph.add_initializer();
    tensor.set_name(name);
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    int64_t count = 1;
    for (int64_t d : dims) {
      tensor.add_dims(d);
      count *= d;
    }
    std::string bytes(static_cast<size_t>(count) * 4, '\0');
    for (char& c : bytes) c = static_cast<char>((state = state * 1103515245u + 12345u) >> 24);
    for (size_t i = 3; i < bytes.size(); i += 4) bytes[i] = 0x3c;  // finite floats
    tensor.set_raw_data(bytes);
    raw.push_back(bytes);
  }
  std::ofstream out(tmp / "large.onnx", std::ios::binary);
  EXPECT_TRUE(model.SerializeToOstream(&out));
  return tmp / "large.onnx";
}

TEST(SplitIo, LargeInlineWeightsAreCopiedFromTheFileIntoInlineStages) {
  TempDir tmp;
  std::vector<std::string> raw;  // W1, B1, W2
  const Model model = Model::Load(WithLargeInlineWeights(tmp, raw), {});
  SplitWriteOptions options;
  options.out_dir = tmp / "out";
  // Cut 1 (K = 1): after a1, so stage 0 holds W1 and B1, stage 1 W2.
  const SplitSummary summary = WriteSplit(model, CutsChoice({1}, 1), options);
  EXPECT_EQ(summary.weights, "inline");
  EXPECT_EQ(Listing(options.out_dir), (std::vector<std::string>{"manifest.json", "stage_0.onnx", "stage_1.onnx"}));
  std::map<std::string, std::string> found;
  for (const char* file : {"out/stage_0.onnx", "out/stage_1.onnx"}) {
    onnx::ModelProto stage;
    std::ifstream in(tmp / file, std::ios::binary);
    ASSERT_TRUE(stage.ParseFromIstream(&in)) << file;
    EXPECT_EQ(stage.graph().node_size(), 2) << file;
    for (const auto& tensor : stage.graph().initializer()) {
      EXPECT_EQ(tensor.data_location(), onnx::TensorProto::DEFAULT) << tensor.name();
      EXPECT_EQ(tensor.external_data_size(), 0) << tensor.name();
      found[tensor.name()] = tensor.raw_data();
    }
  }
  EXPECT_EQ(found, (std::map<std::string, std::string>{{"W1", raw[0]}, {"B1", raw[1]}, {"W2", raw[2]}}));
}

TEST(SplitIo, LoaderKeepsOnlySmallInlineWeightsInMemory) {
  TempDir tmp;
  std::vector<std::string> raw;
  const Model model = Model::Load(WithLargeInlineWeights(tmp, raw), {});
  const std::vector<StageModel> stages = SplitModel(model, {{"a", {0, 1}}, {"b", {2, 3}}}, {});
  std::map<std::string, bool> deferred;
  for (const StageModel& stage : stages) {
    onnx::ModelProto proto;
    ASSERT_TRUE(proto.ParseFromString(stage.onnx));
    for (const auto& tensor : proto.graph().initializer()) {
      bool marked = false;
      for (const auto& entry : tensor.external_data()) marked = marked || entry.key() == "dnnpart_inline";
      deferred[tensor.name()] = marked && tensor.raw_data().empty();
    }
    EXPECT_EQ(stage.external_initializer_count, 0);
  }
  EXPECT_EQ(deferred, (std::map<std::string, bool>{{"B1", false}, {"W1", true}, {"W2", true}}));
}

TEST(SplitIo, ReservedDeferredKeyInTheModelIsRefused) {
  TempDir tmp;
  onnx::ModelProto model;
  std::ifstream in(SourcePath("tests/data/tiny_residual.onnx"), std::ios::binary);
  ASSERT_TRUE(model.ParseFromIstream(&in));
  auto& entry = *model.mutable_graph()->mutable_initializer(0)->add_external_data();
  entry.set_key("dnnpart_inline");
  entry.set_value("1");
  std::ofstream out(tmp / "model.onnx", std::ios::binary);
  ASSERT_TRUE(model.SerializeToOstream(&out));
  out.close();
  try {
    Model::Load(tmp / "model.onnx", {});
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is reserved for dnnpart"), std::string::npos) << e.what();
  }
}

TEST(SplitIo, MissingExternalDataGivesStructureOnlyStages) {
  TempDir tmp;
  const Model model = Model::Load(WithExternalWeights(tmp, "absent.data", false), {});
  SplitWriteOptions options;
  options.out_dir = tmp / "out";
  EXPECT_EQ(WriteSplit(model, CutsChoice({0}, 1), options).weights, "structure-only");
  EXPECT_EQ(Listing(options.out_dir), (std::vector<std::string>{"manifest.json", "stage_0.onnx", "stage_1.onnx"}));
}

TEST(SplitIo, PlanChoiceReadsCutsPlatformsLinksAndLatencies) {
  const Model model = Model::Load(SourcePath("tests/data/tiny_residual.onnx"), {});
  TempDir tmp;
  const std::string path = WriteText(tmp / "plan.json", PlanDocument(model.info(), 2, "add").dump());
  const SplitSource source = ReadPlanChoice(path, model.info(), "0");
  EXPECT_EQ(source.cut_ids, (std::vector<size_t>{2}));
  EXPECT_EQ(source.platforms, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(source.profiles, (std::vector<std::string>{"a.json", "b.json"}));
  EXPECT_EQ(source.links, (std::vector<std::string>{"wire"}));
  EXPECT_EQ(source.max_cut_tensors, 2);
  EXPECT_EQ(*source.latency_ms, 4.0);
  SplitWriteOptions options;
  options.out_dir = tmp / "out";
  EXPECT_EQ(WriteSplit(model, source, options).files.size(), 3U);
}

TEST(SplitIo, PlanOfAnotherModelOrOutOfRangePickOrOtherStagesIsRefused) {
  const Model model = Model::Load(SourcePath("tests/data/tiny_residual.onnx"), {});
  TempDir tmp;
  ModelInfo other = model.info();
  other.graph_name = "other";
  const std::string foreign = WriteText(tmp / "foreign.json", PlanDocument(other, 2, "add").dump());
  EXPECT_THROW(ReadPlanChoice(foreign, model.info(), "recommended"), Error);
  const std::string plan = WriteText(tmp / "plan.json", PlanDocument(model.info(), 2, "add").dump());
  EXPECT_THROW(ReadPlanChoice(plan, model.info(), "1"), Error);
  EXPECT_THROW(ReadPlanChoice(plan, model.info(), "-1"), Error);
  // The plan says stage 1 starts at r2, but cut 2 puts add there: loaded differently.
  const std::string moved = WriteText(tmp / "moved.json", PlanDocument(model.info(), 2, "r2").dump());
  SplitWriteOptions options;
  options.out_dir = tmp / "out";
  try {
    WriteSplit(model, ReadPlanChoice(moved, model.info(), "recommended"), options);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("same --input-shape"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(options.out_dir));
}

}  // namespace
}  // namespace dnnpart
