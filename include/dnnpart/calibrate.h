// Calibration: fitting a platform's roofline parameters (docs/profiling.md)
// to measured kernels of several networks by least squares. Pure functions;
// thread-safe.
#pragma once

#include <string>
#include <vector>

#include "dnnpart/graph.h"
#include "dnnpart/ort_import.h"
#include "dnnpart/profiles.h"

namespace dnnpart {

// One measured network: its graph and its mapped trace.
struct CalibrationNetwork {
  std::string name;
  LayerGraph graph;
  TraceMapping mapping;
  double measured_ms = 0;  // whole-run median of the trace
};

struct NetworkError {
  std::string name;
  double measured_ms = 0;
  double before_ms = 0;         // predicted by the base profile (analytic, no table)
  double after_ms = 0;          // predicted by the profile fitted on all networks
  double leave_one_out_ms = 0;  // predicted by the profile fitted on the other networks (0 with one network)
};

struct CalibrationResult {
  PlatformProfile profile;          // the base with fitted peak, efficiency, overhead, bandwidth
  std::vector<NetworkError> networks;
  std::vector<std::string> warnings;
  int64_t kernels = 0;              // kernel rows in the fit
};

// Fits, over all mapped kernels of `networks`, the time per MAC of each cost
// class (CostClass), the time per byte moved and the per-kernel overhead, with
// activations fused into their producer costing nothing. Throws Error when no
// kernel can be fitted.
CalibrationResult Calibrate(const PlatformProfile& base, const std::vector<CalibrationNetwork>& networks);

// Whole-network latency `platform` predicts for `graph` (estimates only: the
// layer table is ignored).
double PredictNetworkMs(const LayerGraph& graph, PlatformProfile platform);

}  // namespace dnnpart

namespace dnnpart {

// The JSON text of the base profile at `base_path` with the fitted numbers of
// `result` (compute.peak_macs_per_s, efficiency, layer_overhead_ms,
// fuse_activations, memory.bandwidth_bytes_per_s), no layer table, and
// provenance.calibrated listing the networks. default_link is rebased onto
// `output_path` ("" → absolute).
std::string CalibratedProfileText(const std::string& base_path, const CalibrationResult& result,
                                  const std::string& output_path);

}  // namespace dnnpart
