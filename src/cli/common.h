// Flags shared by several subcommands, and the helpers that apply them.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "dnnpart/cuts.h"
#include "dnnpart/model.h"

namespace dnnpart::cli {

struct ModelFlags {
  std::string model_path;
  std::vector<std::string> input_shapes;   // NAME=1x3x224x224
  std::vector<std::string> input_values;   // NAME=V[,V...]
  std::vector<std::string> tensor_shapes;  // NAME=AxBx...
};

struct OutputFlags {
  std::string format;  // "", "table", "json" (or, for plan, "dot", "html"); "" picks table on a
                       // terminal, json otherwise
};

// A flag validator: the value must be a finite number above zero (NaN,
// infinities and 0 are refused with a short message, not CLI11's range text).
CLI::Validator PositiveFinite();

void AddModelFlags(CLI::App& command, ModelFlags& flags);
// `plan_formats` also allows "dot" and "html".
void AddOutputFlags(CLI::App& command, OutputFlags& flags, bool plan_formats = false);

// The load options the flags give; throws Error on a malformed flag.
LoadOptions ParseLoadOptions(const ModelFlags& flags);

// Loads the model named by the flags; it lives until the process exits.
// Throws Error on bad input.
const Model& LoadModel(const ModelFlags& flags);

// FindCuts on the model's graph; an Error names the model file.
std::vector<Cut> FindCutsOf(const Model& model, const CutOptions& options);

// Returns the format given, else "table" on a terminal and "json" otherwise.
std::string ResolveFormat(const OutputFlags& flags);

}  // namespace dnnpart::cli
