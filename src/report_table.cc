// The table reporter: aligned columns for people reading a terminal.
#include <algorithm>
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
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return value < 0 ? "-" + digits : digits;
}

void PrintModelLine(const ModelInfo& info, std::ostream& out) {
  out << "model " << info.path << "  (opset " << info.opset << ", " << info.onnx_node_count << " ONNX nodes, "
      << info.folded_node_count << " folded, " << info.dropped_node_count << " dropped)\n";
}

class TableReporter : public Reporter {
 public:
  void WriteInspect(const InspectReport& report, std::ostream& out) const override {
    PrintModelLine(report.model, out);
    TextTable table({"id", "layer", "op", "output", "dtype", "params", "param_bytes", "MACs", "act_bytes"},
                    {true, false, false, false, false, true, true, true, true});
    for (const LayerRow& row : report.layers) {
      table.Add({std::to_string(row.id), row.name, row.op_type, ShapeToString(row.output_shape),
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
    PrintModelLine(report.model, out);
    out << report.cuts.size() << " cuts with at most " << report.max_cut_tensors << " crossing tensor(s) over "
        << report.layer_count << " layers, " << Grouped(report.total_macs) << " MACs\n";
    TextTable table({"cut", "after layer", "crossing tensors", "bytes", "head_layers", "head_MACs", "tail_MACs"},
                    {true, false, false, true, true, true, true});
    for (const CutRow& row : report.cuts) {
      std::string tensors;
      for (const TensorRow& t : row.tensors) {
        tensors += (tensors.empty() ? "" : ", ") + t.name + " " + ShapeToString(t.shape) + " " +
                   std::string(DTypeName(t.dtype));
      }
      table.Add({std::to_string(row.id), row.last_head_layer, tensors, Grouped(row.total_bytes),
                 std::to_string(row.head_layers), Grouped(row.head_macs), Grouped(row.tail_macs)});
    }
    table.Print(out);
  }
};

}  // namespace

std::unique_ptr<Reporter> MakeTableReporter() { return std::make_unique<TableReporter>(); }

}  // namespace dnnpart
