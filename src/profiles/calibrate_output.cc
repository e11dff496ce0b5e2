// CalibratedProfileText: the fitted numbers written into the base profile.
#define JSON_DIAGNOSTICS 1
#include <nlohmann/json.hpp>

#include "dnnpart/calibrate.h"
#include "profiles/profile_edit.h"

namespace dnnpart {

std::string CalibratedProfileText(const std::string& base_path, const CalibrationResult& result,
                                  const std::string& output_path) {
  using nlohmann::ordered_json;
  ordered_json profile = ReadProfileJson(base_path);
  const PlatformProfile& p = result.profile;
  ordered_json& compute = profile["compute"];
  compute["peak_macs_per_s"][DTypeName(p.data_type)] = p.peak();
  for (const auto& [cls, efficiency] : p.efficiency) compute["efficiency"][cls] = efficiency;
  compute["layer_overhead_ms"] = p.layer_overhead_ms;
  compute["fuse_activations"] = true;
  profile["memory"]["bandwidth_bytes_per_s"] = p.memory_bandwidth_bytes_per_s;
  profile.erase("layers");
  ordered_json networks = ordered_json::array();
  for (const NetworkError& n : result.networks) {
    networks.push_back({{"name", n.name}, {"measured_ms", n.measured_ms}, {"before_ms", n.before_ms},
                        {"after_ms", n.after_ms}, {"leave_one_out_ms", n.leave_one_out_ms}});
  }
  if (!profile.contains("provenance") || !profile["provenance"].is_object()) profile["provenance"] = ordered_json::object();
  profile["provenance"]["calibrated"] = {{"kernels", result.kernels}, {"networks", networks}};
  RebaseDefaultLink(profile, base_path, output_path);
  return FinishProfile(profile, base_path);
}

}  // namespace dnnpart
