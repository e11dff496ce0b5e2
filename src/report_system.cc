// `dnnpart system`: how dnnpart reads a system file, for people checking it.
#include <iomanip>
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

void WriteRoutes(const System& system, int64_t payload_bytes, std::ostream& out) {
  out << "routes for " << payload_bytes << " bytes (latency ms, store and forward):\n";
  const auto hop_ms = [&](size_t m) { return TransferCost(system.media[m].link, payload_bytes).latency_ms; };
  for (size_t from = 0; from < system.devices.size(); ++from) {
    for (size_t to = 0; to < system.devices.size(); ++to) {
      if (from == to) continue;
      out << "  " << Printable(system.devices[from].name) << " -> " << Printable(system.devices[to].name) << ": ";
      try {
        double total_ms = 0;
        std::string path = Printable(system.devices[from].name);
        for (const RouteHop& hop : Route(system, from, to, hop_ms)) {
          total_ms += hop_ms(hop.medium);
          path += " =" + Printable(system.media[hop.medium].name) + "=> " + Printable(system.devices[hop.to].name);
        }
        std::ostringstream ms;
        ms << std::fixed << std::setprecision(3) << total_ms;
        out << ms.str() << "  " << path << "\n";
      } catch (const Error&) {
        out << "no route\n";
      }
    }
  }
}

}  // namespace

void WriteSystemSummary(const System& system, int64_t payload_bytes, std::ostream& out) {
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
  WriteRoutes(system, payload_bytes, out);
}

}  // namespace dnnpart
