// `dnnpart split MODEL (--plan PLAN.json [--pick N] | --cuts ID,...) -o DIR`:
// one runnable ONNX model per pipeline stage plus manifest.json.
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "common.h"
#include "dnnpart/error.h"
#include "dnnpart/split_io.h"

namespace dnnpart::cli {

Action RegisterSplit(CLI::App& app) {
  struct Flags {
    ModelFlags model;
    std::string plan_path;
    std::string pick = "recommended";
    std::vector<size_t> cut_ids;
    int max_cut_tensors = 1;
    SplitWriteOptions write;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = app.add_subcommand("split", "Write each stage of a plan as a runnable ONNX model");
  AddModelFlags(*command, flags->model);
  auto* plan = command->add_option("--plan", flags->plan_path, "Plan JSON written by `dnnpart plan --format json`");
  command->add_option("--pick", flags->pick, "Which plan: 'recommended' (default) or an index into its Pareto list")
      ->needs(plan);
  auto* cuts = command->add_option("--cuts", flags->cut_ids, "Cut ids as `dnnpart cuts` numbers them: ID,ID,...")
                   ->delimiter(',')
                   ->excludes(plan);
  command->add_option("--max-cut-tensors", flags->max_cut_tensors, "With --cuts: the K the cut ids were listed with")
      ->check(IntegerIn(1, 16))
      ->needs(cuts);
  command->add_option("-o,--output", flags->write.out_dir, "Output folder (created; must be empty)")->required();
  command->add_flag("--force", flags->write.force, "Write into a non-empty output folder");
  command->add_flag("--insert-casts", flags->write.insert_casts,
                    "Cast activations to the type each link of the plan carries them in (floating types; "
                    "int8/uint8 by QuantizeLinear/DequantizeLinear)")
      ->needs(plan);
  auto* calibration = command->add_option("--calibration-input", flags->write.calibration_path,
                                          "With --insert-casts: per-tensor value ranges (JSON) for int8/uint8 links "
                                          "(default range [-8, 8])");
  return [flags, plan, cuts, calibration]() -> int {
    if (*calibration && !flags->write.insert_casts) throw Error("--calibration-input needs --insert-casts");
    if (*calibration) flags->write.quant_ranges = ReadCalibration(flags->write.calibration_path);
    if (!*plan && !*cuts) throw Error("split needs --plan PLAN.json or --cuts ID,ID,...");
    flags->write.load = ParseLoadOptions(flags->model);
    const Model& model = LoadModel(flags->model);
    const SplitSource source = *plan ? ReadPlanChoice(flags->plan_path, model.info(), flags->pick)
                                     : CutsChoice(flags->cut_ids, flags->max_cut_tensors);
    const SplitSummary summary = WriteSplit(model, source, flags->write);
    spdlog::info("wrote {} files to {} (weights: {})", summary.files.size(), flags->write.out_dir, summary.weights);
    return 0;
  };
}

}  // namespace dnnpart::cli
