// The HTML reporter: one self-contained page (inline CSS and SVG, no script,
// nothing fetched) for `dnnpart plan --report FILE` (docs/reports.md). Every
// name from the model or the profiles is escaped. Same input, same bytes.
#include <cmath>
#include <filesystem>
#include <sstream>

#include "dnnpart/error.h"
#include "dnnpart/report.h"
#include "report/html_charts.h"
#include "report/svg.h"
#include "split/atomic_file.h"

namespace dnnpart {
namespace {

using report_detail::Bytes;
using report_detail::HtmlEscape;
using report_detail::Num;

constexpr const char* kStyle = R"(body{font-family:sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.summary{font-size:15px;background:#f4f6f8;padding:10px}
svg.chart{font-size:11px;display:block;margin:8px 0}svg .grid{stroke:#e5e5e5}svg .frame{stroke:#444}
svg .label{font-size:12px}svg .stage{fill-opacity:0.12}svg .hover{fill:transparent}svg .hover:hover{fill:#0001}
svg .valid-cut{stroke:#555}svg .chosen-cut{stroke:#d62728;stroke-width:2.5}svg .series{stroke-width:1.5}
svg .plan,svg .baseline{stroke:#333}svg .recommended{stroke:#000;stroke-width:3}
svg .bottleneck{stroke:#000;stroke-width:2}svg .period{stroke:#000;stroke-dasharray:4 3}
svg .capacity{fill:#eee;stroke:#999}svg .row{font-size:11px}.warn{color:#a33})";

std::string Cell(const std::string& text, bool numeric = false) {
  return std::string(numeric ? "<td class=\"n\">" : "<td>") + HtmlEscape(text) + "</td>";
}

std::string ObjectiveName(Objective objective) {
  return objective == Objective::kLatency ? "latency" : objective == Objective::kEnergy ? "energy" : "throughput";
}

std::string Optional(const std::optional<double>& value) { return value ? Num(*value, 6) : "-"; }

void WriteSummary(const PlanDocument& doc, std::ostream& out) {
  const PlanResult& r = doc.result;
  out << "<p class=\"summary\" id=\"summary\">";
  if (r.recommended) {
    const PlanReport& best = r.pareto[*r.recommended];
    out << "<b>Recommended:</b> " << HtmlEscape(RouteText(best)) << " &mdash; " << Num(best.throughput_fps, 6)
        << " frames/s, " << Num(best.latency_ms, 6) << " ms per frame, " << Num(best.energy_mj, 6) << " mJ per frame";
    if (r.best_baseline && r.improvement_pct) {
      out << " (" << (*r.improvement_pct >= 0 ? "+" : "") << Num(*r.improvement_pct, 4) << " % "
          << ObjectiveName(doc.options.objective) << " vs "
          << HtmlEscape(r.baselines[*r.best_baseline].stages.front().device) << " alone)";
    }
  } else {
    out << "<b class=\"warn\">No plan meets the constraints.</b>";
  }
  out << "<br>" << r.cut_count << " valid cuts with at most " << doc.max_cut_tensors << " crossing tensor(s); "
      << (r.plans_evaluated < 9007199254740992.0 ? std::to_string(static_cast<int64_t>(r.plans_evaluated))
                                                  : Num(r.plans_evaluated, 3))
      << " plans evaluated; " << r.pareto.size() << " Pareto-optimal feasible plan(s).</p>\n";
}

void WritePlanTable(const PlanDocument& doc, std::ostream& out) {
  out << "<table id=\"pareto-table\"><tr><th>#</th><th>stages (platform[layers])</th><th>throughput (fps)</th>"
         "<th>latency (ms)</th><th>energy (mJ)</th></tr>\n";
  const auto row = [&](const std::string& label, const PlanReport& plan) {
    out << "<tr>" << Cell(label) << Cell(RouteText(plan)) << Cell(Num(plan.throughput_fps, 6), true)
        << Cell(Num(plan.latency_ms, 6), true) << Cell(Num(plan.energy_mj, 6), true) << "</tr>\n";
  };
  for (size_t i = 0; i < doc.result.pareto.size(); ++i) {
    row(std::to_string(i) + (doc.result.recommended && *doc.result.recommended == i ? " (recommended)" : ""),
        doc.result.pareto[i]);
  }
  for (const PlanReport& base : doc.result.baselines) row("baseline", base);
  out << "</table>\n";
}

std::string Provenance(const PlatformProfile& platform, size_t layer_count) {
  if (platform.layer_table.empty()) return "datasheet (roofline estimate for every layer)";
  std::string text = "measured: " + std::to_string(platform.layer_table.size()) + " of " + std::to_string(layer_count) +
                     " layers in its table";
  text += platform.missing_layers == MissingLayers::kZero ? ", the rest cost 0" : ", the rest estimated";
  return text;
}

void WriteSettings(const PlanDocument& doc, std::ostream& out) {
  const PlanOptions& o = doc.options;
  out << "<table id=\"settings\"><tr><th>setting</th><th>value</th></tr>\n";
  const auto row = [&out](const std::string& key, const std::string& value) {
    out << "<tr>" << Cell(key) << Cell(value) << "</tr>\n";
  };
  row("model", doc.model.path + " (graph " + doc.model.graph_name + ", opset " + std::to_string(doc.model.opset) +
                   ", " + std::to_string(doc.model.onnx_node_count) + " ONNX nodes)");
  row("max_cut_tensors", std::to_string(doc.max_cut_tensors));
  row("any_order", o.any_order ? "true" : "false");
  row("output_at", o.output_at == OutputAt::kFirst ? "first" : "last");
  row("objective", ObjectiveName(o.objective));
  row("system", doc.system_path.empty() ? "-" : doc.system_path);
  row("input_fps", Optional(o.input_fps));
  row("max_latency_ms", Optional(o.max_latency_ms));
  row("min_fps", Optional(o.min_fps));
  row("max_energy_mj", Optional(o.max_energy_mj));
  row("include_idle_energy", o.include_idle_energy ? "true" : "false");
  out << "</table>\n<table id=\"profiles\"><tr><th>platform</th><th>file</th><th>data type</th><th>peak (MAC/s)</th>"
         "<th>memory</th><th>provenance</th><th>source</th><th>link leaving it</th></tr>\n";
  const size_t layers = doc.graph->layer_count();
  for (size_t p = 0; p < doc.platforms.size(); ++p) {
    const PlatformProfile& pl = doc.platforms[p];
    const auto& link = doc.links[p];
    out << "<tr>" << Cell(p < doc.devices.size() && doc.devices[p] != pl.name ? doc.devices[p] + " (" + pl.name + ")" : pl.name)
        << Cell(pl.path) << Cell(std::string(DTypeName(pl.data_type)))
        << Cell(Num(pl.peak(), 4), true) << Cell(Bytes(pl.memory_capacity_bytes), true) << Cell(Provenance(pl, layers))
        << Cell(pl.source)
        << Cell(link ? link->name + " (" + link->path + ", " + Num(link->bandwidth_bytes_per_s, 4) + " B/s, " +
                           Num(link->latency_ms + link->propagation_delay_ms, 4) + " ms fixed; " + link->source + ")"
                     : "-")
        << "</tr>\n";
  }
  out << "</table>\n";
}

void WritePage(const PlanDocument& doc, std::ostream& out) {
  if (doc.graph == nullptr) throw Error("internal: the HTML report needs the layer graph");
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
         "<title>dnnpart plan: "
      << HtmlEscape(doc.model.path) << "</title>\n<style>" << kStyle << "</style></head><body>\n";
  out << "<h1>dnnpart plan: " << HtmlEscape(doc.model.path) << "</h1>\n";
  WriteSummary(doc, out);
  out << "<h2>Per-layer latency</h2>\n<p>Latency of each layer on each platform along the topological order "
         "(hover for exact numbers). Ticks on the axis: valid cuts; red lines: the recommended plan's cuts; "
         "shading: its stages.</p>\n"
      << report_detail::LayerLatencyChart(doc);
  out << "<h2>Pareto front</h2>\n" << report_detail::ParetoChart(doc);
  WritePlanTable(doc, out);
  if (doc.result.recommended) {
    const PlanReport& best = doc.result.pareto[*doc.result.recommended];
    out << "<h2>Pipeline timeline</h2>\n<p>Three frames of the recommended plan in steady state; the outlined "
           "rows set the frame period (the bottleneck).</p>\n"
        << report_detail::TimelineChart(doc, best);
    out << "<h2>Memory and links</h2>\n" << report_detail::MemoryChart(doc, best) << report_detail::LinkChart(best);
  }
  out << "<h2>Settings and profiles</h2>\n";
  WriteSettings(doc, out);
  out << "<p>Written by dnnpart plan --report.</p>\n</body></html>\n";
}

class HtmlReporter : public Reporter {
 public:
  void WriteInspect(const InspectReport&, std::ostream&) const override {
    throw Error("the html format is only for `dnnpart plan`");
  }
  void WriteCuts(const CutsReport&, std::ostream&) const override {
    throw Error("the html format is only for `dnnpart plan`");
  }
  void WritePlan(const PlanDocument& document, std::ostream& out) const override { WritePage(document, out); }
};

}  // namespace

void WriteHtmlReportFile(const PlanDocument& document, const std::string& path, bool force) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::is_symlink(path, error) || (fs::exists(path, error) && !fs::is_regular_file(path, error))) {
    throw Error(path + ": not a regular file; choose another --report path");
  }
  if (!force && fs::exists(path, error)) throw Error(path + ": exists (use --force to overwrite it)");
  std::ostringstream page;
  WritePage(document, page);
  const fs::path target(path);
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  AtomicFile file(dir, target.filename().string());
  file.Write(page.str());
  file.Commit();
}

std::unique_ptr<Reporter> MakeHtmlReporter() { return std::make_unique<HtmlReporter>(); }

}  // namespace dnnpart
