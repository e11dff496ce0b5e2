// Calibrate: least squares over mapped kernels, alternating with the choice of
// which layers are compute-bound (the roofline's max makes the model linear
// only once that choice is fixed).
#include "dnnpart/calibrate.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "dnnpart/cost.h"
#include "dnnpart/error.h"

namespace dnnpart {
namespace {

constexpr int kIterations = 12;
constexpr double kMinKernelMs = 0.02;  // relative-error weights are floored here

// One fitted kernel: the layers it runs and what it took.
struct Row {
  const LayerGraph* graph;
  std::vector<LayerId> layers;
  double measured_ms;
};

// Parameters: ms per MAC of each class, ms per byte, ms per kernel.
struct Params {
  std::map<std::string, double> ms_per_mac;
  double ms_per_byte = 0;
  double overhead_ms = 0;
};

int64_t BytesMoved(const LayerGraph& graph, LayerId id, DType type) {
  const Layer& layer = graph.layer(id);
  int64_t bytes = layer.param_count * DTypeBytes(type);
  for (TensorId t : layer.inputs) bytes += ElementCount(graph.tensor(t).shape) * BytesPerElementOn(graph.tensor(t), type);
  for (TensorId t : layer.outputs) bytes += ElementCount(graph.tensor(t).shape) * BytesPerElementOn(graph.tensor(t), type);
  return bytes;
}

std::vector<Row> MakeRows(const std::vector<const CalibrationNetwork*>& networks) {
  std::vector<Row> rows;
  for (const CalibrationNetwork* n : networks) {
    std::map<LayerId, size_t> row_of;
    for (const KernelAssignment& k : n->mapping.kernels) {
      if (k.layers.empty()) continue;
      for (LayerId l : k.layers) row_of[l] = rows.size();
      rows.push_back({&n->graph, k.layers, k.median_ms});
    }
    // Layout conversions have no analytic cost: they load the kernel they serve.
    for (const KernelAssignment& k : n->mapping.kernels) {
      auto it = row_of.find(k.converts_for);
      if (k.layers.empty() && it != row_of.end()) rows[it->second].measured_ms += k.median_ms;
    }
  }
  return rows;
}

Params FromProfile(const PlatformProfile& p, const std::vector<Row>& rows) {
  Params params;
  const double peak_per_ms = p.peak() / 1000.0;
  for (const Row& row : rows) {
    for (LayerId l : row.layers) params.ms_per_mac[CostClass(*row.graph, l)] = 1.0 / (peak_per_ms * EfficiencyOf(*row.graph, l, p));
  }
  params.ms_per_byte = 1000.0 / p.memory_bandwidth_bytes_per_s;
  params.overhead_ms = p.layer_overhead_ms;
  return params;
}

// Solves the normal equations A x = b (small, dense) by Gaussian elimination.
std::vector<double> Solve(std::vector<std::vector<double>> a, std::vector<double> b) {
  const size_t n = b.size();
  for (size_t i = 0; i < n; ++i) a[i][i] += 1e-12 * (1 + a[i][i]);  // keeps unused unknowns solvable
  for (size_t col = 0; col < n; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < n; ++r) if (std::abs(a[r][col]) > std::abs(a[pivot][col])) pivot = r;
    std::swap(a[col], a[pivot]);
    std::swap(b[col], b[pivot]);
    if (a[col][col] == 0) continue;
    for (size_t r = 0; r < n; ++r) {
      if (r == col || a[r][col] == 0) continue;
      const double f = a[r][col] / a[col][col];
      for (size_t c = col; c < n; ++c) a[r][c] -= f * a[col][c];
      b[r] -= f * b[col];
    }
  }
  std::vector<double> x(n, 0);
  for (size_t i = 0; i < n; ++i) x[i] = a[i][i] != 0 ? b[i] / a[i][i] : 0;
  return x;
}

// One least-squares step with the compute/memory choice of `current`;
// unknowns that come out negative are pinned to 0 and the step repeated.
Params Step(const std::vector<Row>& rows, const Params& current, DType type) {
  std::vector<std::string> classes;
  for (const auto& [name, unused] : current.ms_per_mac) classes.push_back(name);
  const size_t n = classes.size() + 2;  // classes, byte, overhead
  std::vector<bool> pinned(n, false);
  std::vector<double> x(n, 0);
  for (int round = 0; round < static_cast<int>(n); ++round) {
    std::vector<std::vector<double>> ata(n, std::vector<double>(n, 0));
    std::vector<double> atb(n, 0);
    for (const Row& row : rows) {
      std::vector<double> features(n, 0);
      for (LayerId l : row.layers) {
        if (IsFusedActivation(*row.graph, l)) continue;
        const std::string cls = CostClass(*row.graph, l);
        const auto macs = static_cast<double>(row.graph->layer(l).macs);
        const auto bytes = static_cast<double>(BytesMoved(*row.graph, l, type));
        const size_t c = static_cast<size_t>(std::lower_bound(classes.begin(), classes.end(), cls) - classes.begin());
        if (macs * current.ms_per_mac.at(cls) >= bytes * current.ms_per_byte) features[c] += macs;
        else features[n - 2] += bytes;
      }
      features[n - 1] = 1;
      const double w = 1.0 / std::max(row.measured_ms, kMinKernelMs);
      for (size_t i = 0; i < n; ++i) {
        if (pinned[i]) continue;
        for (size_t j = 0; j < n; ++j) if (!pinned[j]) ata[i][j] += w * w * features[i] * features[j];
        atb[i] += w * w * features[i] * row.measured_ms;
      }
    }
    for (size_t i = 0; i < n; ++i) if (pinned[i]) ata[i][i] = 1, atb[i] = 0;
    x = Solve(ata, atb);
    bool negative = false;
    for (size_t i = 0; i < n; ++i) if (x[i] < 0) pinned[i] = true, negative = true;
    if (!negative) break;
  }
  Params next = current;
  for (size_t c = 0; c < classes.size(); ++c) {
    if (x[c] > 0) next.ms_per_mac[classes[c]] = x[c];  // a class never compute-bound keeps its rate
  }
  if (x[n - 2] > 0) next.ms_per_byte = x[n - 2];
  next.overhead_ms = std::max(0.0, x[n - 1]);
  return next;
}

PlatformProfile ToProfile(const PlatformProfile& base, const Params& params, std::vector<std::string>* warnings) {
  PlatformProfile p = base;
  double fastest = 0;  // highest MAC rate any class needs, MAC/s
  for (const auto& [cls, ms] : params.ms_per_mac) fastest = std::max(fastest, 1000.0 / ms);
  if (fastest > p.peak()) {
    if (warnings) {
      warnings->push_back("the fit needs " + std::to_string(fastest) + " MAC/s, above the profile's peak " +
                          std::to_string(p.peak()) + "; peak raised to it");
    }
    p.peak_macs_per_s[p.data_type] = fastest;
  }
  for (const auto& [cls, ms] : params.ms_per_mac) p.efficiency[cls] = std::min(1.0, 1000.0 / ms / p.peak());
  p.memory_bandwidth_bytes_per_s = 1000.0 / params.ms_per_byte;
  p.layer_overhead_ms = params.overhead_ms;
  p.fuse_activations = true;
  p.layer_table.clear();
  p.missing_layers = MissingLayers::kEstimate;
  return p;
}

PlatformProfile Fit(const PlatformProfile& base, const std::vector<const CalibrationNetwork*>& networks,
                    std::vector<std::string>* warnings, int64_t* kernel_count) {
  const std::vector<Row> rows = MakeRows(networks);
  if (rows.empty()) throw Error("calibration: no mapped kernel to fit");
  if (kernel_count) *kernel_count = static_cast<int64_t>(rows.size());
  Params params = FromProfile(base, rows);
  for (int i = 0; i < kIterations; ++i) params = Step(rows, params, base.data_type);
  return ToProfile(base, params, warnings);
}

}  // namespace

double PredictNetworkMs(const LayerGraph& graph, PlatformProfile platform) {
  platform.layer_table.clear();
  platform.missing_layers = MissingLayers::kEstimate;
  double total = 0;
  for (const LayerCost& cost : CostLayers(graph, platform)) total += cost.latency_ms;
  return total;
}

CalibrationResult Calibrate(const PlatformProfile& base, const std::vector<CalibrationNetwork>& networks) {
  CalibrationResult result;
  std::vector<const CalibrationNetwork*> all;
  for (const CalibrationNetwork& n : networks) all.push_back(&n);
  result.profile = Fit(base, all, &result.warnings, &result.kernels);
  for (const CalibrationNetwork& n : networks) {
    NetworkError e{n.name, n.measured_ms, PredictNetworkMs(n.graph, base), PredictNetworkMs(n.graph, result.profile), 0};
    if (networks.size() > 1) {
      std::vector<const CalibrationNetwork*> others;
      for (const CalibrationNetwork& o : networks) if (&o != &n) others.push_back(&o);
      e.leave_one_out_ms = PredictNetworkMs(n.graph, Fit(base, others, nullptr, nullptr));
    }
    result.networks.push_back(e);
  }
  return result;
}

}  // namespace dnnpart
