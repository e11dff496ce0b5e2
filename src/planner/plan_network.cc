// The planner's view of the network: device targets (the chain shorthand or
// a system file), the resources transfers load, the route and cost of every
// transfer a plan can make, and the sensor's input conversion
// (docs/system.md, docs/planning.md).
#include <algorithm>
#include <array>
#include <chrono>
#include <map>

#include "planner.h"

namespace dnnpart {

PlanTarget ChainTarget(const std::vector<PlatformProfile>& platforms,
                       const std::vector<std::optional<LinkProfile>>& links) {
  PlanTarget target;
  target.platforms = platforms;
  target.links = links;
  std::map<std::string, int> total, seen;
  for (const PlatformProfile& p : platforms) ++total[p.name];
  for (const PlatformProfile& p : platforms) {
    target.names.push_back(total[p.name] > 1 ? p.name + "#" + std::to_string(++seen[p.name]) : p.name);
  }
  return target;
}

PlanTarget SystemTarget(const System& system) {
  PlanTarget target;
  for (const SystemDevice& device : system.devices) {
    target.names.push_back(device.name);
    target.platforms.push_back(device.platform);
  }
  target.links.assign(system.devices.size(), std::nullopt);
  target.system = system;
  target.input_device = system.input.device;
  target.output_device = system.output_device;
  target.input_dtype = system.input.dtype;
  target.input_shape = system.input.shape;
  target.input_fps = system.input.fps;
  return target;
}

namespace planner_detail {

void Planner::PrepareEnds() {
  const size_t n = platforms_.size();
  if (target_.names.size() != n || links_.size() != n) throw Error("internal: one name and link slot per device expected");
  if (target_.input_device >= n) throw Error("internal: the input device is not a device");
  input_ = static_cast<int>(target_.input_device);
  if (target_.output_device) {
    if (*target_.output_device >= n) throw Error("internal: the output device is not a device");
    output_ = static_cast<int>(*target_.output_device);
  } else if (!target_.system && options_.output_at == OutputAt::kFirst) {
    output_ = input_;
  }
  input_fps_ = options_.input_fps ? options_.input_fps : target_.input_fps;
  if (input_fps_ && !(*input_fps_ > 0 && std::isfinite(*input_fps_))) throw Error("the input frame rate must be positive");
  if (!target_.input_dtype && target_.input_shape.empty()) return;
  const std::string source = target_.system ? target_.system->path + ": /input" : std::string("--input-dtype");
  if (graph_.graph_inputs().size() != 1) {
    throw Error(source + ": the sensor's dtype and shape describe one input, but the model has " +
                std::to_string(graph_.graph_inputs().size()) + " inputs");
  }
  const Tensor& input = graph_.tensor(graph_.graph_inputs()[0]);
  sensor_elements_ = ElementCount(input.shape);
  if (!target_.input_shape.empty()) {
    const std::optional<int64_t> elements = CheckedElementCount(target_.input_shape);
    if (!elements || *elements <= 0) throw Error(source + "/shape: not a valid tensor shape");
    sensor_elements_ = *elements;
  }
  converts_input_ = target_.input_dtype && *target_.input_dtype != input.dtype;
}

const LinkProfile& Planner::MediumLink(int medium) const {
  if (target_.system) return target_.system->media[static_cast<size_t>(medium)].link;
  return *links_[static_cast<size_t>(medium)];
}

std::string Planner::MediumName(int medium) const {
  if (target_.system) return target_.system->media[static_cast<size_t>(medium)].name;
  return links_[static_cast<size_t>(medium)]->name;
}

int64_t Planner::PayloadOn(int x, int b, const LinkProfile& link) const {
  if (b == 0 && target_.input_dtype) {
    // The sensor's frames cross as they are: its element type, on any link.
    return sensor_elements_ * DTypeBytes(*target_.input_dtype);
  }
  if (b == 0 && !target_.input_shape.empty()) {
    const Tensor& input = graph_.tensor(graph_.graph_inputs()[0]);
    const DType wire = link.transfer_data_type.value_or(platforms_[static_cast<size_t>(x)].data_type);
    return sensor_elements_ * BytesPerElementOn(input, wire);
  }
  const std::vector<TensorId>& tensors =
      b == 0 ? graph_.graph_inputs() : b == Full() ? graph_.graph_outputs() : Crossing(b);
  return PayloadBytes(graph_, tensors, platforms_[static_cast<size_t>(x)].data_type, link);
}

LayerCost Planner::Conversion(int q) const {
  LayerCost cost;
  if (!converts_input_) return cost;
  const PlatformProfile& platform = platforms_[static_cast<size_t>(q)];
  const Tensor& input = graph_.tensor(graph_.graph_inputs()[0]);
  const auto bytes_per_element =
      static_cast<double>(DTypeBytes(*target_.input_dtype) + BytesPerElementOn(input, platform.data_type));
  const double ns = platform.input_conversion_ns_per_element
                        ? *platform.input_conversion_ns_per_element
                        : 1e9 * bytes_per_element / platform.memory_bandwidth_bytes_per_s;
  cost.latency_ms = static_cast<double>(sensor_elements_) * ns * 1e-6;
  cost.energy_mj = platform.power_in_watts
                       ? platform.active_w * cost.latency_ms
                       : static_cast<double>(sensor_elements_) * bytes_per_element * platform.energy_per_byte_pj * 1e-9;
  return cost;
}

void Planner::PrepareNetwork() {
  const size_t n = platforms_.size();
  const int count = Full() + 1;
  per_sender_ = !target_.system;
  pair_route_.assign(per_sender_ ? n : n * n, -1);
  pair_routes_by_b_.clear();
  // Who crosses each resource: its senders and receivers (-1: not known
  // here), and whether more than one (sender, receiver) pair does.
  struct Crossers {
    std::vector<bool> senders, receivers;
    int x = -1, y = -1;
    bool several = false;
  };
  std::vector<Crossers> crossers;
  auto use = [&](int32_t r, int x, int y) {
    if (crossers.size() <= static_cast<size_t>(r)) crossers.resize(static_cast<size_t>(r) + 1);
    Crossers& c = crossers[static_cast<size_t>(r)];
    if (c.senders.empty()) {
      c.senders.assign(n, false);
      c.receivers.assign(n, false);
      c.x = x;
      c.y = y;
    } else if (x != c.x || y != c.y) {
      c.several = true;
    }
    c.senders[static_cast<size_t>(x)] = true;
    if (y >= 0) c.receivers[static_cast<size_t>(y)] = true;
  };
  // Classes by (sender's data type, per segment: its medium, then the slots
  // of its resources). Per class and segment, whether any transfer moves
  // bytes over it: of the model input (b = 0), of activations, of the output.
  std::map<std::pair<DType, std::vector<std::vector<int32_t>>>, int32_t> class_ids;
  std::vector<std::vector<std::array<bool, 3>>> class_moves;
  std::vector<bool> middle_used;  // per class: some pair prices it for 0 < b < Full()
  // Adds `route` as sent by x, with its class (computed on first use:
  // costs and loads per boundary, summed segment by segment in order, as a
  // transfer adds them); returns its index.
  auto add_route = [&](int x, Route route) {
    std::vector<int32_t> distinct;
    std::vector<std::vector<int32_t>> shape;
    for (const Segment& segment : route.segments) {
      std::vector<int32_t> entry{segment.medium};
      for (int32_t r : segment.resources) {
        auto at = std::find(distinct.begin(), distinct.end(), r);
        if (at == distinct.end()) at = distinct.insert(distinct.end(), r);
        entry.push_back(static_cast<int32_t>(at - distinct.begin()));
      }
      shape.push_back(std::move(entry));
    }
    const DType type = platforms_[static_cast<size_t>(x)].data_type;
    auto [it, fresh] = class_ids.try_emplace({type, shape}, static_cast<int32_t>(hop_classes_.size()));
    if (fresh) {
      HopClass c{static_cast<int32_t>(distinct.size()), class_busy_ms_.size()};
      class_busy_ms_.resize(class_busy_ms_.size() + static_cast<size_t>(count) * distinct.size(), -1.0);
      std::vector<std::array<bool, 3>> moves(route.segments.size(), {false, false, false});
      for (int b = 0; b < count; ++b) {
        Transfer total;
        for (size_t s = 0; s < route.segments.size(); ++s) {
          const LinkProfile& link = MediumLink(route.segments[s].medium);
          const Transfer t = TransferCost(link, PayloadOn(x, b, link));
          total.latency_ms += t.latency_ms;
          total.energy_mj += t.energy_mj;
          total.wire_bytes += t.wire_bytes;
          if (t.wire_bytes == 0) continue;
          moves[s][b == 0 ? 0 : b == Full() ? 2 : 1] = true;
          for (size_t k = 1; k < shape[s].size(); ++k) {
            double& busy = class_busy_ms_[c.busy_begin + static_cast<size_t>(b) * distinct.size() +
                                          static_cast<size_t>(shape[s][k])];
            busy = (busy < 0 ? 0.0 : busy) + t.latency_ms;
          }
        }
        class_cost_ms_.push_back(total);
      }
      hop_classes_.push_back(c);
      class_moves.push_back(std::move(moves));
      middle_used.push_back(false);
      class_row_used_.resize(class_cost_ms_.size(), false);
    }
    route.hop_class = it->second;
    route.resources = distinct;
    std::sort(route.resources.begin(), route.resources.end());
    for (int32_t r : route.resources) {
      route.slots.push_back(static_cast<int32_t>(std::find(distinct.begin(), distinct.end(), r) - distinct.begin()));
    }
    routes_.push_back(std::move(route));
    return static_cast<int32_t>(routes_.size() - 1);
  };
  // Records that the search may price transfer (x, y, b) over `route`
  // (y = -1: any receiver): its class row is used, and its resources are
  // crossed by (x, y) when some byte moves over them.
  auto priced_at = [&](int x, int y, int b, int32_t route) {
    const Route& r = routes_[static_cast<size_t>(route)];
    class_row_used_[ClassRow(route, b)] = true;
    for (size_t s = 0; s < r.segments.size(); ++s) {
      if (!class_moves[static_cast<size_t>(r.hop_class)][s][b == 0 ? 0 : b == Full() ? 2 : 1]) continue;
      const LinkProfile& link = MediumLink(r.segments[s].medium);
      if (b > 0 && b < Full() && TransferCost(link, PayloadOn(x, b, link)).wire_bytes == 0) continue;
      for (int32_t resource : r.segments[s].resources) use(resource, x, y);
    }
  };
  // The same for every boundary between the first and the last at once.
  auto priced_between = [&](int x, int y, int32_t route) {
    const Route& r = routes_[static_cast<size_t>(route)];
    middle_used[static_cast<size_t>(r.hop_class)] = true;
    for (size_t s = 0; s < r.segments.size(); ++s) {
      if (!class_moves[static_cast<size_t>(r.hop_class)][s][1]) continue;
      for (int32_t resource : r.segments[s].resources) use(resource, x, y);
    }
  };
  if (per_sender_) {
    // Chain shorthand: a transfer goes straight over the sender's link,
    // which is one resource whoever receives; every boundary is priced.
    for (size_t x = 0; x < n; ++x) {
      if (!links_[x]) continue;
      const auto r = static_cast<int32_t>(resources_.size());
      resources_.push_back(
          Resource{links_[x]->name + " from " + target_.names[x], links_[x]->bandwidth_bytes_per_s, false, {}, {}});
      Route link_route;
      link_route.segments.push_back(Segment{static_cast<int>(x), static_cast<int>(x), -1, {r}});
      const int32_t route = add_route(static_cast<int>(x), std::move(link_route));
      pair_route_[x] = route;
      priced_at(static_cast<int>(x), -1, 0, route);
      priced_between(static_cast<int>(x), -1, route);
      priced_at(static_cast<int>(x), -1, Full(), route);
    }
    // Receivers are not known per resource here: every device but the
    // sender may receive.
    for (Crossers& c : crossers) {
      if (c.senders.empty()) continue;
      const auto senders = std::count(c.senders.begin(), c.senders.end(), true);
      for (size_t z = 0; z < n; ++z) c.receivers[z] = senders > 1 || !c.senders[z];
      c.several = senders > 1 || n > 2;
    }
  } else {
    const System& system = *target_.system;
    std::map<LinkResource, int32_t> resource_ids;
    // Payload key of boundary b: its bytes when floating tensors take 4 and
    // 2 bytes; any wire type's payload follows from the two, and so does
    // the cheapest route for it.
    std::vector<std::pair<int64_t, int64_t>> payload_key(static_cast<size_t>(count));
    LinkProfile wide, narrow;
    wide.transfer_data_type = DType::kFloat32;
    narrow.transfer_data_type = DType::kFloat16;
    for (int b = 0; b < count; ++b) payload_key[static_cast<size_t>(b)] = {PayloadOn(0, b, wide), PayloadOn(0, b, narrow)};
    auto same_hops = [](const std::vector<RouteHop>& a, const std::vector<RouteHop>& b) {
      return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const RouteHop& u, const RouteHop& v) {
        return u.medium == v.medium && u.from == v.from && u.to == v.to;
      });
    };
    std::vector<std::vector<int32_t>> by_b(n);  // per receiver, the route per boundary (-1: not priced)
    for (size_t x = 0; x < n; ++x) {
      // --time-limit counts pricing too (docs/planning.md, "Time").
      if (search_ && options_.time_limit_s &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count() > *options_.time_limit_s) {
        priced_ = false;
        return;
      }
      const auto reachable = dnnpart::RoutesFrom(system, x, [](size_t) { return 0.0; });
      // Routes from x to every device in one pass per payload (RoutesFrom
      // gives what Route gives pair by pair), computed when first needed.
      std::map<std::pair<int64_t, int64_t>, std::vector<std::optional<std::vector<RouteHop>>>> by_payload;
      // Per receiver, the routes made from x so far with their hops: one
      // route serves every boundary whose payload picks the same hops.
      std::vector<std::vector<std::pair<std::vector<RouteHop>, int32_t>>> made(n);
      for (auto& routes : by_b) routes.assign(static_cast<size_t>(count), -1);
      for (int b = 0; b < count; ++b) {
        if (b == 0 && static_cast<int>(x) != input_) continue;
        const std::vector<std::optional<std::vector<RouteHop>>>* from_x = nullptr;
        for (size_t y = 0; y < n; ++y) {
          if (x == y || !reachable[y]) continue;  // unreachable: no route
          if (b == Full() && static_cast<int>(y) != output_) continue;
          if (from_x == nullptr) {
            auto [it, fresh] = by_payload.try_emplace(payload_key[static_cast<size_t>(b)]);
            if (fresh) {
              it->second = dnnpart::RoutesFrom(system, x, [&](size_t m) {
                const LinkProfile& link = system.media[m].link;
                return TransferCost(link, PayloadOn(static_cast<int>(x), b, link)).latency_ms;
              });
            }
            from_x = &it->second;
          }
          const std::vector<RouteHop>& hops = *(*from_x)[y];
          auto& to_y = made[y];
          auto known = std::find_if(to_y.begin(), to_y.end(), [&](const auto& m) { return same_hops(m.first, hops); });
          if (known == to_y.end()) {
            Route route;
            for (const RouteHop& hop : hops) {
              Segment segment{static_cast<int>(hop.medium), static_cast<int>(hop.from), static_cast<int>(hop.to), {}};
              for (const LinkResource& resource : HopResources(system, hop)) {
                auto id = resource_ids.find(resource);
                if (id == resource_ids.end()) {
                  id = resource_ids.emplace(resource, static_cast<int32_t>(resources_.size())).first;
                  resources_.push_back(Resource{ResourceName(system, resource),
                                                system.media[resource.medium].link.bandwidth_bytes_per_s, false, {}, {}});
                }
                segment.resources.push_back(id->second);
              }
              route.segments.push_back(std::move(segment));
            }
            to_y.emplace_back(hops, add_route(static_cast<int>(x), std::move(route)));
            known = to_y.end() - 1;
          }
          by_b[y][static_cast<size_t>(b)] = known->second;
        }
      }
      for (size_t y = 0; y < n; ++y) {
        const std::vector<int32_t>& routes = by_b[y];
        const auto priced = [](int32_t route) { return route >= 0; };
        const auto first = std::find_if(routes.begin(), routes.end(), priced);
        if (first == routes.end()) continue;
        const bool one = std::all_of(first, routes.end(), [&](int32_t route) { return route < 0 || route == *first; });
        const int from = static_cast<int>(x), to = static_cast<int>(y);
        if (one) {
          // Priced for every boundary between, and at the ends as above.
          pair_route_[x * n + y] = *first;
          if (routes.front() >= 0) priced_at(from, to, 0, *first);
          if (Full() > 1) priced_between(from, to, *first);
          if (routes.back() >= 0) priced_at(from, to, Full(), *first);
        } else {
          for (int b = 0; b < count; ++b) {
            if (routes[static_cast<size_t>(b)] >= 0) priced_at(from, to, b, routes[static_cast<size_t>(b)]);
          }
          pair_route_[x * n + y] = -static_cast<int32_t>(pair_routes_by_b_.size()) - 2;
          pair_routes_by_b_.push_back(routes);
        }
      }
    }
  }
  // The rows between the first and the last boundary of the classes that
  // some pair prices there.
  for (size_t c = 0; c < hop_classes_.size(); ++c) {
    if (!middle_used[c]) continue;
    for (int b = 1; b < Full(); ++b) class_row_used_[c * static_cast<size_t>(count) + static_cast<size_t>(b)] = true;
  }
  // A resource is crossed at most once per plan when all its transfers leave
  // one device that is not the input (a device sends once: its activations
  // or the output), or all reach one device that is not the output (a device
  // receives once). Otherwise loads on it must be added up across transfers.
  crossers.resize(resources_.size());
  for (size_t r = 0; r < resources_.size(); ++r) {
    Resource& resource = resources_[r];
    Crossers& c = crossers[r];
    resource.senders = c.senders.empty() ? std::vector<bool>(n, false) : std::move(c.senders);
    resource.receivers = c.receivers.empty() ? std::vector<bool>(n, false) : std::move(c.receivers);
    auto only = [](const std::vector<bool>& devices) {
      int one = -1;
      for (size_t d = 0; d < devices.size(); ++d) {
        if (!devices[d]) continue;
        if (one >= 0) return -1;
        one = static_cast<int>(d);
      }
      return one;
    };
    const int sender = only(resource.senders);
    const int receiver = only(resource.receivers);
    const bool one_sender = sender >= 0 && sender != input_;
    const bool one_receiver = receiver >= 0 && receiver != output_;
    resource.reused = c.several && !one_sender && !one_receiver;
  }
}

bool Planner::StillOpen(int32_t r, int last, const std::vector<bool>& unused) const {
  const Resource& resource = resources_[static_cast<size_t>(r)];
  bool sends = resource.senders[static_cast<size_t>(last)];
  bool receives = output_ >= 0 && resource.receivers[static_cast<size_t>(output_)];
  for (size_t d = 0; d < unused.size() && !(sends && receives); ++d) {
    if (!unused[d]) continue;
    sends = sends || resource.senders[d];
    receives = receives || resource.receivers[d];
  }
  return sends && receives;
}

HopReport Planner::HopDetail(int x, int y, int b, const char* what) const {
  HopReport hop;
  hop.from_platform = x;
  hop.to_platform = y;
  hop.from_device = target_.names[static_cast<size_t>(x)];
  hop.to_device = target_.names[static_cast<size_t>(y)];
  hop.what = what;
  hop.cut_id = b > 0 && b < Full() ? b - 1 : -1;
  hop.tensors = b == 0 ? graph_.graph_inputs() : b == Full() ? graph_.graph_outputs() : Crossing(b);
  const HopRef entry = Hop(x, y, b);
  if (entry.route < 0) return hop;
  for (const Segment& segment : routes_[static_cast<size_t>(entry.route)].segments) {
    const LinkProfile& link = MediumLink(segment.medium);
    HopSegment detail;
    detail.medium = MediumName(segment.medium);
    detail.link = link.name;
    detail.from_device = target_.names[static_cast<size_t>(segment.from)];
    detail.to_device = target_.names[static_cast<size_t>(per_sender_ ? y : segment.to)];
    detail.transfer = TransferCost(link, PayloadOn(x, b, link));
    for (int32_t r : segment.resources) detail.resources.push_back(resources_[static_cast<size_t>(r)].name);
    if (hop.segments.empty()) hop.transfer.payload_bytes = detail.transfer.payload_bytes;
    hop.transfer.wire_bytes += detail.transfer.wire_bytes;
    hop.transfer.latency_ms += detail.transfer.latency_ms;
    hop.transfer.energy_mj += detail.transfer.energy_mj;
    hop.link += (hop.link.empty() ? "" : " + ") + detail.medium;
    hop.segments.push_back(std::move(detail));
  }
  return hop;
}

bool Planner::SystemInterchangeable(size_t p, size_t q) const {
  const System& system = *target_.system;
  if (system.devices[p].host != system.devices[q].host) return false;
  // Swapping p and q must map every medium onto an identical one.
  auto swapped = [&](size_t d) { return d == p ? q : d == q ? p : d; };
  for (const SystemMedium& medium : system.media) {
    std::vector<size_t> members;
    for (size_t d : medium.devices) members.push_back(swapped(d));
    std::sort(members.begin(), members.end());
    bool found = false;
    for (const SystemMedium& other : system.media) {
      std::vector<size_t> theirs = other.devices;
      std::sort(theirs.begin(), theirs.end());
      if (other.kind == medium.kind && other.link.path == medium.link.path && other.link.name == medium.link.name &&
          theirs == members) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace planner_detail
}  // namespace dnnpart
