// Sweeps: many plans in one process (`dnnpart sweep`, docs/sweep.md).
//
// A sweep is the product of its axes: models x platform sets x link
// bandwidths x cut limits x input frame rates. ExpandCases lists the cases in
// that nesting order (the case order of every output). RunSweep loads each
// model once, finds its cuts once per limit, plans the cases on a pool of
// threads and hands the rows to a callback in case order, so the output is the
// same whatever the thread count. Row formatting (CSV, JSON lines) is pure.
// RunSweep is safe to call from one thread at a time (it routes the process's
// log warnings of its worker threads into the rows while it runs).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dnnpart/plan.h"

namespace dnnpart {

// Platforms planned together, in --platforms order, with the links leaving
// them (as `plan --link`: none, one for all, or one per platform).
struct PlatformSet {
  std::string name;  // for the rows; default: platform file stems joined by "+", or the system file's stem
  std::vector<std::string> platforms;
  std::vector<std::string> links;
  std::string system;  // a system file (docs/system.md) instead of platforms and links
};

struct SweepAxes {
  std::vector<std::string> models;                    // ONNX paths
  std::vector<PlatformSet> platform_sets;
  std::vector<std::optional<double>> bandwidths_bytes_per_s = {std::nullopt};  // nullopt: the profiles' own
  std::vector<int> max_cut_tensors = {1};
  std::vector<std::optional<double>> input_fps = {std::nullopt};  // nullopt: no --fps
};

struct SweepGates {
  std::optional<double> min_fps;         // the recommended plan must reach this throughput
  std::optional<double> max_latency_ms;  // ... and stay at or below this latency
};

struct SweepCase {
  size_t index = 0;
  size_t model = 0;         // index into SweepAxes::models
  size_t platform_set = 0;  // index into SweepAxes::platform_sets
  std::optional<double> bandwidth_bytes_per_s;
  int max_cut_tensors = 1;
  std::optional<double> input_fps;
};

// One output row. `status`: "ok", "no_plan" (nothing feasible), "gate_failed"
// or "error" (bad input; `error` says why).
struct SweepRow {
  size_t index = 0;
  std::string key;  // the case's identity, stable across runs (CaseKey)
  std::string model;
  std::string platform_set;
  std::optional<double> bandwidth_bytes_per_s;
  int max_cut_tensors = 1;
  std::optional<double> input_fps;
  std::string status;
  int exit_status = 0;  // what `dnnpart plan` would return: 0, 1 (error) or 3 (no plan); 4 gate failed
  std::string plan;     // the recommended route, "A[12] > B[40]"
  std::vector<int64_t> cuts;
  std::optional<double> throughput_fps, latency_ms, energy_mj;
  std::string best_baseline;
  std::optional<double> gain_pct;  // improvement over the best single platform, by the objective
  std::string bottleneck;          // the slowest stage or link of the recommended plan
  std::optional<double> bottleneck_ms;
  std::vector<std::string> gate_failures;  // "12.5 fps < --min-fps 30"
  std::vector<std::string> warnings;
  std::string error;
};

// Every case, in order: model, then platform set, bandwidth, cut limit, fps.
std::vector<SweepCase> ExpandCases(const SweepAxes& axes);

// "model|set|bandwidth|K|fps": identifies a case across runs (for --resume).
std::string CaseKey(const SweepAxes& axes, const SweepCase& c);

// Reads a --platform-sets file: a JSON array whose entries are either an
// array of platform paths or {"name", "platforms": [...], "links": [...]};
// relative paths are relative to the file's folder. Throws Error naming the
// file and the entry at fault.
std::vector<PlatformSet> LoadPlatformSets(const std::string& path);

// Parses "10M", "1G", "12.5MB", "800k": bits per second with an SI suffix
// (k, M, G), or bytes per second with a trailing "B"; returns bytes per second.
// Throws Error for anything else, a value <= 0 or one that overflows.
double ParseBandwidth(const std::string& text);

// CSV: a header line, then one line per row (RFC 4180 quoting); JSON lines:
// one object per row. Keys and columns: docs/sweep.md. Both end with '\n'.
std::string CsvHeader();
std::string CsvRow(const SweepRow& row);
std::string JsonlRow(const SweepRow& row);

// The case key of one complete output line (CSV or JSON line); nullopt when
// the line is not a row (the CSV header) . Throws Error when it cannot be read.
std::optional<std::string> KeyOfLine(const std::string& line, bool csv);

struct SweepOptions {
  PlanOptions plan;  // for every case (its fps is replaced by the case's input_fps)
  SweepGates gates;
  int threads = 1;
  size_t skip_cases = 0;  // cases already done (--resume): not run, not reported
  const std::atomic<bool>* stop = nullptr;  // set: start no new case, return after the rows in order
};

// Runs the cases from options.skip_cases on, calling `emit` with each row in
// case order (from the calling thread) and `progress(done, total)` after each.
// Returns the number of rows emitted. Errors in one case become its row.
size_t RunSweep(const SweepAxes& axes, const std::vector<SweepCase>& cases, const SweepOptions& options,
                const std::function<void(const SweepRow&)>& emit,
                const std::function<void(size_t done, size_t total)>& progress);

}  // namespace dnnpart
