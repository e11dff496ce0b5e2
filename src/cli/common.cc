#include "common.h"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <utility>

#include "dnnpart/error.h"

namespace dnnpart::cli {

std::optional<double> ParseFiniteNumber(const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  // from_chars reads no blanks, '+' or "0x"; it reads "inf" and "nan", which
  // isfinite refuses, and reports overflow and underflow as out of range.
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value == 0 ? 0.0 : value;  // no -0
}

std::optional<int64_t> ParseInteger(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

namespace {

// The shortest text that reads back as `value`.
std::string Canonical(double value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

std::string Number(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

std::string CheckPositive(std::string& text) {
  const std::optional<double> value = ParseFiniteNumber(text);
  if (!value || *value <= 0) return "must be a finite number above 0, got '" + text + "'";
  text = Canonical(*value);
  return "";
}

std::string CheckInteger(std::string& text, int64_t lo, int64_t hi) {
  const std::optional<int64_t> value = ParseInteger(text);
  if (!value || *value < lo || *value > hi) {
    return "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got '" + text + "'";
  }
  text = std::to_string(*value);
  return "";
}

}  // namespace

CLI::Validator PositiveFinite() {
  return CLI::Validator(CheckPositive, "POSITIVE", "PositiveFinite");
}

CLI::Validator FiniteIn(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) {
        const std::optional<double> value = ParseFiniteNumber(text);
        if (!value || *value < lo || *value > hi) {
          return "must be a number from " + Number(lo) + " to " + Number(hi) + ", got '" + text + "'";
        }
        text = Canonical(*value);
        return std::string();
      },
      "NUMBER", "FiniteIn");
}

CLI::Validator IntegerIn(int64_t lo, int64_t hi) {
  return CLI::Validator([lo, hi](std::string& text) { return CheckInteger(text, lo, hi); }, "INT", "IntegerIn");
}

double PositiveFiniteItem(const std::string& text, const std::string& flag) {
  std::string item = text;
  const std::string fault = CheckPositive(item);
  if (!fault.empty()) throw Error(flag + ": " + fault);
  return *ParseFiniteNumber(item);
}

int64_t IntegerItem(const std::string& text, int64_t lo, int64_t hi, const std::string& flag) {
  std::string item = text;
  const std::string fault = CheckInteger(item, lo, hi);
  if (!fault.empty()) throw Error(flag + ": " + fault);
  return *ParseInteger(item);
}

void AddModelFlags(CLI::App& command, ModelFlags& flags) {
  command.add_option("model", flags.model_path, "ONNX model file")->required();
  command.add_option("--input-shape", flags.input_shapes,
                     "Shape of a graph input, NAME=1x3x224x224 (repeatable); binds symbolic dimensions");
  command.add_option("--input-value", flags.input_values,
                     "Value of a small graph input, NAME=V[,V...] (repeatable), e.g. sr=16000; it becomes a constant");
  command.add_option("--tensor-shape", flags.tensor_shapes,
                     "Shape of any tensor, NAME=AxBx... (repeatable), for sizes that depend on the data");
}

void AddOutputFlags(CLI::App& command, OutputFlags& flags, bool plan_formats) {
  if (plan_formats) {
    command
        .add_option("--format", flags.format,
                    "Output format: table, json, dot (Graphviz) or html (default: table on a terminal, else json)")
        ->check(CLI::IsMember({"table", "json", "dot", "html"}));
    return;
  }
  command.add_option("--format", flags.format, "Output format: table or json (default: table on a terminal, else json)")
      ->check(CLI::IsMember({"table", "json"}));
}

namespace {

// Splits "NAME=TEXT" at the last '='; throws naming the flag and its form.
std::pair<std::string, std::string> SplitBinding(const std::string& binding, const std::string& flag,
                                                 const std::string& form) {
  const size_t eq = binding.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == binding.size()) {
    throw Error(flag + " '" + binding + "' is not of the form " + form);
  }
  return {binding.substr(0, eq), binding.substr(eq + 1)};
}

std::vector<double> ParseValues(const std::string& text) {
  std::vector<double> values;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string part = text.substr(start, comma - start);
    const std::optional<double> value = ParseFiniteNumber(part);
    if (!value) throw Error("'" + part + "' is not a finite number");
    values.push_back(*value);
    start = comma + 1;
  }
  return values;
}

template <typename Parse>
void ParseBindings(const std::vector<std::string>& bindings, const std::string& flag, const std::string& form,
                   Parse parse) {
  for (const std::string& binding : bindings) {
    const auto [name, text] = SplitBinding(binding, flag, form);
    try {
      parse(name, text);
    } catch (const Error& e) {
      throw e.WithContext(flag + " " + name);
    }
  }
}

}  // namespace

LoadOptions ParseLoadOptions(const ModelFlags& flags) {
  LoadOptions options;
  ParseBindings(flags.input_shapes, "--input-shape", "NAME=1x3x224x224",
                [&](const std::string& name, const std::string& text) { options.input_shapes[name] = ParseShape(text); });
  ParseBindings(flags.input_values, "--input-value", "NAME=V[,V...]",
                [&](const std::string& name, const std::string& text) { options.input_values[name] = ParseValues(text); });
  ParseBindings(flags.tensor_shapes, "--tensor-shape", "NAME=AxBx...",
                [&](const std::string& name, const std::string& text) { options.tensor_shapes[name] = ParseShape(text); });
  return options;
}

const Model& LoadModel(const ModelFlags& flags) {
  const LoadOptions options = ParseLoadOptions(flags);
  // Deliberately never freed: the process ends right after the command, and
  // tearing down a large parsed ONNX model costs as much as building the layer
  // graph. The static pointer keeps it reachable for leak checkers; volatile,
  // or the optimiser drops the store nobody reads and LeakSanitizer reports it.
  static const Model* volatile loaded = nullptr;
  loaded = new Model(Model::Load(flags.model_path, options));
  return *loaded;
}

std::vector<Cut> FindCutsOf(const Model& model, const CutOptions& options) {
  try {
    return FindCuts(model.graph(), options);
  } catch (const Error& e) {
    throw e.WithContext(model.info().path);
  }
}

std::string ResolveFormat(const OutputFlags& flags) {
  if (!flags.format.empty()) return flags.format;
  return isatty(STDOUT_FILENO) != 0 ? "table" : "json";
}

}  // namespace dnnpart::cli
