// libFuzzer target: bytes as a system file (docs/system.md), then its summary
// (`dnnpart system`) and the route and resources between the input device and
// every other device. Any outcome but success or dnnpart::Error is a finding.
//
// System files name platform and link profiles relative to themselves, as the
// bundled ones in platforms/systems/ do ("../raspberry_pi_5.json"). So the
// input is written to <scratch>/systems/system.json, and <scratch> holds a
// copy of every profile in platforms/: the seeds load as they are.
#include <filesystem>
#include <sstream>

#include "dnnpart/cost.h"
#include "dnnpart/error.h"
#include "dnnpart/system.h"
#include "fuzz_input.h"

#ifndef DNNPART_SOURCE_DIR
#error "DNNPART_SOURCE_DIR must name the source tree (for the profiles)"
#endif

namespace {

namespace fs = std::filesystem;

// Made once per process: the scratch folder with the profiles copied in.
const std::string& ScratchDir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    const fs::path root = fs::path(tmp != nullptr ? tmp : "/dev/shm") / ("dnnpart_fuzz_system_" + std::to_string(::getpid()));
    fs::create_directories(root / "systems");
    for (const auto& entry : fs::directory_iterator(fs::path(DNNPART_SOURCE_DIR) / "platforms")) {
      if (entry.path().extension() == ".json") {
        fs::copy_file(entry.path(), root / entry.path().filename(), fs::copy_options::overwrite_existing);
      }
    }
    return (root / "systems").string();
  }();
  return dir;
}

void Exercise(const dnnpart::System& system) {
  std::ostringstream out;
  dnnpart::WriteSystemSummary(system, {}, out);
  const auto hop_ms = [&](size_t m) { return dnnpart::TransferCost(system.media[m].link, 1 << 20).latency_ms; };
  for (size_t to = 0; to < system.devices.size(); ++to) {
    try {
      for (const dnnpart::RouteHop& hop : dnnpart::Route(system, system.input.device, to, hop_ms)) {
        for (const dnnpart::LinkResource& resource : dnnpart::HopResources(system, hop)) {
          out << dnnpart::ResourceName(system, resource);
        }
      }
    } catch (const dnnpart::Error&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ScratchDir() + "/system.json";
  dnnpart::fuzz::WriteFile(path, data, size);
  try {
    Exercise(dnnpart::LoadSystem(path));
  } catch (const dnnpart::Error&) {
  }
  return 0;
}
