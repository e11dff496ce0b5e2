// `dnnpart plan MODEL --platforms a.json b.json ...`: the Pareto-best ways to
// pipeline the model over the platforms.
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <string>

#include "commands.h"
#include "common.h"
#include "dnnpart/accuracy.h"
#include "dnnpart/cost.h"
#include "dnnpart/cuts.h"
#include "dnnpart/error.h"
#include "dnnpart/plan.h"
#include "dnnpart/report.h"
#include "dnnpart/sensitivity.h"
#include "dnnpart/split_io.h"
#include "dnnpart/sweep.h"
#include "dnnpart/system.h"

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

// "LO,HI": bandwidths as `sweep --bandwidths` reads them, or frame rates.
SensitivityOptions ParseSensitivity(const std::string& parameter, const std::string& range) {
  SensitivityOptions options;
  const bool bandwidth = parameter == "bandwidth";
  options.parameter = bandwidth ? SensitivityParameter::kBandwidth : SensitivityParameter::kInputFps;
  options.from = bandwidth ? 1e6 / 8 : 1;  // 1 Mbit/s .. 100 Gbit/s, or 1 .. 1000 fps
  options.to = bandwidth ? 100e9 / 8 : 1000;
  if (range.empty()) return options;
  const size_t comma = range.find(',');
  if (comma == std::string::npos) throw Error("--sensitivity-range: expected LO,HI, got '" + range + "'");
  const auto parse = [bandwidth](const std::string& text) {
    if (!bandwidth) return PositiveFiniteItem(text, "--sensitivity-range");
    try {
      return ParseBandwidth(text);
    } catch (const Error& e) {
      throw e.WithContext("--sensitivity-range");
    }
  };
  options.from = parse(range.substr(0, comma));
  options.to = parse(range.substr(comma + 1));
  if (!(options.to > options.from)) throw Error("--sensitivity-range: LO must be below HI");
  return options;
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
    std::string system;
    std::string input_dtype;
    double input_fps = 0;
    std::string output_at = "last";
    std::string objective = "throughput";
    double fps = 0, max_latency_ms = 0, min_fps = 0, max_energy_mj = 0, time_limit_s = 0;
    std::string emit_dir;
    std::string report_path;
    std::string sensitivity;
    std::string sensitivity_range;
    bool force = false;
    bool insert_casts = false;
    AccuracyOptions accuracy;
    double min_accuracy = 0;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = app.add_subcommand("plan", "Find the Pareto-best pipeline plans over the given platforms");
  AddModelFlags(*command, flags->model);
  AddOutputFlags(*command, flags->output, true);
  auto* platforms = command->add_option("--platforms", flags->platforms,
                                        "Platform profiles (JSON), a chain: the first produces the input")
                        ->expected(1, -1);
  auto* system = command->add_option("--system", flags->system,
                                     "A system file: named devices, links, where frames come from (docs/system.md)")
                     ->excludes(platforms);
  command->add_option("--link", flags->links,
                      "Link profile leaving each platform, in platform order (one file: every platform)")
      ->excludes(system);
  auto* input_dtype = command->add_option("--input-dtype", flags->input_dtype,
                                          "The sensor's element type (e.g. uint8) when it differs from the model's "
                                          "input: the input link carries it, the first stage converts")
                          ->excludes(system);
  command->add_option("--max-cut-tensors", flags->cuts.max_cut_tensors, "Cut with at most K crossing tensors")
      ->check(IntegerIn(1, 16));
  command->add_flag("--any-order", flags->plan.any_order, "Also try every order of the platforms")->excludes(system);
  command->add_option("--output-at", flags->output_at, "Where the result is wanted: last (stage) or first (platform)")
      ->check(CLI::IsMember({"last", "first"}))
      ->excludes(system);
  command->add_option("--objective", flags->objective, "What the recommended plan optimises")
      ->check(CLI::IsMember({"throughput", "latency", "energy"}));
  auto* input_fps = command->add_option("--input-fps", flags->input_fps,
                                        "The rate frames arrive at: a plan achieves min(its pipeline rate, this)")
                        ->check(PositiveFinite());
  auto* fps = command->add_option("--fps", flags->fps, "Deprecated: the same as --input-fps")
                  ->check(PositiveFinite())
                  ->excludes(input_fps);
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
  command->add_flag("--best-only", flags->plan.best_only,
                    "Report only the recommended plan (with --objective throughput: a much faster bottleneck search)");
  auto* time_limit = command->add_option("--time-limit", flags->time_limit_s,
                                         "Stop after S seconds with the best plans found so far (exit code 4)")
                         ->check(PositiveFinite());
  command->add_option("--threads", flags->plan.threads,
                      "Threads for the search (default: one per core; the result is the same with any count)")
      ->check(IntegerIn(1, 256));
  command->add_option("--max-states", flags->plan.max_states,
                      "Refuse searches with more states than this (boundaries x device combinations)")
      ->check(IntegerIn(1, std::numeric_limits<int64_t>::max()));
  command->add_option("--emit", flags->emit_dir,
                      "Also write the recommended plan's stages as ONNX models into this new or empty folder "
                      "(as `dnnpart split`)");
  command->add_option("--report", flags->report_path,
                      "Also write a self-contained HTML report with charts to this file (docs/reports.md)");
  command->add_flag("--force", flags->force, "With --report: overwrite an existing file");
  command->add_option("--sensitivity", flags->sensitivity,
                      "Instead of one plan: the intervals of link bandwidth (every link) or input frame rate on "
                      "which the recommended plan stays the same, with exact breakpoints")
      ->check(CLI::IsMember({"bandwidth", "input-fps"}));
  command->add_option("--sensitivity-range", flags->sensitivity_range,
                      "LO,HI for --sensitivity: bit/s as sweep --bandwidths reads them (default 1M,100G), or fps "
                      "(default 1,1000)");
  command->add_flag("--insert-casts", flags->insert_casts,
                    "With --emit or --accuracy-cmd: cast activations to the type each link carries them in "
                    "(floating types only)");
  auto* accuracy_cmd =
      command->add_option("--accuracy-cmd", flags->accuracy.command,
                          "Score each Pareto plan: write its stages to a temporary folder and run this shell command "
                          "with {dir} replaced by the folder; the number on its last output line is the accuracy");
  auto* min_accuracy = command->add_option("--min-accuracy", flags->min_accuracy,
                                           "With --accuracy-cmd: plans scoring below this are infeasible")
                           ->check(FiniteIn(-1e300, 1e300))
                           ->needs(accuracy_cmd);
  return [flags, platforms, system, input_dtype, input_fps, fps, max_latency, min_fps, max_energy, time_limit,
          accuracy_cmd, min_accuracy]() -> int {
    PlanOptions& options = flags->plan;
    if (!*platforms && !*system) throw Error("give --platforms a.json [b.json ...] or --system system.json");
    if (*fps) {
      spdlog::warn("--fps is deprecated: it now means --input-fps, the rate frames arrive at (a plan achieves "
                   "min(its pipeline rate, this)); links are no longer checked against it");
      options.input_fps = flags->fps;
    }
    if (*input_fps) options.input_fps = flags->input_fps;
    if (*max_latency) options.max_latency_ms = flags->max_latency_ms;
    if (*min_fps) options.min_fps = flags->min_fps;
    if (*max_energy) options.max_energy_mj = flags->max_energy_mj;
    if (*time_limit) options.time_limit_s = flags->time_limit_s;
    if (isatty(STDERR_FILENO)) {
      // Progress on a terminal only: one line rewritten in place.
      options.progress = [](double fraction, int64_t labels) {
        std::fprintf(stderr, "\rplanning: %5.1f %% of boundaries, %lld partial plans kept", fraction * 100,
                     static_cast<long long>(labels));
        std::fflush(stderr);
      };
    }
    options.output_at = flags->output_at == "first" ? OutputAt::kFirst : OutputAt::kLast;
    options.objective = flags->objective == "latency" ? Objective::kLatency
                        : flags->objective == "energy" ? Objective::kEnergy
                                                       : Objective::kThroughput;
    if (!flags->emit_dir.empty()) CheckSplitOutputDir(flags->emit_dir, false);
    std::error_code error;
    if (!flags->report_path.empty() && !flags->force && std::filesystem::exists(flags->report_path, error)) {
      throw Error(flags->report_path + ": exists (use --force to overwrite it)");  // before any output
    }
    const Model& model = LoadModel(flags->model);
    const auto reporter = MakeReporter(ResolveFormat(flags->output));
    PlanDocument doc;
    doc.model = model.info();
    doc.graph = &model.graph();
    PlanTarget target;
    if (*system) {
      target = SystemTarget(LoadSystem(flags->system));
      doc.system_path = flags->system;
      if (!options.input_fps) options.input_fps = target.input_fps;
    } else {
      std::vector<PlatformProfile> profiles;
      for (const std::string& path : flags->platforms) profiles.push_back(LoadPlatformProfile(path));
      target = ChainTarget(profiles, ResolveLinks(profiles, flags->links));
      if (*input_dtype) {
        target.input_dtype = DTypeFromName(flags->input_dtype);
        if (!target.input_dtype) throw Error("--input-dtype: unknown data type '" + flags->input_dtype + "'");
      }
    }
    doc.platforms = target.platforms;
    doc.links = target.links;
    doc.devices = target.names;
    doc.max_cut_tensors = flags->cuts.max_cut_tensors;
    doc.options = options;
    WarnAboutUncostedOps(model.graph(), doc.platforms);
    const std::vector<Cut> cuts = FindCutsOf(model, flags->cuts);
    doc.cuts = &cuts;
    if (!flags->sensitivity.empty()) {
      if (*system) throw Error("--sensitivity works with --platforms only (not yet with --system)");
      const SensitivityOptions sensitivity = ParseSensitivity(flags->sensitivity, flags->sensitivity_range);
      PlanOptions quiet = options;  // many plannings: no progress line for each
      quiet.progress = nullptr;
      doc.options.progress = nullptr;
      const std::string format = ResolveFormat(flags->output);
      if (format != "table" && format != "json") throw Error("--sensitivity writes table or json");
      const SensitivityResult result =
          AnalyzeSensitivity(model.graph(), cuts, doc.platforms, doc.links, quiet, sensitivity);
      WriteSensitivity(doc, result, format, std::cout);
      return 0;
    }
    doc.result = PlanPartitions(model.graph(), cuts, target, options);
    if (options.progress) std::fprintf(stderr, "\r\033[K");
    doc.options.progress = nullptr;
    if (*accuracy_cmd) {
      AccuracyOptions& accuracy = flags->accuracy;
      if (*min_accuracy) accuracy.min_accuracy = flags->min_accuracy;
      accuracy.insert_casts = flags->insert_casts;
      accuracy.load = ParseLoadOptions(flags->model);
      accuracy.max_cut_tensors = flags->cuts.max_cut_tensors;
      ScorePlanAccuracy(model, doc.platforms, doc.links, options, accuracy, doc.result);
    }
    reporter->WritePlan(doc, std::cout);
    if (!flags->report_path.empty()) WriteHtmlReportFile(doc, flags->report_path, flags->force);
    if (!doc.result.recommended && !doc.result.complete) {
      spdlog::error("--time-limit {} s reached before any plan was found", flags->time_limit_s);
      return kExitIncomplete;
    }
    if (!doc.result.recommended) {
      spdlog::error("no plan meets the constraints (use --show-infeasible to see why)");
      return kExitNoPlan;
    }
    for (const StageReport& stage : doc.result.pareto[*doc.result.recommended].stages) {
      if (stage.zero_latency) {
        spdlog::warn("the recommended plan's stage on '{}' ({} .. {}, {} layers) is predicted to take 0 ms: its profile "
                     "measured none of its layers and has layers.missing zero",
                     stage.device, stage.first_layer, stage.last_layer,
                     stage.layer_count);
      }
    }
    if (!doc.result.complete) {
      spdlog::warn("--time-limit {} s reached: the plans shown are the best found so far, not proven optimal",
                   flags->time_limit_s);
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
    return doc.result.complete ? 0 : kExitIncomplete;
  };
}

}  // namespace dnnpart::cli
