// The table reporter: aligned columns for people reading a terminal.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "dnnpart/report.h"

namespace dnnpart {
namespace {

// Collects rows of cells, then prints them with each column padded to its
// widest cell; numeric columns are right-aligned.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header, std::vector<bool> right_aligned)
      : right_(std::move(right_aligned)) {
    rows_.push_back(std::move(header));
  }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out) const {
    std::vector<size_t> width(rows_.front().size(), 0);
    for (const auto& row : rows_) {
      for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    for (const auto& row : rows_) {
      std::string line;
      for (size_t c = 0; c < row.size(); ++c) {
        const std::string pad(width[c] - row[c].size(), ' ');
        line += c > 0 ? "  " : "";
        line += right_[c] ? pad + row[c] : row[c] + (c + 1 < row.size() ? pad : "");
      }
      out << line << '\n';
    }
  }

 private:
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// 1234567 -> "1,234,567"
std::string Grouped(int64_t value) {
  const std::string digits = std::to_string(value);
  const size_t sign = value < 0 ? 1 : 0;
  std::string out(digits, 0, sign);
  for (size_t i = sign; i < digits.size(); ++i) {
    if (i > sign && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

void PrintModelLine(const ModelInfo& info, std::ostream& out) {
  out << "model " << info.path << "  (opset " << info.opset << ", " << info.onnx_node_count << " ONNX nodes, "
      << info.folded_node_count << " folded, " << info.dropped_node_count << " dropped)\n";
}

// Writes `text` with every control character but the newline (and DEL) as
// \xNN, so that names taken from a model or profile cannot send escape
// sequences to the terminal.
void WriteEscaped(const std::string& text, std::ostream& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if ((byte < 0x20 && ch != '\n') || byte == 0x7f) {
      out << "\\x" << kHex[byte >> 4] << kHex[byte & 0xf];
    } else {
      out << ch;
    }
  }
}

std::string Fixed(double value, int digits) {
  if (value == 0) value = 0;  // -0 prints as 0
  if (std::isinf(value)) return value > 0 ? "unbounded" : "-unbounded";  // 0 ms bottleneck: docs/planning.md
  std::ostringstream text;
  text << std::fixed << std::setprecision(digits) << value;
  return text.str();
}

// A plan count: all digits while exact (below 2^53), else 3 significant digits.
std::string PlanCount(double count) {
  if (count < 9007199254740992.0) return std::to_string(static_cast<int64_t>(count));
  std::ostringstream text;
  text << std::setprecision(3) << count;
  return text.str();
}

std::string Route(const PlanDocument& /*doc*/, const PlanReport& plan) {
  std::string route;
  for (const StageReport& stage : plan.stages) {
    route += (route.empty() ? "" : " > ") + stage.device + "[" + std::to_string(stage.layer_count) + "]";
  }
  return route;
}

// The accuracy column appears only when some plan has an accuracy (--accuracy-cmd).
void PrintPlanList(const PlanDocument& doc, const std::vector<PlanReport>& plans, std::ostream& out) {
  const bool accuracy = std::any_of(plans.begin(), plans.end(), [](const PlanReport& p) { return p.accuracy.has_value(); });
  std::vector<std::string> header = {"#", "stages (platform[layers])", "fps", "latency_ms", "energy_mj"};
  std::vector<bool> right = {true, false, true, true, true};
  if (accuracy) {
    header.emplace_back("accuracy");
    right.push_back(true);
  }
  header.emplace_back("why infeasible");
  right.push_back(false);
  TextTable table(header, right);
  for (size_t i = 0; i < plans.size(); ++i) {
    std::string why;
    for (const auto& v : plans[i].violations) why += (why.empty() ? "" : "; ") + v;
    std::vector<std::string> row = {std::to_string(i), Route(doc, plans[i]), Fixed(plans[i].throughput_fps, 3),
                                    Fixed(plans[i].latency_ms, 3), Fixed(plans[i].energy_mj, 3)};
    if (accuracy) row.push_back(plans[i].accuracy ? Fixed(*plans[i].accuracy, 4) : "-");
    row.push_back(why);
    table.Add(row);
  }
  table.Print(out);
}

// "stage 1 on jetson (12.500 ms)", "link eth: pi -> jetson (4.100 ms)", "the input rate (33.333 ms)".
std::string BottleneckText(const PlanReport& plan) {
  const Bottleneck& b = plan.bottleneck;
  const std::string period = " (" + Fixed(b.period_ms, 3) + " ms per frame)";
  if (b.kind == "stage") return "stage " + std::to_string(b.stage) + " on " + b.device + period;
  if (b.kind == "link") return "link " + b.resource + period;
  return "the input frame rate" + period;
}

void PrintPlanDetail(const PlanDocument& doc, const PlanReport& plan, std::ostream& out) {
  TextTable stages({"stage", "platform", "layers", "first layer", "last layer", "latency_ms", "measured", "estimated",
                    "energy_mj", "memory", "capacity"},
                   {true, false, true, false, false, true, true, true, true, true, true});
  for (size_t s = 0; s < plan.stages.size(); ++s) {
    const StageReport& st = plan.stages[s];
    stages.Add({std::to_string(s), st.device, std::to_string(st.layer_count),
                st.first_layer, st.last_layer, Fixed(st.latency_ms, 3), Fixed(st.measured_latency_ms, 3),
                Fixed(st.estimated_latency_ms, 3), Fixed(st.energy_mj, 3), Grouped(st.memory_bytes),
                Grouped(static_cast<int64_t>(st.memory_capacity_bytes))});
  }
  stages.Print(out);
  for (size_t s = 0; s < plan.stages.size(); ++s) {
    if (plan.stages[s].input_conversion_ms > 0) {
      out << "stage " << s << ": includes " << Fixed(plan.stages[s].input_conversion_ms, 3)
          << " ms converting the sensor's frame to the model's input type\n";
    }
  }
  out << "bottleneck: " << BottleneckText(plan) << "\n";
  for (size_t s = 0; s < plan.stages.size(); ++s) {
    const std::vector<std::string>& ops = plan.stages[s].unmodelled_ops;
    if (ops.empty()) continue;
    out << "stage " << s << ": no MAC model for";
    for (size_t i = 0; i < ops.size(); ++i) out << (i ? ", " : " ") << ops[i];
    out << " (counted as 0 MACs, not measured)\n";
  }
  for (size_t s = 0; s < plan.stages.size(); ++s) {
    for (const BrokenFusion& broken : plan.stages[s].broken_fusions) {
      out << "stage " << s << ": runs";
      for (size_t i = 0; i < broken.in_stage.size(); ++i) out << (i ? ", " : " ") << broken.in_stage[i];
      out << " apart from fused group";
      for (size_t i = 0; i < broken.group.size(); ++i) out << (i ? ", " : " ") << broken.group[i];
      out << ": +" << Fixed(broken.extra_latency_ms, 3) << " ms unfused\n";
    }
  }
  if (plan.hops.empty()) return;
  TextTable links({"link", "from", "to", "carries", "payload_bytes", "wire_bytes", "latency_ms", "energy_mj", "load"},
                  {false, false, false, false, true, true, true, true, true});
  for (const HopReport& hop : plan.hops) {
    links.Add({hop.link, hop.from_device, hop.to_device,
               hop.what + " (" + std::to_string(hop.tensors.size()) + " tensor" + (hop.tensors.size() == 1 ? ")" : "s)"),
               Grouped(hop.transfer.payload_bytes), Grouped(hop.transfer.wire_bytes), Fixed(hop.transfer.latency_ms, 3),
               Fixed(hop.transfer.energy_mj, 3), Fixed(hop.utilization * 100, 1) + "%"});
  }
  links.Print(out);
  (void)doc;
}

class TableReporter : public Reporter {
 public:
  void WriteInspect(const InspectReport& report, std::ostream& out) const override {
    std::ostringstream text;
    WriteInspectRaw(report, text);
    WriteEscaped(text.str(), out);
  }

  // Renders the report; the public method escapes it on the way out.
  void WriteInspectRaw(const InspectReport& report, std::ostream& out) const {
    PrintModelLine(report.model, out);
    TextTable table({"id", "layer", "op", "output", "dtype", "params", "param_bytes", "MACs", "act_bytes"},
                    {true, false, false, false, false, true, true, true, true});
    for (const LayerRow& row : report.layers) {
      const bool bounded = !row.outputs.empty() && row.outputs.front().bounded;
      table.Add({std::to_string(row.id), row.name, row.op_type,
                 (bounded ? "<=" : "") + ShapeToString(row.output_shape),
                 std::string(DTypeName(row.dtype)), Grouped(row.param_count), Grouped(row.param_bytes),
                 row.macs_modelled ? Grouped(row.macs) : "0 (no model)", Grouped(row.activation_bytes)});
    }
    table.Add({"", "total (" + std::to_string(report.layers.size()) + " layers)", "", "", "",
               Grouped(report.total_param_count), Grouped(report.total_param_bytes), Grouped(report.total_macs),
               Grouped(report.total_activation_bytes)});
    table.Print(out);
    if (!report.unmodelled_ops.empty()) {
      out << "ops without a MAC model (counted as 0):";
      for (const auto& op : report.unmodelled_ops) out << ' ' << op;
      out << '\n';
    }
  }

  void WriteCuts(const CutsReport& report, std::ostream& out) const override {
    std::ostringstream text;
    WriteCutsRaw(report, text);
    WriteEscaped(text.str(), out);
  }

  // Renders the report; the public method escapes it on the way out.
  void WriteCutsRaw(const CutsReport& report, std::ostream& out) const {
    PrintModelLine(report.model, out);
    out << report.cuts.size() << " cuts with at most " << report.max_cut_tensors << " crossing tensor(s) over "
        << report.layer_count << " layers, " << Grouped(report.total_macs) << " MACs\n";
    TextTable table({"cut", "after layer", "crossing tensors", "bytes", "head_layers", "head_MACs", "tail_MACs"},
                    {true, false, false, true, true, true, true});
    for (const CutRow& row : report.cuts) {
      std::string tensors;
      for (const TensorRow& t : row.tensors) {
        tensors += (tensors.empty() ? "" : ", ") + t.name + " " + (t.bounded ? "<=" : "") +
                   ShapeToString(t.shape) + " " + std::string(DTypeName(t.dtype));
      }
      table.Add({std::to_string(row.id), row.last_head_layer, tensors, Grouped(row.total_bytes),
                 std::to_string(row.head_layers), Grouped(row.head_macs), Grouped(row.tail_macs)});
    }
    table.Print(out);
  }

  void WritePlan(const PlanDocument& doc, std::ostream& out) const override {
    std::ostringstream text;
    WritePlanRaw(doc, text);
    WriteEscaped(text.str(), out);
  }

  // Renders the report; the public method escapes it on the way out.
  void WritePlanRaw(const PlanDocument& doc, std::ostream& out) const {
    PrintModelLine(doc.model, out);
    const PlanResult& result = doc.result;
    if (!doc.system_path.empty()) out << "system: " << doc.system_path << "\n";
    out << (doc.system_path.empty() ? "platforms:" : "devices:");
    for (size_t p = 0; p < doc.platforms.size(); ++p) {
      const std::string& name = p < doc.devices.size() ? doc.devices[p] : doc.platforms[p].name;
      out << (p ? ", " : " ") << name << " (" << (name != doc.platforms[p].name ? doc.platforms[p].name + ", " : "")
          << DTypeName(doc.platforms[p].data_type)
          << (doc.links[p] ? ", sends over " + doc.links[p]->name : std::string()) << ")";
    }
    if (doc.options.input_fps) out << "\nframes arrive at " << Fixed(*doc.options.input_fps, 3) << " fps";
    out << "\n" << result.cut_count << " cuts with at most " << doc.max_cut_tensors << " crossing tensor(s), "
        << PlanCount(result.plans_evaluated) << " plans evaluated, " << result.pareto.size()
        << " Pareto-optimal feasible plan(s)\n";
    if (!result.complete) {
      out << "search stopped by --time-limit: these are the best plans found so far, not proven optimal\n";
    }
    out << "\n";
    if (result.recommended) {
      const PlanReport& best = result.pareto[*result.recommended];
      out << "recommended: " << Route(doc, best) << "  " << Fixed(best.throughput_fps, 3) << " fps, "
          << Fixed(best.latency_ms, 3) << " ms, " << Fixed(best.energy_mj, 3) << " mJ";
      if (best.accuracy) out << ", accuracy " << Fixed(*best.accuracy, 4);
      if (result.best_baseline && result.improvement_pct) {
        out << "  (" << (*result.improvement_pct >= 0 ? "+" : "") << Fixed(*result.improvement_pct, 1) << " % vs "
            << result.baselines[*result.best_baseline].stages.front().device << " alone)";
      }
      out << "\n";
      PrintPlanDetail(doc, best, out);
    } else {
      out << "no plan meets the constraints\n";
    }
    out << "\nPareto set (feasible):\n";
    PrintPlanList(doc, result.pareto, out);
    out << "\nsingle-platform baselines:\n";
    PrintPlanList(doc, result.baselines, out);
    if (doc.options.show_infeasible) {
      out << "\nrejected (Pareto-optimal without constraints):\n";
      PrintPlanList(doc, result.rejected, out);
    }
    if (doc.options.list_all) {
      out << "\nall plans:\n";
      PrintPlanList(doc, result.all, out);
    }
  }
};

}  // namespace

std::unique_ptr<Reporter> MakeTableReporter() { return std::make_unique<TableReporter>(); }

}  // namespace dnnpart
