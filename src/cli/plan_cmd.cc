// `dnnpart plan MODEL --platforms a.json b.json ...`: the Pareto-best ways to
// pipeline the model over the platforms.
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "common.h"
#include "dnnpart/cost.h"
#include "dnnpart/cuts.h"
#include "dnnpart/error.h"
#include "dnnpart/plan.h"
#include "dnnpart/report.h"
#include "dnnpart/split_io.h"

namespace dnnpart::cli {
namespace {

// One line naming the op types some plan counts as 0 MACs, e.g.
// "no MAC model for 2 op types (counted as 0): RoiAlign x2, TopK x1".
void WarnAboutUncostedOps(const LayerGraph& graph, const std::vector<PlatformProfile>& platforms) {
  const std::vector<OpTypeCount> uncosted = UncostedOpTypes(graph, platforms);
  if (uncosted.empty()) return;
  std::string list;
  for (const OpTypeCount& entry : uncosted) {
    list += (list.empty() ? "" : ", ") + entry.op_type + " x" + std::to_string(entry.layers);
  }
  spdlog::warn("no MAC model for {} op type{} (counted as 0): {}", uncosted.size(), uncosted.size() == 1 ? "" : "s",
               list);
}

}  // namespace

Action RegisterPlan(CLI::App& app) {
  struct Flags {
    ModelFlags model;
    OutputFlags output;
    CutOptions cuts;
    PlanOptions plan;
    std::vector<std::string> platforms;
    std::vector<std::string> links;
    std::string output_at = "last";
    std::string objective = "throughput";
    double fps = 0, max_latency_ms = 0, min_fps = 0, max_energy_mj = 0;
    std::string emit_dir;
    bool insert_casts = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = app.add_subcommand("plan", "Find the Pareto-best pipeline plans over the given platforms");
  AddModelFlags(*command, flags->model);
  AddOutputFlags(*command, flags->output);
  command->add_option("--platforms", flags->platforms, "Platform profiles (JSON); the first produces the input")
      ->required()
      ->expected(1, -1);
  command->add_option("--link", flags->links,
                      "Link profile leaving each platform, in platform order (one file: every platform)");
  command->add_option("--max-cut-tensors", flags->cuts.max_cut_tensors, "Cut with at most K crossing tensors")
      ->check(CLI::Range(1, 16));
  command->add_flag("--any-order", flags->plan.any_order, "Also try every order of the platforms");
  command->add_option("--output-at", flags->output_at, "Where the result is wanted: last (stage) or first (platform)")
      ->check(CLI::IsMember({"last", "first"}));
  command->add_option("--objective", flags->objective, "What the recommended plan optimises")
      ->check(CLI::IsMember({"throughput", "latency", "energy"}));
  auto* fps = command->add_option("--fps", flags->fps, "Target frame rate: links must carry the traffic at it")
                  ->check(PositiveFinite());
  auto* max_latency = command->add_option("--max-latency-ms", flags->max_latency_ms, "Reject plans slower than this")
                          ->check(PositiveFinite());
  auto* min_fps = command->add_option("--min-fps", flags->min_fps, "Reject plans with lower throughput")
                      ->check(PositiveFinite());
  auto* max_energy = command->add_option("--max-energy-mj", flags->max_energy_mj, "Reject plans using more energy")
                         ->check(PositiveFinite());
  command->add_flag("--include-idle-energy", flags->plan.include_idle_energy,
                    "Add each platform's idle power while it waits for the pipeline's slowest stage");
  command->add_flag("--all-plans", flags->plan.list_all,
                    "List every plan (no pruning; small searches only, at most 100,000 plans)");
  command->add_flag("--show-infeasible", flags->plan.show_infeasible,
                    "Also list the plans rejected by constraints (those Pareto-optimal without them)");
  command->add_option("--emit", flags->emit_dir,
                      "Also write the recommended plan's stages as ONNX models into this new or empty folder "
                      "(as `dnnpart split`)");
  command->add_flag("--insert-casts", flags->insert_casts,
                    "With --emit: cast activations to the type each link carries them in (floating types only)");
  return [flags, fps, max_latency, min_fps, max_energy]() -> int {
    PlanOptions& options = flags->plan;
    if (*fps) options.fps = flags->fps;
    if (*max_latency) options.max_latency_ms = flags->max_latency_ms;
    if (*min_fps) options.min_fps = flags->min_fps;
    if (*max_energy) options.max_energy_mj = flags->max_energy_mj;
    options.output_at = flags->output_at == "first" ? OutputAt::kFirst : OutputAt::kLast;
    options.objective = flags->objective == "latency" ? Objective::kLatency
                        : flags->objective == "energy" ? Objective::kEnergy
                                                       : Objective::kThroughput;
    if (!flags->emit_dir.empty()) CheckSplitOutputDir(flags->emit_dir, false);
    const Model& model = LoadModel(flags->model);
    const auto reporter = MakeReporter(ResolveFormat(flags->output));
    PlanDocument doc;
    doc.model = model.info();
    doc.graph = &model.graph();
    for (const std::string& path : flags->platforms) doc.platforms.push_back(LoadPlatformProfile(path));
    doc.links = ResolveLinks(doc.platforms, flags->links);
    doc.max_cut_tensors = flags->cuts.max_cut_tensors;
    doc.options = options;
    WarnAboutUncostedOps(model.graph(), doc.platforms);
    const std::vector<Cut> cuts = FindCutsOf(model, flags->cuts);
    doc.result = PlanPartitions(model.graph(), cuts, doc.platforms, doc.links, options);
    reporter->WritePlan(doc, std::cout);
    if (!doc.result.recommended) {
      spdlog::error("no plan meets the constraints (use --show-infeasible to see why)");
      return kExitNoPlan;
    }
    if (!flags->emit_dir.empty()) {
      SplitWriteOptions write;
      write.out_dir = flags->emit_dir;
      write.insert_casts = flags->insert_casts;
      write.load = ParseLoadOptions(flags->model);
      const SplitSource source =
          PlanChoice(doc.result.pareto[*doc.result.recommended], doc.platforms, doc.links, flags->cuts.max_cut_tensors);
      const SplitSummary summary = WriteSplit(model, source, write);
      spdlog::info("wrote {} files to {} (weights: {})", summary.files.size(), write.out_dir, summary.weights);
    }
    return 0;
  };
}

}  // namespace dnnpart::cli
