// Verify: runs a split folder (written by `dnnpart split`) and the model it
// came from in ONNX Runtime on the same random inputs and compares every
// graph output (docs/split.md, "Verifying a split"). The work is done by the
// shipped Node runner tools/run_split.mjs with onnxruntime-node; this module
// finds node and the runner, runs it and reads its JSON. VerifySplit blocks
// until the runner exits; it keeps no state and is thread-safe.
#pragma once

#include <string>
#include <vector>

namespace dnnpart {

struct VerifyOptions {
  std::string split_dir;   // the folder holding manifest.json and the stages
  std::string model_path;  // the whole model, with the weights the stages have
  int runs = 1;            // random inputs to try (deterministic seeds)
  // An output matches when max |full - split| <= tolerance x max |full|.
  double tolerance = 1e-4;
  // The node binary. Empty: $DNNPART_NODE, else "node" from PATH.
  std::string node;
  // tools/run_split.mjs. Empty: $DNNPART_TOOLS/run_split.mjs, else
  // ../tools/run_split.mjs or ../share/dnnpart/tools/run_split.mjs relative
  // to `executable_dir`.
  std::string runner;
  std::string executable_dir;  // the folder of the running dnnpart binary
};

struct OutputCheck {
  std::string name;
  double max_abs_diff = 0;  // over all runs; infinity when NaN met a number
  double max_abs = 0;       // of the whole model's output, over all runs
  bool missing = false;     // no stage produced it
  bool ok = true;
};

struct VerifyResult {
  int runs = 0;
  int stages = 0;
  bool ok = true;                    // every output matched
  std::vector<OutputCheck> outputs;  // by name
};

// Runs the runner and returns what it found. Throws Error when node or the
// runner cannot be found or started, onnxruntime-node is missing, or the
// runner fails (its message is included).
VerifyResult VerifySplit(const VerifyOptions& options);

}  // namespace dnnpart
