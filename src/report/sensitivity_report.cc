// `dnnpart plan --sensitivity ...` as a table or a JSON document.
#include "dnnpart/error.h"
#include "dnnpart/report.h"
#include "json_writer.h"
#include "report/json_parts.h"
#include "report/svg.h"

namespace dnnpart {
namespace {

using report_detail::Num;

bool IsBandwidth(const SensitivityResult& result) { return result.parameter == SensitivityParameter::kBandwidth; }

std::string Value(const SensitivityResult& result, double value) {
  if (!IsBandwidth(result)) return Num(value, 8) + " fps";
  return Num(value, 8) + " B/s (" + Num(value * 8 / 1e6, 6) + " Mbit/s)";
}

}  // namespace

void WriteSensitivity(const PlanDocument& doc, const SensitivityResult& result, std::string_view format,
                      std::ostream& out) {
  if (format == "json") {
    JsonWriter json(out);
    report_detail::WriteHeader(json, "sensitivity", doc.model);
    report_detail::WritePlatformsAndSettings(json, doc);
    json.Key("parameter").Value(IsBandwidth(result) ? "bandwidth" : "input_fps");
    json.Key("unit").Value(IsBandwidth(result) ? "bytes_per_s" : "fps");
    json.Key("from").Value(result.intervals.front().from);
    json.Key("to").Value(result.intervals.back().to);
    json.Key("plannings").Value(result.plannings);
    json.Key("breakpoints").BeginArray();
    for (size_t i = 1; i < result.intervals.size(); ++i) json.Value(result.intervals[i].from);
    json.EndArray();
    json.Key("intervals").BeginArray();
    for (const SensitivityInterval& interval : result.intervals) {
      json.BeginObject();
      json.Key("from").Value(interval.from);
      json.Key("to").Value(interval.to);
      json.Key("plan");
      if (interval.plan) report_detail::WritePlanEntry(json, doc, *interval.plan);
      else json.Null();
      json.EndObject();
    }
    json.EndArray();
    json.EndObject().Finish();
    return;
  }
  if (format != "table") throw Error("--sensitivity writes table or json, not " + std::string(format));
  out << "model " << doc.model.path << "\n"
      << "recommended plan by " << (IsBandwidth(result) ? "link bandwidth (every link)" : "input frame rate (--fps)")
      << ": " << result.intervals.size() << " interval(s), " << result.plannings << " plannings\n";
  for (const SensitivityInterval& interval : result.intervals) {
    out << "  " << Value(result, interval.from) << " .. " << Value(result, interval.to) << ": ";
    if (!interval.plan) {
      out << "no feasible plan\n";
      continue;
    }
    std::string cuts;
    for (const int64_t c : interval.cuts) {
      if (!cuts.empty()) cuts += ',';
      cuts += std::to_string(c);
    }
    out << RouteText(*interval.plan) << (cuts.empty() ? "" : "  cuts " + cuts) << "  (middle: "
        << Num(interval.plan->throughput_fps, 6) << " fps, " << Num(interval.plan->latency_ms, 6) << " ms, "
        << Num(interval.plan->energy_mj, 6) << " mJ)\n";
  }
}

}  // namespace dnnpart
