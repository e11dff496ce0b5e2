// `dnnpart cuts MODEL`: every valid cut of the model and what crosses it.
#include <spdlog/spdlog.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "commands.h"
#include "common.h"
#include "dnnpart/cuts.h"
#include "dnnpart/report.h"

namespace dnnpart::cli {

Action RegisterCuts(CLI::App& app) {
  struct Flags {
    ModelFlags model;
    OutputFlags output;
    CutOptions cuts;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = app.add_subcommand("cuts", "List every valid cut and the tensors that cross it");
  AddModelFlags(*command, flags->model);
  AddOutputFlags(*command, flags->output);
  command->add_option("--max-cut-tensors", flags->cuts.max_cut_tensors,
                      "Report cuts with at most K crossing tensors (default 1)")
      ->check(IntegerIn(1, 16));
  return [flags]() -> int {
    const Model& model = LoadModel(flags->model);
    const auto reporter = MakeReporter(ResolveFormat(flags->output));
    const auto start = std::chrono::steady_clock::now();
    const std::vector<Cut> cuts = FindCutsOf(model, flags->cuts);
    const auto found = std::chrono::steady_clock::now();
    reporter->WriteCuts(MakeCutsReport(model, cuts, flags->cuts.max_cut_tensors), std::cout);
    spdlog::debug("found {} cuts in {:.1f} ms, wrote them in {:.1f} ms", cuts.size(),
                  std::chrono::duration<double, std::milli>(found - start).count(),
                  std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - found).count());
    return 0;
  };
}

}  // namespace dnnpart::cli
