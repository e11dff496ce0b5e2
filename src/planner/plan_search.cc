// The planner's preparation (boundaries, cost tables, fixed-point sums,
// memory) and its exact depth-first search. See docs/planning.md.
#include "planner.h"

namespace dnnpart::planner_detail {

void Planner::CheckLinks() const {
  if (target_.system) return;  // routes are checked per transfer
  const size_t n = platforms_.size();
  for (size_t p = 0; p < n && n > 1; ++p) {
    const bool sends = options_.any_order || p + 1 < n || (output_ >= 0 && static_cast<int>(p) != output_);
    if (sends && !links_[p]) {
      throw Error(platforms_[p].path + ": no link leaves platform '" + platforms_[p].name +
                  "': give --link or set default_link");
    }
  }
}

void Planner::PrepareMasks() {
  const int count = Full() + 1;
  const auto layers = static_cast<int32_t>(graph_.layer_count());
  partial_.assign(static_cast<size_t>(count), {});
  for (int b = 0; b < count; ++b) {
    int32_t begin = 0, end = 0;
    if (b == Full()) begin = end = layers;
    if (b > 0 && b < Full()) {
      const Cut& cut = cuts_[static_cast<size_t>(b - 1)];
      begin = cut.prefix_layers;
      end = begin;
      if (!cut.extra_layers.empty()) {
        all_prefixes_ = false;
        end = graph_.topo_position(cut.extra_layers.back()) + 1;
        std::vector<bool>& flags = partial_[static_cast<size_t>(b)];
        flags.assign(static_cast<size_t>(end - begin), false);
        for (LayerId l : cut.extra_layers) flags[static_cast<size_t>(graph_.topo_position(l) - begin)] = true;
      }
    }
    range_begin_.push_back(begin);
    range_end_.push_back(end);
  }
}

bool Planner::InHeadAt(int b, int32_t pos) const {
  const auto i = static_cast<size_t>(b);
  if (pos < range_begin_[i]) return true;
  if (pos >= range_end_[i]) return false;
  return partial_[i][static_cast<size_t>(pos - range_begin_[i])];
}

void Planner::PrepareBoundaries() {
  if (all_prefixes_) return;
  const int count = Full() + 1;
  successors_.assign(static_cast<size_t>(count), {});
  for (int a = 0; a < count; ++a) {
    for (int b = a + 1; b < count; ++b) {
      if (HeadContains(b, a)) successors_[static_cast<size_t>(a)].push_back(b);
    }
  }
}

bool Planner::IsSuccessor(int from, int to) const {
  if (from < 0 || to <= from || to > Full()) return false;
  if (all_prefixes_) return true;
  const auto& next = successors_[static_cast<size_t>(from)];
  return std::find(next.begin(), next.end(), to) != next.end();
}

bool Planner::HeadContains(int outer, int inner) const {
  const int32_t inner_begin = range_begin_[static_cast<size_t>(inner)];
  const int32_t inner_end = std::max(range_end_[static_cast<size_t>(inner)], inner_begin);
  const int32_t outer_begin = range_begin_[static_cast<size_t>(outer)];
  const int32_t outer_end = std::max(range_end_[static_cast<size_t>(outer)], outer_begin);
  if (inner_end <= outer_begin) return true;
  if (inner_begin > outer_end) return false;
  for (int32_t pos = std::min(inner_begin, outer_begin); pos < std::max(inner_end, outer_end); ++pos) {
    if (InHeadAt(inner, pos) && !InHeadAt(outer, pos)) return false;
  }
  return true;
}

void Planner::PrepareCosts() {
  const size_t n = platforms_.size();
  for (size_t p = 0; p < n; ++p) layer_costs_.push_back(CostLayers(graph_, platforms_[p]));
  PrepareFusionGroups();
  // Devices over a system are typed by their place in it, before pricing
  // the transfers; in the chain shorthand by their transfers' costs, after.
  if (target_.system) PrepareTypes();
  if (target_.system && search_) CheckSearchSize();
  PrepareNetwork();
  if (!target_.system) PrepareTypes();
  PrepareFixedSums();
  memory_.assign(n, {});
}

void Planner::PrepareFixedSums() {
  const int count = Full() + 1;
  const size_t n = platforms_.size();
  double latency_bound = 0, energy_bound = 0, idle_w = 0;
  for (size_t l = 0; l < graph_.layer_count(); ++l) {
    double worst_ms = 0, worst_mj = 0;
    for (size_t p = 0; p < n; ++p) {
      worst_ms = std::max(worst_ms, layer_costs_[p][l].latency_ms);
      worst_mj = std::max(worst_mj, layer_costs_[p][l].energy_mj);
    }
    latency_bound += worst_ms;
    energy_bound += worst_mj;
  }
  // Broken fusions add at most the unfused costs of the groups' layers.
  for (const FusionTable& fusion : fusion_) {
    for (const auto& group : fusion.groups) {
      for (LayerId l : group) {
        latency_bound += fusion.unfused[static_cast<size_t>(l)].latency_ms;
        energy_bound += fusion.unfused[static_cast<size_t>(l)].energy_mj;
      }
    }
  }
  double hop_ms = 0, hop_mj = 0, conversion_ms = 0, conversion_mj = 0;
  for (size_t p = 0; p < n; ++p) {
    if (platforms_[p].power_in_watts) idle_w += platforms_[p].idle_w;
    const LayerCost conversion = Conversion(static_cast<int>(p));
    conversion_ms = std::max(conversion_ms, conversion.latency_ms);
    conversion_mj = std::max(conversion_mj, conversion.energy_mj);
  }
  for (size_t i = 0; i < class_cost_ms_.size(); ++i) {
    if (!class_row_used_[i]) continue;
    hop_ms = std::max(hop_ms, class_cost_ms_[i].latency_ms);
    hop_mj = std::max(hop_mj, class_cost_ms_[i].energy_mj);
  }
  // A plan makes at most n + 1 transfers; the input period may exceed them all.
  latency_bound += static_cast<double>(n + 1) * hop_ms + conversion_ms;
  if (input_fps_) latency_bound = std::max(latency_bound, 1000.0 / *input_fps_);
  energy_bound += static_cast<double>(n + 1) * hop_mj + conversion_mj + idle_w * latency_bound;
  latency_q_ = Quantum(latency_bound);
  energy_q_ = Quantum(energy_bound);
  head_latency_.assign(n, std::vector<Fixed>(static_cast<size_t>(count), 0));
  head_energy_ = head_latency_;
  min_head_latency_.assign(static_cast<size_t>(count), 0);
  min_head_energy_.assign(static_cast<size_t>(count), 0);
  // Per topological position: fixed-point costs summed before it, then each
  // head adds its partial range on top.
  const auto& order = graph_.topological_order();
  const size_t layers = order.size();
  std::vector<std::vector<Fixed>> prefix_latency(n, std::vector<Fixed>(layers + 1, 0));
  std::vector<std::vector<Fixed>> prefix_energy = prefix_latency;
  std::vector<Fixed> prefix_min_latency(layers + 1, 0), prefix_min_energy(layers + 1, 0);
  for (size_t pos = 0; pos < layers; ++pos) {
    const auto l = static_cast<size_t>(order[pos]);
    Fixed min_latency = std::numeric_limits<Fixed>::max(), min_energy = std::numeric_limits<Fixed>::max();
    for (size_t p = 0; p < n; ++p) {
      const Fixed latency = latency_q_.To(layer_costs_[p][l].latency_ms);
      const Fixed energy = energy_q_.To(layer_costs_[p][l].energy_mj);
      prefix_latency[p][pos + 1] = prefix_latency[p][pos] + latency;
      prefix_energy[p][pos + 1] = prefix_energy[p][pos] + energy;
      min_latency = std::min(min_latency, latency);
      min_energy = std::min(min_energy, energy);
    }
    prefix_min_latency[pos + 1] = prefix_min_latency[pos] + min_latency;
    prefix_min_energy[pos + 1] = prefix_min_energy[pos] + min_energy;
  }
  for (int b = 0; b < count; ++b) {
    const auto i = static_cast<size_t>(b);
    const auto begin = static_cast<size_t>(range_begin_[i]);
    for (size_t p = 0; p < n; ++p) {
      head_latency_[p][i] = prefix_latency[p][begin];
      head_energy_[p][i] = prefix_energy[p][begin];
    }
    min_head_latency_[i] = prefix_min_latency[begin];
    min_head_energy_[i] = prefix_min_energy[begin];
    for (int32_t pos = range_begin_[i]; pos < range_end_[i]; ++pos) {
      if (!InHeadAt(b, pos)) continue;
      const auto at = static_cast<size_t>(pos);
      for (size_t p = 0; p < n; ++p) {
        head_latency_[p][i] += prefix_latency[p][at + 1] - prefix_latency[p][at];
        head_energy_[p][i] += prefix_energy[p][at + 1] - prefix_energy[p][at];
      }
      min_head_latency_[i] += prefix_min_latency[at + 1] - prefix_min_latency[at];
      min_head_energy_[i] += prefix_min_energy[at + 1] - prefix_min_energy[at];
    }
  }
  class_cost_.clear();
  for (const Transfer& t : class_cost_ms_) class_cost_.push_back(FixedCost{latency_q_.To(t.latency_ms), energy_q_.To(t.energy_mj)});
  class_busy_.clear();
  for (const double ms : class_busy_ms_) class_busy_.push_back(ms < 0 ? -1 : latency_q_.To(ms));
  conversion_fixed_.clear();
  for (size_t p = 0; p < n; ++p) {
    const LayerCost conversion = Conversion(static_cast<int>(p));
    conversion_fixed_.push_back(FixedCost{latency_q_.To(conversion.latency_ms), energy_q_.To(conversion.energy_mj)});
  }
  period_floor_ = input_fps_ ? latency_q_.To(1000.0 / *input_fps_) : 0;
  PrepareFusionTables();
}

std::vector<LayerId> Planner::StageLayers(int from, int to) const {
  const auto& order = graph_.topological_order();
  std::vector<LayerId> layers;
  const int32_t stop = std::max(range_end_[static_cast<size_t>(to)], range_begin_[static_cast<size_t>(to)]);
  for (int32_t pos = range_begin_[static_cast<size_t>(from)]; pos < stop; ++pos) {
    if (InHeadAt(to, pos) && !InHeadAt(from, pos)) layers.push_back(order[static_cast<size_t>(pos)]);
  }
  return layers;
}

void Planner::PrepareMemory() {
  const auto& order = graph_.topological_order();
  const size_t layers = order.size();
  prefix_params_.assign(layers + 1, 0);
  topo_costs_.assign(platforms_.size(), std::vector<LayerCost>(layers));
  topo_macs_.assign(layers, 0);
  topo_modelled_.assign(layers, false);
  for (size_t pos = 0; pos < layers; ++pos) {
    const Layer& layer = graph_.layer(order[pos]);
    prefix_params_[pos + 1] = prefix_params_[pos] + layer.param_count;
    topo_macs_[pos] = layer.macs;
    topo_modelled_[pos] = layer.macs_modelled;
    for (size_t p = 0; p < platforms_.size(); ++p) topo_costs_[p][pos] = layer_costs_[p][static_cast<size_t>(order[pos])];
  }
  memory_.assign(platforms_.size(), {});
  if (layers == 0) return;
  // A tensor lives from its producer's position (0 for graph inputs) to its
  // last consumer's (the end for graph outputs). Within a stage between two
  // prefix boundaries this is exactly the stage-local rule of
  // PeakActivationBytes: received tensors are those born before the stage and
  // still needed, kept tensors those needed after it.
  std::vector<bool> is_output(graph_.tensor_count(), false);
  for (TensorId t : graph_.graph_outputs()) is_output[static_cast<size_t>(t)] = true;
  for (const PlatformProfile& platform : platforms_) {
    const DType type = platform.data_type;
    if (std::any_of(live_tables_.begin(), live_tables_.end(), [type](const auto& e) { return e.first == type; })) {
      continue;
    }
    std::vector<int64_t> delta(layers + 1, 0);
    for (size_t t = 0; t < graph_.tensor_count(); ++t) {
      const Tensor& tensor = graph_.tensor(static_cast<TensorId>(t));
      if (tensor.producer == kNoLayer && !tensor.is_graph_input) continue;
      const int32_t birth = tensor.producer == kNoLayer ? 0 : graph_.topo_position(tensor.producer);
      int32_t death = birth;
      for (LayerId c : tensor.consumers) death = std::max(death, graph_.topo_position(c));
      if (is_output[t]) death = static_cast<int32_t>(layers) - 1;
      const int64_t bytes = ElementCount(tensor.shape) * BytesPerElementOn(tensor, type);
      delta[static_cast<size_t>(birth)] += bytes;
      delta[static_cast<size_t>(death) + 1] -= bytes;
    }
    std::vector<std::vector<int64_t>> table(1, std::vector<int64_t>(layers, 0));
    int64_t current = 0;
    for (size_t pos = 0; pos < layers; ++pos) table[0][pos] = current += delta[pos];
    for (size_t width = 2; width <= layers; width *= 2) {
      const std::vector<int64_t>& below = table.back();
      std::vector<int64_t> level(layers - width + 1);
      for (size_t pos = 0; pos + width <= layers; ++pos) level[pos] = std::max(below[pos], below[pos + width / 2]);
      table.push_back(std::move(level));
    }
    live_tables_.emplace_back(type, std::move(table));
  }
}

Planner::StageMemory Planner::Memory(int p, int from, int to) {
  const PlatformProfile& platform = platforms_[static_cast<size_t>(p)];
  const auto f = static_cast<size_t>(from), t = static_cast<size_t>(to);
  if (range_begin_[f] == range_end_[f] && range_begin_[t] == range_end_[t] && range_begin_[t] > range_begin_[f]) {
    StageMemory memory;
    const auto begin = static_cast<size_t>(range_begin_[f]), end = static_cast<size_t>(range_begin_[t]);
    memory.weight_bytes = (prefix_params_[end] - prefix_params_[begin]) * DTypeBytes(platform.data_type);
    for (const auto& [type, table] : live_tables_) {
      if (type != platform.data_type) continue;
      size_t level = 0;
      while ((size_t{2} << level) <= end - begin) ++level;
      memory.peak_activation_bytes = std::max(table[level][begin], table[level][end - (size_t{1} << level)]);
    }
    return memory;
  }
  auto& cache = memory_[static_cast<size_t>(p)];
  const uint64_t key = static_cast<uint64_t>(from) * static_cast<uint64_t>(Full() + 1) + static_cast<uint64_t>(to);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const std::vector<LayerId> layers = StageLayers(from, to);
  StageMemory memory;
  for (LayerId l : layers) memory.weight_bytes += graph_.layer(l).param_count * DTypeBytes(platform.data_type);
  const std::vector<TensorId> incoming = from == 0 ? graph_.graph_inputs() : Crossing(from);
  const std::vector<TensorId> outgoing = to == Full() ? graph_.graph_outputs() : Crossing(to);
  memory.peak_activation_bytes = PeakActivationBytes(graph_, layers, incoming, outgoing, platform.data_type);
  cache.emplace(key, memory);
  return memory;
}

bool Planner::Fits(int p, int from, int to) {
  const StageMemory m = Memory(p, from, to);
  return static_cast<double>(m.weight_bytes + m.peak_activation_bytes) <=
         platforms_[static_cast<size_t>(p)].memory_capacity_bytes;
}

bool Planner::Interchangeable(size_t p, size_t q) const {
  const PlatformProfile& first = platforms_[p];
  const PlatformProfile& second = platforms_[q];
  // The input's and the output's devices have roles of their own.
  const auto input = static_cast<size_t>(input_);
  if (p == input || q == input || static_cast<int>(p) == output_ || static_cast<int>(q) == output_) return false;
  if (first.name != second.name || first.data_type != second.data_type ||
      first.memory_capacity_bytes != second.memory_capacity_bytes ||
      IdleWatts(static_cast<int>(p)) != IdleWatts(static_cast<int>(q))) {
    return false;
  }
  const LayerCost conversion_p = Conversion(static_cast<int>(p)), conversion_q = Conversion(static_cast<int>(q));
  if (conversion_p.latency_ms != conversion_q.latency_ms || conversion_p.energy_mj != conversion_q.energy_mj) return false;
  for (size_t l = 0; l < layer_costs_[p].size(); ++l) {
    const LayerCost& x = layer_costs_[p][l];
    const LayerCost& y = layer_costs_[q][l];
    if (x.latency_ms != y.latency_ms || x.energy_mj != y.energy_mj || x.source != y.source) return false;
  }
  if (!fusion_[p].SameCosts(fusion_[q])) return false;
  if (target_.system) return SystemInterchangeable(p, q);
  // Chain shorthand: the same transfers leave both (each over its own link).
  if (links_[p].has_value() != links_[q].has_value()) return false;
  if (links_[p] && (links_[p]->name != links_[q]->name || links_[p]->bandwidth_bytes_per_s != links_[q]->bandwidth_bytes_per_s)) {
    return false;
  }
  for (int b = 0; b <= Full(); ++b) {
    const Transfer x = HopCostMs(static_cast<int>(p), 0, b);
    const Transfer y = HopCostMs(static_cast<int>(q), 0, b);
    if (x.wire_bytes != y.wire_bytes || x.latency_ms != y.latency_ms || x.energy_mj != y.energy_mj) return false;
  }
  return true;
}

void Planner::PrepareTypes() {
  type_of_.assign(platforms_.size(), -1);
  for (size_t p = 0; p < platforms_.size(); ++p) {
    for (size_t t = 0; t < instances_.size() && type_of_[p] < 0; ++t) {
      if (Interchangeable(static_cast<size_t>(instances_[t][0]), p)) type_of_[p] = static_cast<int>(t);
    }
    if (type_of_[p] < 0) {
      type_of_[p] = static_cast<int>(instances_.size());
      instances_.emplace_back();
    }
    instances_[static_cast<size_t>(type_of_[p])].push_back(static_cast<int>(p));
  }
}

double Planner::IdleWatts(int p) const {
  const PlatformProfile& platform = platforms_[static_cast<size_t>(p)];
  return platform.power_in_watts ? platform.idle_w : 0.0;
}

}  // namespace dnnpart::planner_detail
