// Split output: which pipeline to write (from a plan JSON, a plan in memory,
// or cut ids) and the folder `dnnpart split` writes: stage_k.onnx files, their
// weights and manifest.json (docs/split.md, docs/json.md). Plain values and
// functions; the functions touch only the files named; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dnnpart/model.h"
#include "dnnpart/plan.h"
#include "dnnpart/profiles.h"
#include "dnnpart/split.h"

namespace dnnpart {

// The pipeline to write and what its plan predicted.
struct SplitSource {
  std::string origin;            // "plan.json (recommended)", "plan.json (pareto 2)", "--cuts" or "plan"
  int max_cut_tensors = 1;       // the cut ids index FindCuts(graph, {max_cut_tensors})
  std::vector<size_t> cut_ids;   // the cut after each stage but the last
  std::vector<std::string> platforms;  // per stage
  std::vector<std::string> profiles;   // per stage: the platform profile's path; "" when not known
  std::vector<std::string> links;      // per boundary (into stage k+1); "" when not known
  std::string input_link;              // the link sending the graph inputs to stage 0; "" when none
  // Per boundary: the element type the plan costs floating tensors in (the
  // link's transfer_data_type, else the sending platform's data_type);
  // unset with --cuts. Used with SplitWriteOptions::insert_casts.
  std::vector<std::optional<DType>> wire_dtypes;
  std::vector<std::optional<double>> stage_latency_ms;  // per stage; unset without a plan
  std::optional<double> latency_ms;
  std::optional<double> throughput_fps;
  // From a plan: each stage's first and last layer, checked against the cuts.
  std::vector<std::string> first_layers, last_layers;
};

// Reads a `dnnpart plan` JSON document and picks "recommended" or "N" (an
// index into its "pareto" list). Throws Error naming the file and the object
// when it is not a plan of this model (graph name, node count), the pick is
// out of range or the plan has no "cuts".
SplitSource ReadPlanChoice(const std::string& path, const ModelInfo& model, const std::string& pick);

// A plan computed in this process (`plan --emit`), with the links leaving each platform.
SplitSource PlanChoice(const PlanReport& plan, const std::vector<PlatformProfile>& platforms,
                       const std::vector<std::optional<LinkProfile>>& links, int max_cut_tensors);

// Stages named "stage_0", "stage_1", ... between the given cut ids.
SplitSource CutsChoice(const std::vector<size_t>& cut_ids, int max_cut_tensors);

struct SplitWriteOptions {
  std::string out_dir;     // created if absent; never a symlink
  bool force = false;      // write into a non-empty folder (files of the same names are replaced)
  LoadOptions load;        // the flags the model was loaded with, recorded in the manifest
  // Cast floating tensors to the source's wire_dtypes at each boundary
  // (SplitOptions::wire_dtypes); integer wire types are left out with a warning.
  bool insert_casts = false;
  // With insert_casts: per tensor, the range an int8/uint8 wire quantizes it
  // over (ReadCalibration); others use QuantRange's default [-8, 8].
  std::map<std::string, QuantRange> quant_ranges;
  std::string calibration_path;  // recorded in the manifest; "" when none
};

// Reads a calibration file: {"schema_version": 1, "kind": "calibration",
// "tensors": {"NAME": {"min": A, "max": B}, ...}} (docs/split.md). Throws
// Error naming the file and the object when it is malformed or a range is
// not finite with min <= max.
std::map<std::string, QuantRange> ReadCalibration(const std::string& path);

struct SplitSummary {
  std::vector<std::string> files;  // written, in order; manifest.json last
  std::string weights;             // "inline", "external" or "structure-only"
};

// Throws Error when WriteSplit would refuse `dir` (a symlink, not a folder,
// or not empty without `force`); creates nothing. For checks before long work.
void CheckSplitOutputDir(const std::string& dir, bool force);

// Splits `model` as `source` says and writes the folder. Every file is
// written to a temporary file in the folder, synced and renamed into place.
// Throws Error when the cuts do not match the plan's stages, the folder is not
// empty (without force), is a symlink or cannot be written.
SplitSummary WriteSplit(const Model& model, const SplitSource& source, const SplitWriteOptions& options);

}  // namespace dnnpart
