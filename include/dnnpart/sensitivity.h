// Sensitivity: where along one parameter the recommended plan changes
// (`dnnpart plan --sensitivity bandwidth|input-fps`, docs/reports.md).
//
// Every plan's metrics are closed-form in the parameter: with x = 1/bandwidth
// a transfer takes 1000 x wire_bytes x x + fixed ms, so latency and energy are
// lines in x and the frame period is the maximum of lines; link utilization
// is linear in x and in the frame rate. AnalyzeSensitivity plans at the ends
// of the range, solves exactly where the two plans' ranking (or feasibility)
// flips, plans there, and recurses until every interval has the same plan at
// both ends and at its middle. Pure function; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dnnpart/plan.h"

namespace dnnpart {

enum class SensitivityParameter {
  kBandwidth,  // every link's bandwidth_bytes_per_s set to the same value
  kInputFps,   // PlanOptions::fps (the link load it implies)
};

struct SensitivityOptions {
  SensitivityParameter parameter = SensitivityParameter::kBandwidth;
  double from = 1e5;  // range, in bytes/s or frames/s; from < to
  double to = 1e11;
};

struct SensitivityInterval {
  double from = 0;  // parameter values bounding the interval
  double to = 0;
  std::optional<PlanReport> plan;  // the recommended plan inside it (nullopt: none feasible);
                                   // its metrics are those at the interval's middle
  std::vector<int64_t> cuts;       // the cut after each stage but the last
};

struct SensitivityResult {
  SensitivityParameter parameter = SensitivityParameter::kBandwidth;
  std::vector<SensitivityInterval> intervals;  // ascending, adjacent, covering [from, to]
  int64_t plannings = 0;                       // PlanPartitions calls made
};

// Returns the intervals of the parameter with one recommended plan each.
// Throws Error for an empty or non-positive range, for include_idle_energy
// (not closed-form) or when bandwidth is analysed without any link.
SensitivityResult AnalyzeSensitivity(const LayerGraph& graph, const std::vector<Cut>& cuts,
                                     const std::vector<PlatformProfile>& platforms,
                                     const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& options,
                                     const SensitivityOptions& sensitivity);

}  // namespace dnnpart
