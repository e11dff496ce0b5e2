// Private: the charts of the HTML plan report, each returned as one <svg>
// element (docs/reports.md). Pure functions of the document; thread-safe.
#pragma once

#include <string>

#include "dnnpart/report.h"

namespace dnnpart::report_detail {

// Per-layer latency on every platform along the topological order; valid cuts
// as ticks, the recommended plan's cuts as red lines, its stages shaded.
std::string LayerLatencyChart(const PlanDocument& doc);

// Throughput against latency of the Pareto plans and the single-platform
// baselines; energy as colour; the recommended plan ringed.
std::string ParetoChart(const PlanDocument& doc);

// Stages and link transfers of the recommended plan over three frame periods;
// the bottleneck (the stage or hop that sets the period) outlined.
std::string TimelineChart(const PlanDocument& doc, const PlanReport& plan);

// Memory per stage as % of its platform's capacity.
std::string MemoryChart(const PlanDocument& doc, const PlanReport& plan);

// Per hop: share of the frame period the link is busy and, with --fps, its
// utilization at that rate.
std::string LinkChart(const PlanReport& plan);

}  // namespace dnnpart::report_detail
