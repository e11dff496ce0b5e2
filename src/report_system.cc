// `dnnpart system`: how dnnpart reads a system file, for people checking it.
#include <functional>
#include <iomanip>
#include <optional>
#include <sstream>

#include "dnnpart/cost.h"
#include "dnnpart/error.h"
#include "dnnpart/system.h"

namespace dnnpart {
namespace {

// Names come from the user's files: control characters are shown as \xNN so
// that nothing reaches the terminal raw.
std::string Printable(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out.push_back(c);
    } else {
      std::ostringstream hex;
      hex << "\\x" << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(byte);
      out += hex.str();
    }
  }
  return out;
}

const char* KindName(MediumKind kind) {
  switch (kind) {
    case MediumKind::kPointToPoint: return "link";
    case MediumKind::kSwitch: return "switch";
    case MediumKind::kShared: return "shared";
  }
  return "?";
}

void WriteDevices(const System& system, std::ostream& out) {
  out << "devices:\n";
  for (size_t d = 0; d < system.devices.size(); ++d) {
    const SystemDevice& device = system.devices[d];
    out << "  " << std::left << std::setw(20) << Printable(device.name) << " " << Printable(device.platform.name);
    if (device.host) out << "  (accelerator on " << Printable(system.devices[*device.host].name) << ")";
    if (d == system.input.device) out << "  [input]";
    if (system.output_device == d) out << "  [output]";
    out << "\n";
  }
}

void WriteMedia(const System& system, std::ostream& out) {
  out << "links and media:\n";
  for (const SystemMedium& medium : system.media) {
    out << "  " << std::left << std::setw(20) << Printable(medium.name) << " " << std::setw(6) << KindName(medium.kind)
        << " " << Printable(medium.link.name) << ":";
    for (const size_t d : medium.devices) out << " " << Printable(system.devices[d].name);
    out << "\n";
  }
}

void WriteRoute(const System& system, size_t from, size_t to, const std::optional<std::vector<RouteHop>>& route,
                const std::function<double(size_t)>& hop_ms, std::ostream& out) {
  out << "  " << Printable(system.devices[from].name) << " -> " << Printable(system.devices[to].name) << ": ";
  if (!route) {
    out << "no route\n";
    return;
  }
  double total_ms = 0;
  std::string path = Printable(system.devices[from].name);
  for (const RouteHop& hop : *route) {
    total_ms += hop_ms(hop.medium);
    path += " =" + Printable(system.media[hop.medium].name) + "=> " + Printable(system.devices[hop.to].name);
  }
  std::ostringstream ms;
  ms << std::fixed << std::setprecision(3) << total_ms;
  out << ms.str() << "  " << path << "\n";
}

// One single-source pass per sender shown: every pair is n passes, not n².
void WriteRoutes(const System& system, const SystemSummaryOptions& options, std::ostream& out) {
  const size_t n = system.devices.size();
  const bool all = options.all_routes || n <= SystemSummaryOptions::kAllRoutesUpTo;
  out << "routes for " << options.payload_bytes << " bytes (latency ms, store and forward)";
  if (!all) {
    out << ", from the input" << (system.output_device ? " and to the output" : "") << " device only (" << n
        << " devices; --all-routes for every pair)";
  }
  out << ":\n";
  const std::function<double(size_t)> hop_ms = [&](size_t m) {
    return TransferCost(system.media[m].link, options.payload_bytes).latency_ms;
  };
  for (size_t from = 0; from < n; ++from) {
    if (all || from == system.input.device) {
      const auto routes = RoutesFrom(system, from, hop_ms);
      for (size_t to = 0; to < n; ++to) {
        if (to != from) WriteRoute(system, from, to, routes[to], hop_ms, out);
      }
    } else if (system.output_device && from != *system.output_device) {
      std::optional<std::vector<RouteHop>> route;
      try {
        route = Route(system, from, *system.output_device, hop_ms);
      } catch (const Error&) {
        // unreachable: shown as "no route"
      }
      WriteRoute(system, from, *system.output_device, route, hop_ms, out);
    }
  }
}

}  // namespace

void WriteSystemSummary(const System& system, const SystemSummaryOptions& options, std::ostream& out) {
  out << "system " << Printable(system.name) << " (" << Printable(system.path) << ")\n";
  WriteDevices(system, out);
  WriteMedia(system, out);
  out << "input: " << Printable(system.devices[system.input.device].name);
  if (system.input.dtype) out << ", " << DTypeName(*system.input.dtype);
  if (!system.input.shape.empty()) {
    out << ", shape ";
    for (size_t i = 0; i < system.input.shape.size(); ++i) out << (i ? "x" : "") << system.input.shape[i];
  }
  if (system.input.fps) out << ", " << *system.input.fps << " frames/s";
  out << "\n";
  WriteRoutes(system, options, out);
}

}  // namespace dnnpart
