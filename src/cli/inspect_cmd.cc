// `dnnpart inspect MODEL`: per-layer shapes, parameters, MACs and activations.
#include <iostream>
#include <memory>

#include "commands.h"
#include "common.h"
#include "dnnpart/report.h"

namespace dnnpart::cli {

Action RegisterInspect(CLI::App& app) {
  struct Flags {
    ModelFlags model;
    OutputFlags output;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = app.add_subcommand("inspect", "Show every layer: output shape, parameters, MACs, activations");
  AddModelFlags(*command, flags->model);
  AddOutputFlags(*command, flags->output);
  return [flags]() -> int {
    const Model& model = LoadModel(flags->model);
    MakeReporter(ResolveFormat(flags->output))->WriteInspect(MakeInspectReport(model), std::cout);
    return 0;
  };
}

}  // namespace dnnpart::cli
