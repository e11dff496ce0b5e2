// The inputs of tests/data/malformed/ (issue 13): each was once accepted
// silently, crashed or gave an unclear message. Each must now end in one
// dnnpart::Error whose single line names the file and the object at fault.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "dnnpart/cost.h"
#include "dnnpart/cuts.h"
#include "dnnpart/error.h"
#include "dnnpart/model.h"
#include "dnnpart/profiles.h"
#include "test_util.h"

namespace dnnpart {
namespace {

enum class Kind { kModel, kPlatform, kLink, kLinkTransfer };

struct Case {
  const char* file;
  Kind kind;
  std::vector<const char*> expected;  // substrings of the one-line message
};

void LoadAndUse(const Case& c, const std::string& path) {
  switch (c.kind) {
    case Kind::kModel: {
      const Model model = Model::Load(path, {});
      FindCuts(model.graph(), {.max_cut_tensors = 2});
      return;
    }
    case Kind::kPlatform: LoadPlatformProfile(path); return;
    case Kind::kLink: LoadLinkProfile(path); return;
    case Kind::kLinkTransfer: TransferCost(LoadLinkProfile(path), 1); return;
  }
}

TEST(Malformed, EveryFileEndsInOneClearError) {
  const std::vector<Case> cases = {
      {"function_recursive.onnx", Kind::kModel, {"function 'f'", "calls itself"}},
      {"function_mutual.onnx", Kind::kModel, {"function 'f'", "calls itself"}},
      {"conv_huge_pads.onnx", Kind::kModel, {"node 'conv' (Conv)", "'pads'"}},
      {"conv_kernel_too_large.onnx", Kind::kModel, {"node 'conv' (Conv)", "larger than its padded input (4)"}},
      {"gemm_k_mismatch.onnx", Kind::kModel, {"node 'gemm' (Gemm)", "inner extents", "(3 and 5)"}},
      {"flatten_overflow.onnx", Kind::kModel, {"'x'"}},
      {"conv_weight_rank.onnx", Kind::kModel, {"node 'conv' (Conv)", "input 'w' has rank 4", "'x' has rank 3"}},
      {"conv_transpose_weight_rank1.onnx", Kind::kModel, {"node 'deconv' (ConvTranspose)", "input 'w' has rank 1"}},
      {"max_unpool_indices_rank.onnx", Kind::kModel, {"node 'unpool' (MaxUnpool)", "input 'i' has rank 1"}},
      {"softmax_axis_out_of_range.onnx", Kind::kModel, {"node 'softmax' (Softmax)", "'axis' holds 2", "between -2 and 1"}},
      {"reduce_axes_out_of_range.onnx", Kind::kModel, {"node 'mean' (ReduceMean)", "'axes' holds 3"}},
      {"prelu_slope_rank.onnx", Kind::kModel, {"node 'prelu' (PRelu)", "input 's' has rank 3"}},
      {"slice_axes_input_out_of_range.onnx", Kind::kModel, {"node 'slice' (Slice)", "input 'axes' holds axis 5"}},
      {"conv_transpose_group0.onnx", Kind::kModel, {"node 'deconv' (ConvTranspose)", "'group' is 0"}},
      {"transpose_perm_short.onnx", Kind::kModel, {"node 't' (Transpose)", "'perm' has 1 entries", "rank 2"}},
      {"gemm_scalar_weight.onnx", Kind::kModel, {"node 'gemm' (Gemm)", "input 'w' has rank 0", "must have rank 2"}},
      {"layernorm_axis_out_of_range.onnx", Kind::kModel,
       {"node 'ln' (LayerNormalization)", "'axis' is -3", "between -2 and 1"}},
      {"gathernd_negative_batch_dims.onnx", Kind::kModel, {"node 'gather' (GatherND)", "'batch_dims' is -3"}},
      {"gathernd_batch_dims_untyped.onnx", Kind::kModel, {"node 'gather' (GatherND)", "'batch_dims' is -3"}},
      {"split_without_outputs.onnx", Kind::kModel, {"no compute node that reaches a graph output"}},
      {"scan_without_body.onnx", Kind::kModel, {"node 'scan' (Scan)", "graph attribute 'body' is missing"}},
      {"stft_signal_rank0.onnx", Kind::kModel, {"node 'stft' (STFT)", "input 'x' has rank 0", "must have rank 3"}},
      // ONNX is not asked to infer bodies it would crash in: the output is unknown.
      {"if_branch_conv_weight_rank.onnx", Kind::kModel,
       {"node 'conv_else' in the else_branch of 'if' (Conv)", "input 'w' has rank 4"}},
      {"function_layernorm_axis.onnx", Kind::kModel, {"tensor 'y' (output of node 'call', op f)"}},
      {"link_min_payload_max.json", Kind::kLink, {"/framing/min_payload_bytes", "above 2^50"}},
      {"link_overhead_huge.json", Kind::kLink, {"/framing/overhead_bytes_per_frame", "above 2^50"}},
      {"platform_number_overflow.json", Kind::kPlatform, {"/power/active_w", "1e309"}},
      {"deep_nesting.json", Kind::kPlatform, {"nested deeper than 64 levels", "DNNPART_MAX_JSON_DEPTH"}},
  };
  for (const Case& c : cases) {
    const std::string path = test::SourcePath(std::string("tests/data/malformed/") + c.file);
    try {
      LoadAndUse(c, path);
      ADD_FAILURE() << c.file << ": accepted";
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      EXPECT_EQ(message.rfind(path, 0), 0U) << c.file << ": the message does not start with the path: " << message;
      for (const char* part : c.expected) EXPECT_NE(message.find(part), std::string::npos) << c.file << ": " << message;
    }
  }
}

// The valid counterpart of if_branch_conv_weight_rank.onnx: the loader
// checks the If's branches itself, so ONNX may infer them and the If's
// output gets its shape although the condition is not known at load time.
TEST(Malformed, WellFormedIfBranchesAreStillInferredByOnnx) {
  const Model model = Model::Load(test::SourcePath("tests/data/if_branch_conv_valid.onnx"), {});
  bool found = false;
  for (TensorId t = 0; t < static_cast<TensorId>(model.graph().tensor_count()); ++t) {
    if (model.graph().tensor(t).name != "y") continue;
    found = true;
    EXPECT_EQ(model.graph().tensor(t).shape, (Shape{1, 4, 8, 8}));
  }
  EXPECT_TRUE(found);
}

// Framing arithmetic at the largest sizes a profile admits stays exact.
TEST(Malformed, FramingAtTheLimitsDoesNotOverflow) {
  LinkProfile link;
  link.path.assign("link.json");  // assign(): GCC 12 warns falsely (-Wrestrict) on operator= here
  link.name.assign("link");
  link.bandwidth_bytes_per_s = 1e9;
  link.payload_bytes_per_frame = 1;
  link.overhead_bytes_per_frame = int64_t{1} << 50;
  EXPECT_EQ(TransferCost(link, 1).wire_bytes, 1 + (int64_t{1} << 50));
  EXPECT_THROW(TransferCost(link, int64_t{1} << 14), Error);  // 2^14 frames x 2^50 bytes
}

// FIFOs, directories and devices are refused before anything is read: a FIFO
// would block forever, /dev/zero never ends.
TEST(Malformed, OnlyRegularFilesAreRead) {
  const std::string fifo =
      (std::filesystem::temp_directory_path() / ("dnnpart_fifo_" + std::to_string(::getpid()))).string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto expect_refused = [](auto load, const std::string& path, const char* kind) {
    try {
      load(path);
      ADD_FAILURE() << path << ": accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(kind), std::string::npos) << e.what();
    }
  };
  auto model = [](const std::string& path) { Model::Load(path, {}); };
  expect_refused(model, fifo, "is a FIFO (named pipe), not an .onnx file");
  expect_refused(model, "/dev/zero", "is a device");
  expect_refused(LoadPlatformProfile, fifo, "is a FIFO (named pipe), not a JSON profile");
  expect_refused(LoadLinkProfile, "/dev/zero", "is a device");
  expect_refused(LoadLinkProfile, test::SourcePath("tests/data"), "is a directory");
  ::unlink(fifo.c_str());
}

}  // namespace
}  // namespace dnnpart
