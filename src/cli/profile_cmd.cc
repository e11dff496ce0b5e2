// `dnnpart profile import --from csv|ort|trtexec ...` and `dnnpart profile calibrate`:
// measured per-layer costs into platform profiles.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "common.h"
#include "dnnpart/calibrate.h"
#include "dnnpart/error.h"
#include "dnnpart/ort_import.h"
#include "dnnpart/output_file.h"
#include "dnnpart/profile_import.h"
#include "dnnpart/trt_import.h"

namespace dnnpart::cli {
namespace {

struct ImportFlags {
  std::string from = "csv";
  std::string table_path;
  std::string base_path;
  std::string output_path;
  std::string optimized_model;
  std::string unfused_trace;
  std::string run_info;
  std::string layer_info;
  std::string statistic = "median";
  ModelFlags model;
  bool force = false;
  bool no_energy = false;
  std::string separator;
  std::string missing = "estimate";
  CsvImportOptions csv;
};

void Emit(const std::string& text, const std::string& output_path, bool force) {
  if (output_path.empty()) {
    std::cout << text << std::flush;
    if (!std::cout) throw Error("cannot write to standard output");
    return;
  }
  WriteOutputFile(output_path, text, force);
}

void PrintUnfusedCoverage(const LayerGraph& graph, const UnfusedMapping& u) {
  std::fprintf(stderr,
               "unfused coverage: %lld of %lld nodes in fused groups measured unfused; %zu of %lld kernels unmatched "
               "(%.3f ms); matched kernels take %.1f %% of a run (median); kernel medians sum to %.3f ms, run median "
               "%.3f ms\n",
               static_cast<long long>(u.measured_layers), static_cast<long long>(u.group_layers),
               u.unmatched_kernels.size(), static_cast<long long>(u.kernels), u.unmatched_ms, 100.0 * u.coverage,
               u.matched_ms, u.run_median_ms);
  for (size_t i = 0; i < u.unmatched_kernels.size() && i < 5; ++i) {
    std::fprintf(stderr, "  unmatched kernel: %s\n", u.unmatched_kernels[i].c_str());
  }
  for (size_t i = 0; i < u.unmeasured_layers.size() && i < 5; ++i) {
    std::fprintf(stderr, "  not measured unfused (estimated): %s\n", graph.layer(u.unmeasured_layers[i]).name.c_str());
  }
}

std::string ImportOrt(const ImportFlags& flags) {
  if (flags.optimized_model.empty() || flags.model.model_path.empty()) {
    throw Error("--from ort needs --optimized-model OPT.onnx and --model MODEL.onnx");
  }
  OrtImportOptions options;
  options.missing = flags.missing == "zero" ? MissingLayers::kZero : MissingLayers::kEstimate;
  options.force = flags.force;
  options.rename = flags.csv.rename;
  options.output_path = flags.output_path;
  options.run_info_path = flags.run_info;
  options.unfused_trace_path = flags.unfused_trace;
  const Model& model = LoadModel(flags.model);
  const OrtImportResult result =
      ImportOrtIntoProfile(flags.table_path, flags.optimized_model, model.graph(), flags.base_path, options);
  const TraceMapping& m = result.mapping;
  std::fprintf(stderr,
               "coverage: %lld of %lld layers matched; %zu of %zu kernels unmatched (%.3f ms); matched kernels take "
               "%.1f %% of a run (median); kernel medians sum to %.3f ms, run median %.3f ms\n",
               static_cast<long long>(m.matched_layers), static_cast<long long>(result.layers),
               m.unmatched_kernels.size(), m.kernels.size(), m.unmatched_ms, 100.0 * m.coverage, m.mapped_ms,
               result.run_median_ms);
  for (size_t i = 0; i < m.unmatched_kernels.size() && i < 5; ++i) {
    std::fprintf(stderr, "  unmatched kernel: %s\n", m.unmatched_kernels[i].c_str());
  }
  if (result.unfused) PrintUnfusedCoverage(model.graph(), *result.unfused);
  return result.profile_text;
}

std::string ImportTrt(const ImportFlags& flags) {
  if (flags.layer_info.empty() || flags.model.model_path.empty()) {
    throw Error("--from trtexec needs --layer-info LAYERS.json and --model MODEL.onnx");
  }
  TrtImportOptions options;
  options.missing = flags.missing == "zero" ? MissingLayers::kZero : MissingLayers::kEstimate;
  options.force = flags.force;
  options.statistic =
      flags.statistic == "average" ? TrtImportOptions::Statistic::kAverage : TrtImportOptions::Statistic::kMedian;
  options.rename = flags.csv.rename;
  options.output_path = flags.output_path;
  options.run_info_path = flags.run_info;
  options.model_path = flags.model.model_path;
  const Model& model = LoadModel(flags.model);
  const TrtImportResult result =
      ImportTrtIntoProfile(flags.table_path, flags.layer_info, model.graph(), flags.base_path, options);
  const TrtMapping& t = result.mapping;
  const TraceMapping& m = t.mapping;
  std::fprintf(stderr,
               "coverage: %lld of %lld layers matched; %zu of %zu TensorRT layers unmatched (%.3f ms), %lld charged "
               "as conversions; mapped layers take %.1f %% of the profiled time (%s per layer, %lld runs): %.3f of "
               "%.3f ms\n",
               static_cast<long long>(m.matched_layers), static_cast<long long>(result.layers),
               m.unmatched_kernels.size(), m.kernels.size(), m.unmatched_ms, static_cast<long long>(t.conversions),
               100.0 * m.coverage, result.statistic.c_str(), static_cast<long long>(result.runs), m.mapped_ms,
               t.total_ms);
  if (options.statistic == TrtImportOptions::Statistic::kMedian && result.statistic == "average") {
    std::fprintf(stderr, "note: %s lacks medianMs (older trtexec); used averageMs\n", flags.table_path.c_str());
  }
  for (size_t i = 0; i < m.unmatched_kernels.size() && i < 5; ++i) {
    std::fprintf(stderr, "  unmatched layer: %s", m.unmatched_kernels[i].c_str());
    if (!t.unmatched_hints[i].empty()) std::fprintf(stderr, " (nearest nodes: %s)", t.unmatched_hints[i].c_str());
    std::fprintf(stderr, "\n");
  }
  return result.profile_text;
}

Action RegisterImport(CLI::App& profile) {
  auto flags = std::make_shared<ImportFlags>();
  CLI::App* import = profile.add_subcommand("import", "Import per-layer measurements into a platform profile");
  import->add_option("table", flags->table_path, "The measurement table (csv), ORT profile trace (ort) or trtexec --exportProfile JSON (trtexec)")->required();
  import->add_option("--from", flags->from, "Table format: csv, ort or trtexec")
      ->check(CLI::IsMember({"csv", "ort", "trtexec"}));
  import->add_option("--into", flags->base_path, "Base platform profile to add the table to")->required();
  import->add_option("-o,--output", flags->output_path, "Write the new profile here (default: stdout)");
  import->add_flag("--force", flags->force,
                   "Allow --output to replace an existing file; --from ort/trtexec: import below 90 % coverage");
  import->add_option("--optimized-model", flags->optimized_model, "--from ort: the optimised model ORT ran");
  import->add_option("--model", flags->model.model_path, "--from ort/trtexec: the original ONNX model");
  import->add_option("--unfused-trace", flags->unfused_trace,
                     "--from ort: a trace of the same model with graph optimisations disabled; its kernel times "
                     "become the fused-group nodes' unfused_latency_ms");
  import->add_option("--run-info", flags->run_info,
                     "--from ort: settings JSON written by tools/profile_ort.mjs; --from trtexec: runtime_version, "
                     "device, power_mode, ...");
  import->add_option("--layer-info", flags->layer_info, "--from trtexec: the engine's trtexec --exportLayerInfo JSON");
  import->add_option("--statistic", flags->statistic,
                     "--from trtexec: per-layer median (default; average when the file has none) or average")
      ->check(CLI::IsMember({"median", "average"}));
  import->add_option("--name-column", flags->csv.name_column, "Column with ONNX node names (default 'Layer')");
  import->add_option("--latency-column", flags->csv.latency_column, "Column with latency in ms (default 'Latency [ms]')");
  import->add_option("--energy-column", flags->csv.energy_column, "Column with energy in mJ (default 'Energy [mJ]')");
  import->add_flag("--no-energy", flags->no_energy,
                   "The table has no energy column (energy = power.active_w × latency when the base has it)");
  import->add_option("--separator", flags->separator, "Field separator (default: ';' if the header has one, else ',')");
  import->add_option("--missing", flags->missing, "What layers absent from the table cost: estimate (default) or zero")
      ->check(CLI::IsMember({"zero", "estimate"}));
  import->add_option("--rename", flags->csv.rename, "Name of the new profile");
  return [flags]() -> int {
    std::error_code ec;
    if (!flags->output_path.empty() && !flags->force && std::filesystem::symlink_status(flags->output_path, ec).type() !=
                                                            std::filesystem::file_type::not_found) {
      throw Error(flags->output_path + ": already exists; pass --force to replace it");
    }
    std::string text;
    if (!flags->unfused_trace.empty() && flags->from != "ort") throw Error("--unfused-trace needs --from ort");
    if (flags->from == "ort") {
      text = ImportOrt(*flags);
    } else if (flags->from == "trtexec") {
      text = ImportTrt(*flags);
    } else {
      CsvImportOptions options = flags->csv;
      if (flags->no_energy) options.energy_column.clear();
      if (flags->separator.size() > 1) throw Error("--separator must be one character, got '" + flags->separator + "'");
      if (flags->separator.size() == 1) options.separator = flags->separator[0];
      options.missing = flags->missing == "estimate" ? MissingLayers::kEstimate : MissingLayers::kZero;
      options.output_path = flags->output_path;
      text = ImportCsvIntoProfile(flags->table_path, flags->base_path, options);
    }
    Emit(text, flags->output_path, flags->force);
    return 0;
  };
}

}  // namespace

Action RegisterProfile(CLI::App& app) {
  CLI::App* profile = app.add_subcommand("profile", "Work with platform profiles");
  profile->require_subcommand(1);
  Action import = RegisterImport(*profile);
  Action calibrate = RegisterCalibrate(*profile);
  return [profile, import, calibrate]() -> int {
    if (profile->got_subcommand("import")) return import();
    return calibrate();
  };
}

}  // namespace dnnpart::cli
