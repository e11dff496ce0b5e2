// Corrupted inputs must end in dnnpart::Error (a clear message), never in a
// crash, a hang or another exception type. Random byte mutations with fixed
// seeds, so failures reproduce.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <onnx/onnx_pb.h>

#include "dnnpart/cuts.h"
#include "dnnpart/error.h"
#include "dnnpart/model.h"
#include "dnnpart/profiles.h"
#include "dnnpart/report.h"
#include "test_util.h"

namespace dnnpart {
namespace {

std::string ReadBytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

std::string Mutate(std::string bytes, std::mt19937& rng, int max_edits) {
  const int edits = std::uniform_int_distribution<int>(1, max_edits)(rng);
  for (int e = 0; e < edits && !bytes.empty(); ++e) {
    const size_t pos = std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng);
    switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
      case 0: bytes[pos] = static_cast<char>(rng() & 0xFF); break;
      case 1: bytes.erase(pos, std::uniform_int_distribution<size_t>(1, 16)(rng)); break;
      default: bytes.insert(pos, std::string(std::uniform_int_distribution<size_t>(1, 8)(rng), static_cast<char>(rng() & 0xFF)));
    }
  }
  return bytes;
}

class Scratch {
 public:
  explicit Scratch(const std::string& name)
      : path_((std::filesystem::temp_directory_path() / ("dnnpart_" + std::to_string(::getpid()) + "_" + name)).string()) {}
  ~Scratch() { std::remove(path_.c_str()); }
  const std::string& Write(const std::string& bytes) {
    std::ofstream(path_, std::ios::binary) << bytes;
    return path_;
  }

 private:
  std::string path_;
};

// Loads, cuts and inspects; returns true when the model was accepted.
bool RunModel(const std::string& path) {
  try {
    const Model model = Model::Load(path, {});
    const auto cuts = FindCuts(model.graph(), {.max_cut_tensors = 2});
    std::ostringstream out;
    MakeReporter("json")->WriteCuts(MakeCutsReport(model, cuts, 2), out);
    MakeReporter("table")->WriteInspect(MakeInspectReport(model), out);
    return true;
  } catch (const Error&) {
    return false;
  }
}

void FuzzModel(const std::string& relative, int rounds, int max_edits, uint32_t seed) {
  const std::string original = ReadBytes(test::SourcePath(relative));
  ASSERT_FALSE(original.empty());
  Scratch scratch("fuzz.onnx");
  std::mt19937 rng(seed);
  int accepted = 0;
  for (int round = 0; round < rounds; ++round) {
    const std::string& path = scratch.Write(Mutate(original, rng, max_edits));
    try {
      accepted += RunModel(path) ? 1 : 0;
    } catch (const std::exception& e) {
      FAIL() << relative << " round " << round << ": not a dnnpart::Error: " << e.what();
    }
  }
  EXPECT_LT(accepted, rounds);  // the mutations do break files
}

TEST(Robustness, CorruptedSmallModelsGiveErrorsNotCrashes) { FuzzModel("tests/data/tiny_residual.onnx", 300, 8, 1); }

// Shape arithmetic (Shape -> Gather -> Concat -> Reshape), If bodies, opset 7.
TEST(Robustness, CorruptedShapeComputationsGiveErrorsNotCrashes) {
  FuzzModel("tests/data/shape_subgraph.onnx", 300, 8, 4);
  FuzzModel("tests/data/if_branch.onnx", 200, 8, 5);
  FuzzModel("tests/data/opset7_bn_mlp.onnx", 200, 8, 6);
}

// Inputs, outputs and initializers are looked up by name; a nameless one is
// refused (it crashed the loader once).
TEST(Robustness, NamelessGraphInputsOutputsAndInitializersAreRefused) {
  const std::string original = ReadBytes(test::SourcePath("tests/data/tiny_residual.onnx"));
  Scratch scratch("nameless.onnx");
  for (const char* what : {"graph input #0", "graph output #0", "initializer #1"}) {
    onnx::ModelProto model;
    ASSERT_TRUE(model.ParseFromString(original));
    const std::string kind = what;
    if (kind.rfind("graph input", 0) == 0) model.mutable_graph()->mutable_input(0)->clear_name();
    if (kind.rfind("graph output", 0) == 0) model.mutable_graph()->mutable_output(0)->clear_name();
    if (kind.rfind("initializer", 0) == 0) model.mutable_graph()->mutable_initializer(1)->clear_name();
    const std::string& path = scratch.Write(model.SerializeAsString());
    try {
      Model::Load(path, {});
      FAIL() << what << ": loaded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string(what) + " has no name"), std::string::npos) << e.what();
    }
  }
}

// Shapes whose sizes cannot be counted in int64 are refused, never wrapped
// into small or negative numbers.
TEST(Robustness, TensorsTooLargeToCountAreRefused) {
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(ReadBytes(test::SourcePath("tests/data/tiny_residual.onnx"))));
  auto* dims = model.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  for (int i = 0; i < dims->dim_size(); ++i) dims->mutable_dim(i)->set_dim_value(int64_t{1} << 31);
  Scratch scratch("huge.onnx");
  try {
    Model::Load(scratch.Write(model.SerializeAsString()), {});
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'x' (graph input) has shape 2147483648x2147483648x"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("more than 2^50 bytes"), std::string::npos) << e.what();
  }
}

TEST(Robustness, CorruptedStructureOnlyNetworkGivesErrorsNotCrashes) {
  FuzzModel("models/squeezenet1_1.onnx", 60, 4, 2);
}

TEST(Robustness, CorruptedProfilesGiveErrorsNotCrashes) {
  const std::string original = ReadBytes(test::SourcePath("tests/data/profiles/good_b.json"));
  // Next to the original so that its relative default_link still resolves.
  const std::string path = test::SourcePath("tests/data/profiles/_fuzz_profile.json");
  std::mt19937 rng(3);
  const std::string alphabet = "0123456789-.,:{}[]\"eE a";
  for (int round = 0; round < 300; ++round) {
    std::string text = original;
    const int edits = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int e = 0; e < edits; ++e) {
      text[std::uniform_int_distribution<size_t>(0, text.size() - 1)(rng)] =
          alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(rng)];
    }
    std::ofstream(path) << text;
    try {
      const PlatformProfile profile = LoadPlatformProfile(path);
      (void)ResolveLinks({profile}, {});
    } catch (const Error&) {
    } catch (const std::exception& e) {
      std::remove(path.c_str());
      FAIL() << "round " << round << ": not a dnnpart::Error: " << e.what();
    }
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace dnnpart
