// Reading ORT's profile trace and the node names of the optimised model.
#define JSON_DIAGNOSTICS 1
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "dnnpart/error.h"
#include "input_file.h"
#include "json_file.h"
#include "dnnpart/ort_import.h"

namespace dnnpart {
namespace {

constexpr std::uintmax_t kMaxTraceBytes = 512ull << 20;
constexpr char kKernelSuffix[] = "_kernel_time";

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::string ReadBounded(const std::string& path, std::uintmax_t limit, const std::string& what) {
  try {
    CheckInputFile(path, what, static_cast<int64_t>(limit), "");  // a FIFO would block, a device never end
  } catch (const Error& e) {
    throw e.WithContext(path);
  }
  std::error_code ec;
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(path + ": cannot open the file (" + std::string(std::strerror(errno)) + ")");
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(path + ": cannot read the file size (" + ec.message() + ")");
  if (size == 0) throw Error(path + ": the file is empty");
  if (size > limit) {
    throw Error(path + ": " + std::to_string(size) + " bytes, more than the " + std::to_string(limit >> 20) +
                " MiB read for " + what);
  }
  std::string bytes(static_cast<size_t>(size), '\0');
  if (!file.read(bytes.data(), static_cast<std::streamsize>(size))) {
    throw Error(path + ": cannot read the file (" + std::string(std::strerror(errno)) + ")");
  }
  return bytes;
}

struct Event {
  std::string name;
  std::string op_type;
  double ts_us = 0;
  double dur_us = 0;
};

// Reads "ts" and "dur" of event `i` as non-negative finite numbers.
Event ReadEvent(const nlohmann::json& e, size_t i, const std::string& path) {
  const std::string where = path + ": event " + std::to_string(i);
  if (!e.is_object()) throw Error(where + ": not an object");
  Event event;
  for (const char* key : {"ts", "dur"}) {
    if (!e.contains(key) || !e[key].is_number()) throw Error(where + ": /" + key + " must be a number");
    const double value = e[key].get<double>();
    if (!std::isfinite(value) || value < 0) throw Error(where + ": /" + key + " must be finite and non-negative");
    (std::strcmp(key, "ts") == 0 ? event.ts_us : event.dur_us) = value;
  }
  if (!e.contains("name") || !e["name"].is_string()) throw Error(where + ": /name must be text");
  event.name = e["name"].get<std::string>();
  if (e.contains("args") && e["args"].is_object() && e["args"].contains("op_name") && e["args"]["op_name"].is_string()) {
    event.op_type = e["args"]["op_name"].get<std::string>();
  }
  return event;
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

OrtTrace ReadOrtTrace(const std::string& path) {
  const std::string bytes = ReadBounded(path, kMaxTraceBytes, "an ORT profile trace");
  nlohmann::json root;
  try {
    root = ParseJsonText(bytes);  // with the JSON depth limit (docs/limits.md)
  } catch (const Error& e) {
    throw e.WithContext(path);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": not valid JSON: " + e.what());
  }
  if (root.is_object() && root.contains("traceEvents")) root = root["traceEvents"];
  if (!root.is_array()) throw Error(path + ": not an ORT profile trace (expected a JSON array of trace events)");
  std::vector<std::pair<double, double>> runs;  // [start, end) in µs
  std::vector<double> run_ms;
  std::vector<Event> kernels;
  for (size_t i = 0; i < root.size(); ++i) {
    const nlohmann::json& e = root[i];
    const std::string cat = e.is_object() && e.contains("cat") && e["cat"].is_string() ? e["cat"].get<std::string>() : "";
    if (cat != "Node" && cat != "Session") continue;
    Event event = ReadEvent(e, i, path);
    if (cat == "Session" && event.name == "model_run") {
      runs.emplace_back(event.ts_us, event.ts_us + event.dur_us);
      run_ms.push_back(event.dur_us / 1000.0);
    } else if (cat == "Node" && EndsWith(event.name, kKernelSuffix)) {
      event.name.resize(event.name.size() - (sizeof(kKernelSuffix) - 1));
      kernels.push_back(std::move(event));
    }
  }
  if (runs.empty()) throw Error(path + ": no model_run event; is this an ORT profile trace of at least one run?");
  if (kernels.empty()) throw Error(path + ": no kernel (\"Node\" ..._kernel_time) events");
  std::sort(runs.begin(), runs.end());
  // Per kernel, the total time in each run it appeared in.
  std::map<std::string, std::map<size_t, double>> per_run;
  OrtTrace trace;
  trace.path = path;
  std::map<std::string, size_t> index;
  for (const Event& event : kernels) {
    auto after = std::upper_bound(runs.begin(), runs.end(), std::make_pair(event.ts_us, std::numeric_limits<double>::max()));
    if (after == runs.begin() || event.ts_us > std::prev(after)->second) continue;  // outside every run
    const auto run = static_cast<size_t>(std::prev(after) - runs.begin());
    per_run[event.name][run] += event.dur_us / 1000.0;
    if (index.emplace(event.name, trace.kernels.size()).second) trace.kernels.push_back({event.name, event.op_type, 0, 0, {}});
  }
  for (TraceKernel& kernel : trace.kernels) {
    std::vector<double> samples;
    kernel.run_ms.assign(runs.size(), 0.0);
    for (const auto& [run, ms] : per_run[kernel.name]) samples.push_back(ms), kernel.run_ms[run] = ms;
    kernel.median_ms = Median(samples);
    kernel.samples = static_cast<int64_t>(samples.size());
  }
  trace.runs = static_cast<int64_t>(runs.size());
  trace.run_median_ms = Median(run_ms);
  for (const auto& [start, end] : runs) trace.run_ms.push_back((end - start) / 1000.0);
  return trace;
}

std::vector<KernelNode> ReadKernelNodes(const std::string& path) {
  const std::string bytes = ReadBounded(path, static_cast<std::uintmax_t>(std::numeric_limits<int>::max()),
                                        "an optimised .onnx model");
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || !model.has_graph()) {
    throw Error(path + ": not a valid ONNX model: the protobuf data is malformed or truncated");
  }
  std::vector<KernelNode> nodes;
  for (const auto& node : model.graph().node()) {
    KernelNode k{node.name(), node.op_type(), node.domain(), {}, {}};
    for (const auto& input : node.input()) k.inputs.push_back(input);
    for (const auto& output : node.output()) k.outputs.push_back(output);
    nodes.push_back(std::move(k));
  }
  if (nodes.empty()) throw Error(path + ": the optimised model has no nodes");
  return nodes;
}

}  // namespace dnnpart
