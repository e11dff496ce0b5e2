#include "report/html_charts.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dnnpart/cost.h"
#include "report/chart.h"

namespace dnnpart::report_detail {
namespace {

std::string Attr(const char* name, double value) { return std::string(" ") + name + "=\"" + Fixed(value, 1) + "\""; }

std::string PlatformName(const PlanDocument& doc, int p) {
  const auto i = static_cast<size_t>(p);
  return i < doc.devices.size() ? doc.devices[i] : doc.platforms[i].name;
}

std::string Rect(double x, double y, double w, double h, const std::string& style, const std::string& tip) {
  return "<rect" + Attr("x", x) + Attr("y", y) + Attr("width", std::max(w, 0.5)) + Attr("height", h) + " " + style +
         ">" + Tooltip(tip) + "</rect>";
}

std::string Text(double x, double y, const std::string& text, const char* anchor = "start") {
  return "<text" + Attr("x", x) + Attr("y", y) + " text-anchor=\"" + anchor + "\">" + HtmlEscape(text) + "</text>";
}

// Legend entries in a row at the top right of a chart.
std::string Legend(const Chart& chart, const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out = "<g class=\"legend\">";
  double y = chart.top() + 12;
  for (const auto& [color, label] : entries) {
    out += "<rect" + Attr("x", chart.right() - 270) + Attr("y", y - 9) + " width=\"10\" height=\"10\" fill=\"" + color +
           "\"/>" + Text(chart.right() - 255, y, label);
    y += 15;
  }
  return out + "</g>\n";
}

// Topological position after which cut `c` splits the layers (its head size).
double CutPosition(const Cut& cut) { return static_cast<double>(cut.head_size()); }

}  // namespace

std::string LayerLatencyChart(const PlanDocument& doc) {
  const LayerGraph& graph = *doc.graph;
  const std::vector<LayerId>& order = graph.topological_order();
  std::vector<std::vector<LayerCost>> costs;
  double y_max = 0;
  for (const PlatformProfile& platform : doc.platforms) {
    costs.push_back(CostLayers(graph, platform));
    for (const LayerCost& cost : costs.back()) y_max = std::max(y_max, cost.latency_ms);
  }
  Chart chart("chart-layers", "Per-layer latency on each platform", 960, 360);
  const double n = static_cast<double>(order.size());
  chart.Axes(0, std::max(n, 1.0), "layer (topological position)", 0, y_max > 0 ? y_max * 1.05 : 1, "latency (ms)");
  const PlanReport* plan = doc.result.recommended ? &doc.result.pareto[*doc.result.recommended] : nullptr;
  std::string b;
  if (plan) {  // shade the recommended plan's stages
    double start = 0;
    for (size_t s = 0; s < plan->stages.size(); ++s) {
      const double end = start + static_cast<double>(plan->stages[s].layer_count);
      b += Rect(chart.X(start), chart.top(), chart.X(end) - chart.X(start), chart.bottom() - chart.top(),
                "class=\"stage\" fill=\"" + std::string(PaletteColor(static_cast<size_t>(plan->stages[s].platform))) +
                    "\"",
                "stage " + std::to_string(s) + " on " + PlatformName(doc, plan->stages[s].platform) + ": " +
                    std::to_string(plan->stages[s].layer_count) + " layers, " + Num(plan->stages[s].latency_ms) + " ms");
      start = end;
    }
  }
  if (doc.cuts) {
    b += "<g class=\"cuts\">";
    for (size_t c = 0; c < doc.cuts->size(); ++c) {
      const double x = chart.X(CutPosition((*doc.cuts)[c]));
      b += "<line class=\"valid-cut\"" + Attr("x1", x) + Attr("x2", x) + Attr("y1", chart.bottom()) +
           Attr("y2", chart.bottom() - 8) + ">" +
           Tooltip("cut " + std::to_string(c) + ": " + Bytes(static_cast<double>((*doc.cuts)[c].crossing_bytes)) + " in " +
                   std::to_string((*doc.cuts)[c].crossing.size()) + " tensor(s)") +
           "</line>";
    }
    b += "</g>\n";
  }
  for (size_t p = 0; p < costs.size(); ++p) {
    std::string points;
    for (size_t i = 0; i < order.size(); ++i) {
      if (i > 0) points += ' ';
      points += Fixed(chart.X(static_cast<double>(i) + 0.5), 1);
      points += ',';
      points += Fixed(chart.Y(costs[p][static_cast<size_t>(order[i])].latency_ms), 1);
    }
    b += "<polyline class=\"series\" fill=\"none\" stroke=\"" + std::string(PaletteColor(p)) + "\" points=\"" + points +
         "\">" + Tooltip(PlatformName(doc, static_cast<int>(p))) + "</polyline>\n";
  }
  if (order.size() <= 3000) {  // one hover strip per layer with every platform's latency
    const double width = chart.X(1) - chart.X(0);
    for (size_t i = 0; i < order.size(); ++i) {
      const Layer& layer = graph.layer(order[i]);
      std::string tip = std::to_string(i) + ": " + layer.name + " (" + layer.op_type + ")";
      for (size_t p = 0; p < costs.size(); ++p) {
        // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "\n" + std::string&&.
        tip += '\n';
        tip += PlatformName(doc, static_cast<int>(p)) + ": " + Num(costs[p][static_cast<size_t>(order[i])].latency_ms) + " ms";
      }
      b += Rect(chart.X(static_cast<double>(i)), chart.top(), width, chart.bottom() - chart.top(),
                "class=\"hover\"", tip);
    }
    b += "\n";
  }
  if (plan) {
    for (const HopReport& hop : plan->hops) {
      if (hop.cut_id < 0 || !doc.cuts) continue;
      const double x = chart.X(CutPosition((*doc.cuts)[static_cast<size_t>(hop.cut_id)]));
      b += "<line class=\"chosen-cut\"" + Attr("x1", x) + Attr("x2", x) + Attr("y1", chart.top()) +
           Attr("y2", chart.bottom()) + ">" +
           Tooltip("chosen cut " + std::to_string(hop.cut_id) + ": " + PlatformName(doc, hop.from_platform) + " to " +
                   PlatformName(doc, hop.to_platform) + ", " + Bytes(static_cast<double>(hop.transfer.payload_bytes)) +
                   ", " + Num(hop.transfer.latency_ms) + " ms over " + hop.link) +
           "</line>";
    }
  }
  std::vector<std::pair<std::string, std::string>> legend;
  for (size_t p = 0; p < doc.platforms.size(); ++p) legend.emplace_back(PaletteColor(p), PlatformName(doc, static_cast<int>(p)));
  legend.emplace_back("#d62728", "chosen cut");
  legend.emplace_back("#555555", "valid cut (tick)");
  b += Legend(chart, legend);
  return chart.Raw(b).Finish();
}

std::string ParetoChart(const PlanDocument& doc) {
  struct Point {
    const PlanReport* plan;
    std::string label;
    bool baseline;
  };
  std::vector<Point> points;
  for (size_t i = 0; i < doc.result.pareto.size(); ++i) {
    points.push_back({&doc.result.pareto[i], "Pareto plan " + std::to_string(i), false});
  }
  for (const PlanReport& base : doc.result.baselines) {
    points.push_back({&base, PlatformName(doc, base.stages.front().platform) + " alone", true});
  }
  double x_max = 0, y_max = 0, e_lo = std::numeric_limits<double>::infinity(), e_hi = 0;
  for (const Point& p : points) {
    if (!std::isfinite(p.plan->latency_ms) || !std::isfinite(p.plan->throughput_fps)) continue;
    x_max = std::max(x_max, p.plan->latency_ms);
    y_max = std::max(y_max, p.plan->throughput_fps);
    e_lo = std::min(e_lo, p.plan->energy_mj);
    e_hi = std::max(e_hi, p.plan->energy_mj);
  }
  Chart chart("chart-pareto", "Pareto front: throughput against latency, energy as colour", 960, 400);
  chart.Axes(0, x_max > 0 ? x_max * 1.1 : 1, "latency per frame (ms)", 0, y_max > 0 ? y_max * 1.1 : 1,
             "throughput (frames/s)");
  std::string b;
  for (size_t i = 0; i < points.size(); ++i) {
    const PlanReport& plan = *points[i].plan;
    if (!std::isfinite(plan.latency_ms) || !std::isfinite(plan.throughput_fps)) continue;
    const double x = chart.X(plan.latency_ms), y = chart.Y(plan.throughput_fps);
    const std::string color = RampColor(e_hi > e_lo ? (plan.energy_mj - e_lo) / (e_hi - e_lo) : 0);
    const bool recommended = !points[i].baseline && doc.result.recommended && *doc.result.recommended == i;
    const std::string tip = points[i].label + (recommended ? " (recommended)" : "") + ": " + RouteText(plan) + "\n" +
                            Num(plan.throughput_fps) + " fps, " + Num(plan.latency_ms) + " ms, " +
                            Num(plan.energy_mj) + " mJ" + (plan.feasible ? "" : ", infeasible");
    if (points[i].baseline) {
      const bool right_half = x > (chart.left() + chart.right()) / 2;
      b += Rect(x - 6, y - 6, 12, 12, "class=\"baseline\" fill=\"" + color + "\"", tip) +
           Text(right_half ? x - 9 : x + 9, y + 4, points[i].label, right_half ? "end" : "start");
    } else {
      b += "<circle class=\"" + std::string(recommended ? "recommended" : "plan") + "\"" + Attr("cx", x) +
           Attr("cy", y) + Attr("r", recommended ? 9 : 5) + " fill=\"" + color + "\">" + Tooltip(tip) + "</circle>";
      if (recommended) b += Text(x + 12, y - 8, "recommended");
    }
  }
  b += "\n" + Legend(chart, {{RampColor(0), "lowest energy: " + Num(e_hi >= e_lo ? e_lo : 0) + " mJ"},
                             {RampColor(1), "highest energy: " + Num(e_hi) + " mJ"},
                             {"#000000", "circle: Pareto plan; ringed: recommended"},
                             {"#888888", "square: single-platform baseline"}});
  return chart.Raw(b).Finish();
}

std::string TimelineChart(const PlanDocument& doc, const PlanReport& plan) {
  struct Row {
    std::string label;
    double latency_ms;
    size_t color;
    std::string detail;
  };
  std::vector<Row> rows;
  size_t hop = 0;
  const auto add_hops = [&](const char* what) {
    while (hop < plan.hops.size() && (what == nullptr || plan.hops[hop].what == what)) {
      const HopReport& h = plan.hops[hop++];
      rows.push_back({h.link + " " + PlatformName(doc, h.from_platform) + ">" + PlatformName(doc, h.to_platform),
                      h.transfer.latency_ms, 9, h.what + ", " + Bytes(static_cast<double>(h.transfer.wire_bytes))});
      if (what == nullptr) break;
    }
  };
  add_hops("input");
  for (size_t s = 0; s < plan.stages.size(); ++s) {
    const StageReport& st = plan.stages[s];
    rows.push_back({"stage " + std::to_string(s) + " " + PlatformName(doc, st.platform), st.latency_ms,
                    static_cast<size_t>(st.platform), std::to_string(st.layer_count) + " layers"});
    if (hop < plan.hops.size() && plan.hops[hop].what == "activations") add_hops(nullptr);
  }
  add_hops("output");
  const double period = plan.throughput_fps > 0 && std::isfinite(plan.throughput_fps) ? 1000 / plan.throughput_fps : 0;
  constexpr int kFrames = 3;
  double offset = 0, end = 0;
  std::vector<double> starts;
  for (const Row& row : rows) {
    starts.push_back(offset);
    offset += row.latency_ms;
  }
  end = period * (kFrames - 1) + offset;
  const int height = 60 + 28 * static_cast<int>(rows.size()) + 50;
  Chart chart("chart-timeline", "Pipeline timeline over three frame periods", 960, height);
  chart.Axes(0, end > 0 ? end : 1, "time (ms); frame k enters at k x period", 0, static_cast<double>(rows.size()), "");
  std::string b;
  for (size_t r = 0; r < rows.size(); ++r) {
    const double y = chart.Y(static_cast<double>(rows.size() - r)) + 4;
    const double h = chart.Y(0) - chart.Y(1) - 8;
    const bool bottleneck = period > 0 && rows[r].latency_ms >= period * (1 - 1e-12);
    b += "<text class=\"row\"" + Attr("x", chart.left() + 4) + Attr("y", y + h / 2 + 4) + ">" +
         HtmlEscape(rows[r].label) + (bottleneck ? " (bottleneck)" : "") + "</text>";
    for (int k = 0; k < kFrames; ++k) {
      const double t0 = period * k + starts[r];
      b += Rect(chart.X(t0), y, chart.X(t0 + rows[r].latency_ms) - chart.X(t0), h,
                std::string("class=\"") + (bottleneck ? "busy bottleneck" : "busy") + "\" fill=\"" +
                    PaletteColor(rows[r].color) + "\" fill-opacity=\"" + (k % 2 ? "0.55" : "0.85") + "\"",
                "frame " + std::to_string(k) + ", " + rows[r].label + " (" + rows[r].detail + "): " + Num(t0) +
                    " to " + Num(t0 + rows[r].latency_ms) + " ms" + (bottleneck ? ", the bottleneck" : ""));
    }
  }
  for (int k = 1; k < kFrames && period > 0; ++k) {
    const double x = chart.X(period * k);
    b += "<line class=\"period\"" + Attr("x1", x) + Attr("x2", x) + Attr("y1", chart.top()) +
         Attr("y2", chart.bottom()) + ">" + Tooltip("frame " + std::to_string(k) + " enters: " + Num(period * k) + " ms") +
         "</line>";
  }
  b += Text(chart.right(), chart.top() - 6, "period " + Num(period) + " ms (" + Num(plan.throughput_fps) + " fps)", "end");
  return chart.Raw(b).Finish();
}

std::string MemoryChart(const PlanDocument& doc, const PlanReport& plan) {
  double x_max = 100;
  for (const StageReport& st : plan.stages) {
    if (st.memory_capacity_bytes > 0) {
      x_max = std::max(x_max, 100 * static_cast<double>(st.memory_bytes) / st.memory_capacity_bytes);
    }
  }
  const int height = 100 + 30 * static_cast<int>(plan.stages.size());
  Chart chart("chart-memory", "Memory per platform against its capacity", 960, height);
  chart.Axes(0, x_max * 1.05, "memory used (% of capacity)", 0, static_cast<double>(plan.stages.size()), "");
  std::string b;
  for (size_t s = 0; s < plan.stages.size(); ++s) {
    const StageReport& st = plan.stages[s];
    const double pct = st.memory_capacity_bytes > 0 ? 100 * static_cast<double>(st.memory_bytes) / st.memory_capacity_bytes : 0;
    const double y = chart.Y(static_cast<double>(plan.stages.size() - s)) + 5;
    const double h = chart.Y(0) - chart.Y(1) - 10;
    b += Rect(chart.X(0), y, chart.X(100) - chart.X(0), h, "class=\"capacity\"",
              "capacity " + Bytes(st.memory_capacity_bytes));
    b += Rect(chart.X(0), y + 3, chart.X(pct) - chart.X(0), h - 6,
              "class=\"used\" fill=\"" + std::string(PaletteColor(static_cast<size_t>(st.platform))) + "\"",
              PlatformName(doc, st.platform) + ": weights " + Bytes(static_cast<double>(st.weight_bytes)) +
                  " + peak activations " + Bytes(static_cast<double>(st.peak_activation_bytes)) + " = " +
                  Bytes(static_cast<double>(st.memory_bytes)) + " of " + Bytes(st.memory_capacity_bytes) + " (" +
                  Num(pct, 3) + " %)");
    b += Text(chart.X(0) + 4, y + h / 2 + 4,
              "stage " + std::to_string(s) + " " + PlatformName(doc, st.platform) + ": " +
                  Bytes(static_cast<double>(st.memory_bytes)) + " / " + Bytes(st.memory_capacity_bytes));
  }
  return chart.Raw(b).Finish();
}

std::string LinkChart(const PlanReport& plan) {
  const double period = plan.throughput_fps > 0 && std::isfinite(plan.throughput_fps) ? 1000 / plan.throughput_fps : 0;
  double x_max = 100;
  for (const HopReport& hop : plan.hops) x_max = std::max(x_max, 100 * hop.utilization);
  const int height = 100 + 30 * static_cast<int>(std::max<size_t>(plan.hops.size(), 1));
  Chart chart("chart-links", "Link load of the recommended plan", 960, height);
  chart.Axes(0, x_max * 1.05, "link busy (% of the frame period; lower bar: utilization at --fps)", 0,
             static_cast<double>(std::max<size_t>(plan.hops.size(), 1)), "");
  std::string b;
  if (plan.hops.empty()) b += Text(chart.X(0) + 4, chart.Y(0.5), "single stage: no link carries data");
  for (size_t i = 0; i < plan.hops.size(); ++i) {
    const HopReport& hop = plan.hops[i];
    const double busy = period > 0 ? 100 * hop.transfer.latency_ms / period : 0;
    const double y = chart.Y(static_cast<double>(plan.hops.size() - i)) + 5;
    const double h = chart.Y(0) - chart.Y(1) - 10;
    const std::string name = hop.link + " " + hop.from_device + ">" + hop.to_device;
    b += Rect(chart.X(0), y, chart.X(busy) - chart.X(0), h / 2, "class=\"busy\" fill=\"#e15759\"",
              name + ": busy " + Num(hop.transfer.latency_ms) + " ms of the " + Num(period) + " ms period (" +
                  Num(busy, 3) + " %), " + Bytes(static_cast<double>(hop.transfer.wire_bytes)) + " on the wire");
    b += Rect(chart.X(0), y + h / 2, chart.X(100 * hop.utilization) - chart.X(0), h / 2,
              "class=\"utilization\" fill=\"#9c755f\"",
              name + ": utilization " + Num(100 * hop.utilization, 3) + " % at " + Num(plan.throughput_fps) + " fps");
    b += Text(chart.X(0) + 4, y + h / 2 + 4, name + " (" + hop.what + ")");
  }
  return chart.Raw(b).Finish();
}

}  // namespace dnnpart::report_detail
