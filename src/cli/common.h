// Flags shared by several subcommands, and the helpers that apply them.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
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

// Strict numbers from flags: plain decimal text only ("12", "0.5", "1e-3",
// "-2"). No blanks, no '+', no hex or octal prefixes, no "inf" or "nan",
// nothing after the number, and nothing that overflows ("1e400") or
// underflows ("1e-400"). Each returns nullopt for anything else.
std::optional<double> ParseFiniteNumber(const std::string& text);
std::optional<int64_t> ParseInteger(const std::string& text);

// Flag validators on the strict parsers. A refusal reads "FLAG: must be ...,
// got 'TEXT'"; an accepted value is rewritten in the form CLI11 converts to
// the same number (CLI11 alone would read "0x10" as 16, "010" as 8 and
// "1e400" as infinity).
CLI::Validator PositiveFinite();                // a finite number above 0
CLI::Validator FiniteIn(double lo, double hi);  // a finite number in [lo, hi]
CLI::Validator IntegerIn(int64_t lo, int64_t hi);

// The same rules for one item of a comma list; throws Error naming the flag.
double PositiveFiniteItem(const std::string& text, const std::string& flag);
int64_t IntegerItem(const std::string& text, int64_t lo, int64_t hi, const std::string& flag);

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
