#include "common.h"

#include <unistd.h>

#include "dnnpart/error.h"

namespace dnnpart::cli {

void AddModelFlags(CLI::App& command, ModelFlags& flags) {
  command.add_option("model", flags.model_path, "ONNX model file")->required();
  command.add_option("--input-shape", flags.input_shapes,
                     "Shape of a graph input, NAME=1x3x224x224 (repeatable); binds symbolic dimensions");
}

void AddOutputFlags(CLI::App& command, OutputFlags& flags) {
  command.add_option("--format", flags.format, "Output format: table or json (default: table on a terminal, else json)")
      ->check(CLI::IsMember({"table", "json"}));
}

const Model& LoadModel(const ModelFlags& flags) {
  LoadOptions options;
  for (const std::string& binding : flags.input_shapes) {
    const size_t eq = binding.rfind('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error("--input-shape '" + binding + "' is not of the form NAME=1x3x224x224");
    }
    try {
      options.input_shapes[binding.substr(0, eq)] = ParseShape(binding.substr(eq + 1));
    } catch (const Error& e) {
      throw e.WithContext("--input-shape");
    }
  }
  // Deliberately never freed: the process ends right after the command, and
  // tearing down a large parsed ONNX model costs as much as building the layer
  // graph. The static pointer keeps it reachable for leak checkers; volatile,
  // or the optimiser drops the store nobody reads and LeakSanitizer reports it.
  static const Model* volatile loaded = nullptr;
  loaded = new Model(Model::Load(flags.model_path, options));
  return *loaded;
}

std::string ResolveFormat(const OutputFlags& flags) {
  if (!flags.format.empty()) return flags.format;
  return isatty(STDOUT_FILENO) != 0 ? "table" : "json";
}

}  // namespace dnnpart::cli
