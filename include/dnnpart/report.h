// Reports: the plain data a command produces, and the reporters that render it.
//
// The library fills report structs (no formatting); a Reporter renders them to
// a std::ostream in one format ("table" for people, "json" for scripts, see
// docs/json.md). Output is deterministic: rows come in layer/cut id order.
// Reporters are stateless and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "dnnpart/cuts.h"
#include "dnnpart/model.h"
#include "dnnpart/plan.h"
#include "dnnpart/sensitivity.h"

namespace dnnpart {

inline constexpr int kSchemaVersion = 1;

struct TensorRow {
  std::string name;
  Shape shape;
  DType dtype = DType::kUnknown;
  int64_t bytes = 0;
  bool bounded = false;  // shape and bytes are an upper bound (data-dependent size)
};

struct LayerRow {
  LayerId id = 0;
  std::string name;
  std::string op_type;
  Shape output_shape;  // of the first activation output
  DType dtype = DType::kUnknown;
  int64_t param_count = 0;
  int64_t param_bytes = 0;
  int64_t macs = 0;
  bool macs_modelled = false;
  int64_t activation_bytes = 0;  // all activation outputs of the layer
  std::vector<TensorRow> outputs;  // every activation output, in node order
};

struct InspectReport {
  ModelInfo model;
  std::vector<LayerRow> layers;  // in topological order
  int64_t total_param_count = 0;
  int64_t total_param_bytes = 0;
  int64_t total_macs = 0;
  int64_t total_activation_bytes = 0;
  std::vector<std::string> unmodelled_ops;  // op types counted as 0 MACs, sorted
};

struct CutRow {
  int64_t id = 0;
  std::string last_head_layer;  // the head layer latest in topological order
  std::vector<TensorRow> tensors;
  int64_t total_bytes = 0;
  int64_t head_layers = 0;
  int64_t head_macs = 0;
  int64_t tail_macs = 0;
};

struct CutsReport {
  ModelInfo model;
  int max_cut_tensors = 1;
  int64_t layer_count = 0;
  int64_t total_macs = 0;
  std::vector<CutRow> cuts;
};

struct PlanDocument {
  ModelInfo model;
  const LayerGraph* graph = nullptr;       // for tensor names; must outlive the document
  const std::vector<Cut>* cuts = nullptr;  // the cuts planned over (html, dot); may be null
  std::vector<PlatformProfile> platforms;        // per device
  std::vector<std::optional<LinkProfile>> links;  // leaving each device (chain shorthand; empty slots for a system)
  std::vector<std::string> devices;              // device instance names (PlanTarget::names)
  std::string system_path;                       // the system file planned over, if any
  int max_cut_tensors = 1;
  PlanOptions options;
  PlanResult result;
};

// Returns the per-layer table of `model`.
InspectReport MakeInspectReport(const Model& model);

// Returns the report of `cuts` (as found by FindCuts on model.graph()).
CutsReport MakeCutsReport(const Model& model, const std::vector<Cut>& cuts, int max_cut_tensors);

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void WriteInspect(const InspectReport& report, std::ostream& out) const = 0;
  virtual void WriteCuts(const CutsReport& report, std::ostream& out) const = 0;
  virtual void WritePlan(const PlanDocument& document, std::ostream& out) const = 0;
};

// Writes the HTML report of `document` to `path` atomically (a temporary file
// in the same folder, renamed into place). Refuses an existing file unless
// `force`. Throws Error naming the path.
void WriteHtmlReportFile(const PlanDocument& document, const std::string& path, bool force);

// Writes `result` (found with the document's platforms, links and options) as
// "table" or "json" (kind "sensitivity", docs/json.md). Throws Error for
// another format.
void WriteSensitivity(const PlanDocument& document, const SensitivityResult& result, std::string_view format,
                      std::ostream& out);

// "A[12] > B[40]": each stage's platform name and layer count, in stage order.
std::string RouteText(const PlanReport& plan);

// Returns the reporter called `name` ("table", "json", "dot" or "html"; the
// last two render plans only and throw Error for inspect/cuts); throws Error
// for any other name.
std::unique_ptr<Reporter> MakeReporter(std::string_view name);

// Internal factories used by MakeReporter.
std::unique_ptr<Reporter> MakeJsonReporter();
std::unique_ptr<Reporter> MakeTableReporter();
std::unique_ptr<Reporter> MakeDotReporter();   // src/report/dot_report.cc
std::unique_ptr<Reporter> MakeHtmlReporter();  // src/report/html_report.cc

}  // namespace dnnpart
