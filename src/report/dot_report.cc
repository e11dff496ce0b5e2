// The DOT reporter: the layer DAG of `dnnpart plan --format dot` for Graphviz
// (docs/reports.md). Layers are grouped and coloured by the recommended plan's
// stage; edges carrying a tensor across a chosen cut are red, bold and
// labelled; tensors that some other valid cut crosses are dashed.
#include <set>

#include "dnnpart/error.h"
#include "dnnpart/report.h"
#include "report/svg.h"

namespace dnnpart {
namespace {

using report_detail::Bytes;
using report_detail::DotEscape;
using report_detail::Num;
using report_detail::PaletteColor;

// "L12": a Graphviz node id (built by appending: GCC 12 warns falsely on "L" + std::string).
std::string NodeId(char kind, int64_t id) {
  std::string out(1, kind);
  out += std::to_string(id);
  return out;
}

// Stage index of every layer under the recommended plan (all 0 without one).
std::vector<int> StageOfLayers(const PlanDocument& doc, const PlanReport* plan) {
  const LayerGraph& graph = *doc.graph;
  std::vector<int> stage(graph.layer_count(), 0);
  if (plan == nullptr || doc.cuts == nullptr) return stage;
  std::vector<int> cut_ids;
  for (const HopReport& hop : plan->hops) {
    if (hop.cut_id >= 0) cut_ids.push_back(static_cast<int>(hop.cut_id));
  }
  std::vector<bool> assigned(graph.layer_count(), false);
  for (size_t s = 0; s < cut_ids.size(); ++s) {
    const std::vector<bool> head = HeadMask(graph, (*doc.cuts)[static_cast<size_t>(cut_ids[s])]);
    for (size_t l = 0; l < head.size(); ++l) {
      if (head[l] && !assigned[l]) {
        stage[l] = static_cast<int>(s);
        assigned[l] = true;
      }
    }
  }
  for (size_t l = 0; l < stage.size(); ++l) {
    if (!assigned[l]) stage[l] = static_cast<int>(cut_ids.size());
  }
  return stage;
}

void WriteDot(const PlanDocument& doc, std::ostream& out) {
  if (doc.graph == nullptr) throw Error("internal: the DOT report needs the layer graph");
  const LayerGraph& graph = *doc.graph;
  const PlanReport* plan = doc.result.recommended ? &doc.result.pareto[*doc.result.recommended] : nullptr;
  const std::vector<int> stage = StageOfLayers(doc, plan);
  std::set<TensorId> valid_cut_tensors;
  if (doc.cuts) {
    for (const Cut& cut : *doc.cuts) valid_cut_tensors.insert(cut.crossing.begin(), cut.crossing.end());
  }
  out << "digraph dnnpart {\n  graph [rankdir=TB, fontname=\"Helvetica\", label=\"" << DotEscape(doc.model.path)
      << (plan ? "" : " (no feasible plan)") << "\"];\n"
      << "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10, fillcolor=\"#eeeeee\"];\n"
      << "  edge [fontname=\"Helvetica\", fontsize=8, color=\"#777777\"];\n";
  const size_t stages = plan ? plan->stages.size() : 1;
  for (size_t s = 0; s < stages; ++s) {
    out << "  subgraph cluster_stage_" << s << " {\n";
    if (plan) {
      const StageReport& st = plan->stages[s];
      const size_t p = static_cast<size_t>(st.platform);
      out << "    label=\"stage " << s << ": " << DotEscape(st.device) << " (" << st.layer_count
          << " layers, " << Num(st.latency_ms) << " ms)\"; color=\"" << PaletteColor(p) << "\";\n"
          << "    node [fillcolor=\"" << PaletteColor(p) << "40\"];\n";
    }
    for (const LayerId id : graph.topological_order()) {
      if (static_cast<size_t>(stage[static_cast<size_t>(id)]) != s) continue;
      const Layer& layer = graph.layer(id);
      out << "    L" << id << " [label=\"" << DotEscape(layer.name) << "\\n" << DotEscape(layer.op_type) << "\"];\n";
    }
    out << "  }\n";
  }
  for (const TensorId t : graph.graph_inputs()) {
    out << "  T" << t << " [shape=ellipse, style=solid, label=\"" << DotEscape(graph.tensor(t).name) << "\"];\n";
  }
  for (const TensorId t : graph.graph_outputs()) {
    out << "  O" << t << " [shape=ellipse, style=solid, label=\"" << DotEscape(graph.tensor(t).name) << "\"];\n";
  }
  const auto edge = [&](const std::string& from, const std::string& to, TensorId t, bool crosses) {
    const Tensor& tensor = graph.tensor(t);
    out << "  " << from << " -> " << to;
    if (crosses) {
      out << " [color=\"#d62728\", penwidth=2.5, label=\"" << DotEscape(tensor.name) << "\\n"
          << Bytes(static_cast<double>(tensor.bytes)) << "\"]";
    } else if (valid_cut_tensors.count(t)) {
      out << " [style=dashed, tooltip=\"" << DotEscape(tensor.name) << ": crossed by a valid cut\"]";
    }
    out << ";\n";
  };
  for (size_t t = 0; t < graph.tensor_count(); ++t) {
    const TensorId id = static_cast<TensorId>(t);
    const Tensor& tensor = graph.tensor(id);
    const bool from_input = tensor.producer == kNoLayer;
    if (from_input && !tensor.is_graph_input) continue;
    const std::string from = from_input ? NodeId('T', static_cast<int64_t>(t)) : NodeId('L', tensor.producer);
    const int from_stage = from_input ? 0 : stage[static_cast<size_t>(tensor.producer)];
    for (const LayerId consumer : tensor.consumers) {
      edge(from, NodeId('L', consumer), id, stage[static_cast<size_t>(consumer)] != from_stage);
    }
    if (tensor.is_graph_output && !from_input) {
      edge(from, NodeId('O', static_cast<int64_t>(t)), id, plan && from_stage + 1 != static_cast<int>(stages));
    }
  }
  out << "}\n";
}

class DotReporter : public Reporter {
 public:
  void WriteInspect(const InspectReport&, std::ostream&) const override {
    throw Error("the dot format is only for `dnnpart plan`");
  }
  void WriteCuts(const CutsReport&, std::ostream&) const override {
    throw Error("the dot format is only for `dnnpart plan`");
  }
  void WritePlan(const PlanDocument& document, std::ostream& out) const override { WriteDot(document, out); }
};

}  // namespace

std::unique_ptr<Reporter> MakeDotReporter() { return std::make_unique<DotReporter>(); }

}  // namespace dnnpart
