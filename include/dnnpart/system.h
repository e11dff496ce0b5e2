// System: the devices a model is planned over, the ways bytes move between
// them, where frames come from and where results must end up
// (docs/system.md). Loaded from a system file once and validated at the
// boundary, then an immutable value, safe to share between threads. Routing
// over it is a pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

#include "dnnpart/dtype.h"
#include "dnnpart/profiles.h"

namespace dnnpart {

// One device instance. A device entry with "count": n becomes n instances
// named "<entry>#1" ... "<entry>#n" that share the entry's name as `type`.
struct SystemDevice {
  std::string name;  // unique instance name
  std::string type;  // the device entry it came from
  PlatformProfile platform;
  std::optional<size_t> host;  // an accelerator: the device it is attached to
};

// How a medium carries bytes, and so which loads add up (docs/system.md):
// a point-to-point link is full duplex (each direction on its own); a switch
// gives each member a full-duplex port; a shared segment (Wi-Fi, CAN, a
// half-duplex bus) carries one transfer at a time for all its members.
enum class MediumKind { kPointToPoint, kSwitch, kShared };

struct SystemMedium {
  std::string name;
  MediumKind kind = MediumKind::kPointToPoint;
  LinkProfile link;
  std::vector<size_t> devices;  // members, by device index; two for a point-to-point link
};

struct SystemInput {
  size_t device = 0;                 // the instance that produces the frames
  std::optional<DType> dtype;        // unset: the model input's own type
  std::vector<int64_t> shape;        // empty: the model input's own shape
  std::optional<double> fps;         // the rate frames arrive at; unset: as fast as the pipeline runs
};

struct System {
  std::string path;  // the file it was loaded from
  std::string name;
  std::string description;
  std::vector<SystemDevice> devices;  // in file order, counts expanded in place
  std::vector<SystemMedium> media;    // links, then media, then accelerator attachments
  SystemInput input;
  std::optional<size_t> output_device;  // unset: results stay where the last stage runs
};

// Loads and validates a system file; platform and link paths in it are
// relative to the file. Throws Error naming the file and the JSON path at fault.
System LoadSystem(const std::string& path);

// Returns the index of the device named `name`, or nullopt.
std::optional<size_t> FindDevice(const System& system, const std::string& name);

// One hop of a route: `medium` carries the bytes from device `from` to `to`.
struct RouteHop {
  size_t medium = 0;
  size_t from = 0;
  size_t to = 0;
};

// The cheapest route from device `from` to device `to`: least total
// hop_cost_ms(medium) over its hops (store and forward through the devices
// on the way; an accelerator forwards nothing), ties broken by fewer hops,
// then by the lower sequence of medium indices. Empty when from == to.
// hop_cost_ms must be finite and non-negative. Throws Error when `to` cannot
// be reached from `from`.
std::vector<RouteHop> Route(const System& system, size_t from, size_t to,
                            const std::function<double(size_t medium)>& hop_cost_ms);

// The routes Route would give from `from` to every device, in one pass:
// element d is the route to device d (empty for `from` itself), or nullopt
// when d cannot be reached. Throws Error on a bad hop cost.
std::vector<std::optional<std::vector<RouteHop>>> RoutesFrom(
    const System& system, size_t from, const std::function<double(size_t medium)>& hop_cost_ms);

// A capacity the utilisation check adds loads on: one direction of a
// point-to-point link (device = the sender), one direction of a switch port
// (device = its member), or a whole shared segment (device unset).
struct LinkResource {
  size_t medium = 0;
  std::optional<size_t> device;
  bool outbound = true;  // for ports: the member sends (true) or receives

  bool operator<(const LinkResource& other) const;
  bool operator==(const LinkResource& other) const;
};

// The resources one hop loads, in a fixed order: a point-to-point direction,
// the sender's and the receiver's switch ports, or the shared segment.
std::vector<LinkResource> HopResources(const System& system, const RouteHop& hop);

// "lan: pi -> switch", "usb: pi -> coral", "wifi" — for reports.
std::string ResourceName(const System& system, const LinkResource& resource);

struct SystemSummaryOptions {
  int64_t payload_bytes = 1000000;  // the transfer the routes are shown for
  // Routes between every ordered pair of devices. Off: every pair up to
  // kAllRoutesUpTo devices; beyond, only the routes from the input device and
  // those to the output device (n² lines would bury them).
  bool all_routes = false;
  static constexpr size_t kAllRoutesUpTo = 16;
};

// Writes, for people, the devices, the media and the routes transfers of
// `options.payload_bytes` would take, with their latency (`dnnpart system`).
// Deterministic; names are escaped.
void WriteSystemSummary(const System& system, const SystemSummaryOptions& options, std::ostream& out);

}  // namespace dnnpart
