// `dnnpart verify DIR --model MODEL [--runs N]`: runs a split folder and its
// model in ONNX Runtime (through tools/run_split.mjs) and prints the largest
// difference per graph output.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "common.h"
#include "dnnpart/verify.h"

namespace dnnpart::cli {
namespace {

std::string ExecutableDir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

void PrintResult(const VerifyResult& result, double tolerance) {
  std::printf("%-32s %14s %14s %14s  %s\n", "output", "max_abs_diff", "max_abs", "limit", "match");
  for (const OutputCheck& output : result.outputs) {
    if (output.missing) {
      std::printf("%-32s %14s %14s %14s  %s\n", output.name.c_str(), "-", "-", "-", "missing");
      continue;
    }
    std::printf("%-32s %14.6g %14.6g %14.6g  %s\n", output.name.c_str(), output.max_abs_diff, output.max_abs,
                tolerance * output.max_abs, output.ok ? "yes" : "NO");
  }
  std::printf("%s: %d stage(s), %zu output(s), %d run(s)\n", result.ok ? "match" : "MISMATCH", result.stages,
              result.outputs.size(), result.runs);
}

}  // namespace

Action RegisterVerify(CLI::App& app) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* command = app.add_subcommand(
      "verify", "Run a split folder and its model in ONNX Runtime and compare their outputs");
  command->add_option("dir", options->split_dir, "Folder written by `dnnpart split`")->required();
  command->add_option("--model", options->model_path, "The whole model, with the same weights")->required();
  command->add_option("--runs", options->runs, "Random inputs to compare (default 1)")->check(IntegerIn(1, 1000));
  command->add_option("--tolerance", options->tolerance,
                      "Match when max |diff| <= T x max |output| (default 1e-4)")
      ->check(FiniteIn(0.0, 1.0));
  command->add_option("--node", options->node, "Node.js binary (default: $DNNPART_NODE, else node in PATH)");
  command->add_option("--runner", options->runner,
                      "tools/run_split.mjs (default: $DNNPART_TOOLS, else found next to the dnnpart binary)");
  return [options]() -> int {
    options->executable_dir = ExecutableDir();
    const VerifyResult result = VerifySplit(*options);
    PrintResult(result, options->tolerance);
    std::fflush(stdout);
    return result.ok ? 0 : kExitMismatch;
  };
}

}  // namespace dnnpart::cli
