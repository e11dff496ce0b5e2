// Reads system files (docs/system.md) and routes transfers over them. Every
// name, reference and number is checked here, once; the rest of the library
// trusts a System.
#define JSON_DIAGNOSTICS 1
#include "dnnpart/system.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <queue>
#include <set>
#include <tuple>

#include "dnnpart/error.h"
#include "json_file.h"
#include "json_reader.h"

namespace dnnpart {
namespace {

using nlohmann::json;

// Profiles named by several entries are read once.
class ProfileCache {
 public:
  explicit ProfileCache(std::string system_path) : system_path_(std::move(system_path)) {}

  const PlatformProfile& Platform(Reader& entry, const std::string& key) {
    const std::string file = SiblingPath(system_path_, entry.Text(key, "", true));
    auto found = platforms_.find(file);
    if (found != platforms_.end()) return found->second;
    try {
      return platforms_.emplace(file, LoadPlatformProfile(file)).first->second;
    } catch (const Error& e) {
      throw e.WithContext(entry.Path(key));
    }
  }

  const LinkProfile& Link(Reader& entry, const std::string& key) {
    const std::string file = SiblingPath(system_path_, entry.Text(key, "", true));
    auto found = links_.find(file);
    if (found != links_.end()) return found->second;
    try {
      return links_.emplace(file, LoadLinkProfile(file)).first->second;
    } catch (const Error& e) {
      throw e.WithContext(entry.Path(key));
    }
  }

 private:
  std::string system_path_;
  std::map<std::string, PlatformProfile> platforms_;
  std::map<std::string, LinkProfile> links_;
};

// The elements of an array field, each with its JSON path.
std::vector<std::pair<const json*, std::string>> Elements(Reader& parent, const std::string& key, bool required) {
  std::vector<std::pair<const json*, std::string>> items;
  if (!required && !parent.Has(key)) return parent.MarkUsed(key), items;
  const json& array = parent.Raw(key);
  if (!array.is_array()) throw Error(parent.Path(key) + ": must be an array");
  for (size_t i = 0; i < array.size(); ++i) items.emplace_back(&array[i], parent.Path(key) + "/" + std::to_string(i));
  return items;
}

// Device names may not hold '#', which numbers the instances of a count;
// medium names may (their defaults are built from instance names).
void CheckName(const std::string& name, const std::string& where, bool device = true) {
  if (name.empty()) throw Error(where + ": must not be empty");
  for (const char c : name) {
    if ((device && c == '#') || static_cast<unsigned char>(c) < 0x20) {
      throw Error(where + ": '" + name + "' may not contain '#' or control characters ('#' numbers the instances of a count)");
    }
  }
}

struct DeviceEntry {
  std::string name;
  std::string path;  // JSON path of the entry
  std::vector<size_t> instances;
  std::string host;  // accelerator's host reference, "" if none
  std::string host_path;
  std::optional<LinkProfile> attach;
};

class SystemReader {
 public:
  SystemReader(const json& document, const std::string& file) : root_(document, ""), cache_(file) {
    system_.path = file;
  }

  System Read() {
    CheckHeader(root_, "system");
    system_.name = root_.Text("name", "", true);
    system_.description = root_.Text("description", "");
    ReadDevices();
    ReadLinks();
    ReadMedia();
    AttachAccelerators();
    ReadInput();
    ReadOutput();
    root_.MarkUsed("provenance");
    root_.WarnUnknown(system_.path);
    CheckReachable();
    return std::move(system_);
  }

 private:
  void ReadDevices() {
    const auto items = Elements(root_, "devices", true);
    if (items.empty()) throw Error("/devices: needs at least one device");
    for (const auto& [value, path] : items) {
      Reader entry(*value, path);
      DeviceEntry device;
      device.name = entry.Text("name", "", true);
      device.path = path;
      CheckName(device.name, entry.Path("name"));
      if (entries_.count(device.name) != 0) throw Error(entry.Path("name") + ": '" + device.name + "' is named twice");
      const PlatformProfile& platform = cache_.Platform(entry, "platform");
      const int64_t count = entry.Integer("count", 1);
      if (count < 1 || count > kMaxInstances) {
        throw Error(entry.Path("count") + ": must be from 1 to " + std::to_string(kMaxInstances));
      }
      if (entry.Has("host")) {
        device.host = entry.Text("host", "");
        device.host_path = entry.Path("host");
        device.attach = cache_.Link(entry, "attach");
      } else if (entry.Has("attach")) {
        throw Error(entry.Path("attach") + ": only an accelerator (a device with \"host\") has an attach link");
      }
      for (int64_t k = 1; k <= count; ++k) {
        const std::string instance = count == 1 ? device.name : device.name + "#" + std::to_string(k);
        device.instances.push_back(system_.devices.size());
        system_.devices.push_back({instance, device.name, platform, std::nullopt});
      }
      entry.WarnUnknown(system_.path);
      entries_.emplace(device.name, std::move(device));
    }
    if (system_.devices.size() > kMaxInstances) {
      throw Error("/devices: " + std::to_string(system_.devices.size()) + " instances; at most " +
                  std::to_string(kMaxInstances) + " are supported");
    }
  }

  // One instance by name; an entry with a count must be named with "#k".
  size_t Instance(const std::string& name, const std::string& where) const {
    if (const auto index = FindDevice(system_, name)) return *index;
    const auto entry = entries_.find(name);
    if (entry != entries_.end()) {
      throw Error(where + ": '" + name + "' has " + std::to_string(entry->second.instances.size()) +
                  " instances; name one, e.g. '" + name + "#1'");
    }
    throw Error(where + ": no device named '" + name + "'" + KnownDevices());
  }

  std::string KnownDevices() const {
    std::string known = " (devices:";
    for (size_t i = 0; i < system_.devices.size() && i < 12; ++i) known += " " + system_.devices[i].name;
    return known + (system_.devices.size() > 12 ? " ...)" : ")");
  }

  void CheckNotAccelerator(size_t device, const std::string& where) const {
    const auto entry = entries_.find(system_.devices[device].type);
    if (!entry->second.host.empty()) {
      throw Error(where + ": '" + system_.devices[device].name + "' is an accelerator attached to '" +
                  entry->second.host + "'; it reaches other devices only through its host's links");
    }
  }

  void AddMediumName(const std::string& name, const std::string& where) {
    CheckName(name, where, false);
    if (!medium_names_.insert(name).second) throw Error(where + ": '" + name + "' names two links or media");
  }

  void ReadLinks() {
    for (const auto& [value, path] : Elements(root_, "links", false)) {
      Reader entry(*value, path);
      const json& between = entry.Raw("between");
      if (!between.is_array() || between.size() != 2 || !between[0].is_string() || !between[1].is_string()) {
        throw Error(entry.Path("between") + ": must be an array of two device names");
      }
      SystemMedium medium;
      medium.kind = MediumKind::kPointToPoint;
      for (size_t side = 0; side < 2; ++side) {
        const std::string where = entry.Path("between") + "/" + std::to_string(side);
        medium.devices.push_back(Instance(between[side].get<std::string>(), where));
        CheckNotAccelerator(medium.devices.back(), where);
      }
      if (medium.devices[0] == medium.devices[1]) {
        throw Error(entry.Path("between") + ": a link joins two different devices");
      }
      medium.name = entry.Text("name", system_.devices[medium.devices[0]].name + "-" +
                                           system_.devices[medium.devices[1]].name);
      AddMediumName(medium.name, entry.Path("name"));
      medium.link = cache_.Link(entry, "link");
      entry.WarnUnknown(system_.path);
      system_.media.push_back(std::move(medium));
    }
  }

  void ReadMedia() {
    for (const auto& [value, path] : Elements(root_, "media", false)) {
      Reader entry(*value, path);
      SystemMedium medium;
      medium.name = entry.Text("name", "", true);
      AddMediumName(medium.name, entry.Path("name"));
      const std::string kind = entry.Text("kind", "", true);
      if (kind == "switch") medium.kind = MediumKind::kSwitch;
      else if (kind == "shared") medium.kind = MediumKind::kShared;
      else throw Error(entry.Path("kind") + ": must be \"switch\" or \"shared\", got \"" + kind + "\"");
      medium.link = cache_.Link(entry, "link");
      std::set<size_t> members;
      for (const auto& [member, where] : Elements(entry, "devices", true)) {
        if (!member->is_string()) throw Error(where + ": must be a device name");
        for (const size_t device : Members(member->get<std::string>(), where)) {
          CheckNotAccelerator(device, where);
          if (!members.insert(device).second) {
            throw Error(where + ": '" + system_.devices[device].name + "' is listed twice");
          }
        }
      }
      if (members.size() < 2) throw Error(entry.Path("devices") + ": a medium joins at least two devices");
      medium.devices.assign(members.begin(), members.end());
      entry.WarnUnknown(system_.path);
      system_.media.push_back(std::move(medium));
    }
  }

  // A medium's member list may name a whole entry: all of its instances.
  std::vector<size_t> Members(const std::string& name, const std::string& where) const {
    const auto entry = entries_.find(name);
    if (entry != entries_.end()) return entry->second.instances;
    return {Instance(name, where)};
  }

  void AttachAccelerators() {
    for (auto& [name, entry] : entries_) {
      if (entry.host.empty()) continue;
      const size_t host = Instance(entry.host, entry.host_path);
      if (system_.devices[host].type == name) throw Error(entry.host_path + ": a device cannot host itself");
      CheckNotAccelerator(host, entry.host_path);
      for (const size_t device : entry.instances) {
        system_.devices[device].host = host;
        SystemMedium attach;
        attach.name = system_.devices[host].name + "-" + system_.devices[device].name;
        AddMediumName(attach.name, entry.path + "/attach");
        attach.kind = MediumKind::kPointToPoint;
        attach.link = *entry.attach;
        attach.devices = {host, device};
        system_.media.push_back(std::move(attach));
      }
    }
  }

  void ReadInput() {
    Reader input = root_.Object("input");
    system_.input.device = Instance(input.Text("device", "", true), input.Path("device"));
    if (input.Has("dtype")) {
      const std::string name = input.Text("dtype", "");
      system_.input.dtype = DTypeFromName(name);
      if (!system_.input.dtype) throw Error(input.Path("dtype") + ": unknown data type '" + name + "'");
    }
    for (const auto& [dim, where] : Elements(input, "shape", false)) {
      if (!dim->is_number_integer() || dim->get<int64_t>() < 1) throw Error(where + ": must be a positive integer");
      system_.input.shape.push_back(dim->get<int64_t>());
    }
    if (input.Has("shape") && system_.input.shape.empty()) throw Error(input.Path("shape") + ": must not be empty");
    if (input.Has("fps")) system_.input.fps = input.Number("fps", std::nullopt, true);
    input.WarnUnknown(system_.path);
  }

  void ReadOutput() {
    if (!root_.Has("output")) return root_.MarkUsed("output");
    Reader output = root_.Object("output");
    system_.output_device = Instance(output.Text("device", "", true), output.Path("device"));
    output.WarnUnknown(system_.path);
  }

  // The output must be reachable from the input; devices that are not
  // reachable can never run a stage, which is worth a warning.
  void CheckReachable() const {
    const auto routes = RoutesFrom(system_, system_.input.device, [](size_t) { return 0.0; });
    for (size_t d = 0; d < system_.devices.size(); ++d) {
      if (routes[d]) continue;
      if (system_.output_device == d) {
        throw Error("/output/device: '" + system_.devices[d].name + "' cannot be reached from the input device '" +
                    system_.devices[system_.input.device].name + "' over the links and media given");
      }
      spdlog::warn("{}: device '{}' cannot be reached from the input device '{}'; it will run no stage",
                   system_.path, system_.devices[d].name, system_.devices[system_.input.device].name);
    }
  }

  static constexpr int64_t kMaxInstances = 4096;
  Reader root_;
  ProfileCache cache_;
  System system_;
  std::map<std::string, DeviceEntry> entries_;
  std::set<std::string> medium_names_;
};

}  // namespace

System LoadSystem(const std::string& path) {
  try {
    const json document = ReadJsonFile(path, "a JSON system file");
    return SystemReader(document, path).Read();
  } catch (const Error& e) {
    throw e.WithContext(path);
  } catch (const json::exception& e) {
    throw Error(path + ": " + e.what());
  }
}

std::optional<size_t> FindDevice(const System& system, const std::string& name) {
  for (size_t i = 0; i < system.devices.size(); ++i) {
    if (system.devices[i].name == name) return i;
  }
  return std::nullopt;
}

namespace {

// Dijkstra from `from` over the instances; stops once `stop` is settled (or
// runs to the end when `stop` is out of range). Returns, per device, the hop
// that reaches it on its cheapest route (unset: `from` itself, or not reached).
//
// Edges are relaxed medium by medium, in medium order then member order. A
// medium is relaxed from its first settled member only: every member settled
// later has a key no lower, so its candidates through the same medium (whose
// hop cost is the same for every pair) could not be strictly better. The
// routes are those of relaxing every ordered pair of members, at
// O(V log V + Σ members) instead of O(Σ members²) per call.
std::vector<std::optional<RouteHop>> CheapestHops(const System& system, size_t from, size_t stop,
                                                  const std::function<double(size_t medium)>& hop_cost_ms) {
  const size_t n = system.devices.size();
  // The media of device d, in medium order: media[first[d] .. first[d + 1]).
  std::vector<size_t> first(n + 1, 0), media;
  for (const SystemMedium& medium : system.media) {
    for (const size_t d : medium.devices) ++first[d + 1];
  }
  for (size_t d = 0; d < n; ++d) first[d + 1] += first[d];
  media.resize(first[n]);
  std::vector<size_t> next(first.begin(), first.end() - 1);
  for (size_t m = 0; m < system.media.size(); ++m) {
    for (const size_t d : system.media[m].devices) media[next[d]++] = m;
  }
  using Key = std::pair<double, size_t>;  // cost, hops
  std::vector<Key> best(n, {std::numeric_limits<double>::infinity(), 0});
  std::vector<std::optional<RouteHop>> via(n);
  std::vector<bool> done(n, false);
  std::vector<bool> relaxed(system.media.size(), false);
  std::priority_queue<std::tuple<double, size_t, size_t>, std::vector<std::tuple<double, size_t, size_t>>,
                      std::greater<>> queue;
  best[from] = {0.0, 0};
  queue.emplace(0.0, 0, from);
  while (!queue.empty()) {
    const auto [cost, hops, device] = queue.top();
    queue.pop();
    if (done[device]) continue;
    done[device] = true;
    if (device == stop) break;
    // An accelerator only sends what it computed: it forwards nothing.
    if (device != from && system.devices[device].host) continue;
    for (size_t k = first[device]; k < first[device + 1]; ++k) {
      const size_t m = media[k];
      if (relaxed[m]) continue;
      relaxed[m] = true;
      const double step = hop_cost_ms(m);
      if (!(step >= 0) || !std::isfinite(step)) throw Error("a hop cost is negative or not finite");
      const Key candidate{cost + step, hops + 1};
      for (const size_t to : system.media[m].devices) {
        if (to == device || !(candidate < best[to])) continue;
        best[to] = candidate;
        via[to] = RouteHop{m, device, to};
        queue.emplace(candidate.first, candidate.second, to);
      }
    }
  }
  return via;
}

std::vector<RouteHop> Unwind(const std::vector<std::optional<RouteHop>>& via, size_t from, size_t to) {
  std::vector<RouteHop> route;
  for (size_t at = to; at != from; at = via[at]->from) route.push_back(*via[at]);
  std::reverse(route.begin(), route.end());
  return route;
}

}  // namespace

std::vector<RouteHop> Route(const System& system, size_t from, size_t to,
                            const std::function<double(size_t medium)>& hop_cost_ms) {
  const size_t n = system.devices.size();
  if (from >= n || to >= n) throw Error("route between unknown devices");
  if (from == to) return {};
  const std::vector<std::optional<RouteHop>> via = CheapestHops(system, from, to, hop_cost_ms);
  if (!via[to]) {
    throw Error("no route from '" + system.devices[from].name + "' to '" + system.devices[to].name +
                "' over the links and media given");
  }
  return Unwind(via, from, to);
}

std::vector<std::optional<std::vector<RouteHop>>> RoutesFrom(
    const System& system, size_t from, const std::function<double(size_t medium)>& hop_cost_ms) {
  const size_t n = system.devices.size();
  if (from >= n) throw Error("route from an unknown device");
  const std::vector<std::optional<RouteHop>> via = CheapestHops(system, from, n, hop_cost_ms);
  std::vector<std::optional<std::vector<RouteHop>>> routes(n);
  routes[from].emplace();
  for (size_t to = 0; to < n; ++to) {
    if (via[to]) routes[to] = Unwind(via, from, to);
  }
  return routes;
}

bool LinkResource::operator<(const LinkResource& other) const {
  return std::tie(medium, device, outbound) < std::tie(other.medium, other.device, other.outbound);
}

bool LinkResource::operator==(const LinkResource& other) const {
  return medium == other.medium && device == other.device && outbound == other.outbound;
}

std::vector<LinkResource> HopResources(const System& system, const RouteHop& hop) {
  switch (system.media.at(hop.medium).kind) {
    case MediumKind::kPointToPoint:
      return {{hop.medium, hop.from, true}};
    case MediumKind::kSwitch:
      return {{hop.medium, hop.from, true}, {hop.medium, hop.to, false}};
    case MediumKind::kShared:
      return {{hop.medium, std::nullopt, true}};
  }
  return {};
}

std::string ResourceName(const System& system, const LinkResource& resource) {
  const SystemMedium& medium = system.media.at(resource.medium);
  if (!resource.device) return medium.name;
  const std::string& device = system.devices.at(*resource.device).name;
  if (medium.kind == MediumKind::kSwitch) {
    return medium.name + ": port of " + device + (resource.outbound ? " (sending)" : " (receiving)");
  }
  const size_t other = medium.devices[0] == *resource.device ? medium.devices[1] : medium.devices[0];
  return medium.name + ": " + device + " -> " + system.devices.at(other).name;
}

}  // namespace dnnpart
