#define JSON_DIAGNOSTICS 1
#include "profiles/profile_edit.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "dnnpart/error.h"
#include "json_file.h"

namespace dnnpart {

nlohmann::ordered_json ReadOrderedJsonFile(const std::string& path, const std::string& what) {
  // The shared checks first: regular file, size and depth limits, numbers in
  // range (docs/limits.md). The document is then read again keeping its key
  // order, which the profile written from it preserves.
  try {
    ReadJsonFile(path, what);
  } catch (const Error& e) {
    throw e.WithContext(path);
  }
  std::ifstream file(path);
  if (!file) throw Error(path + ": cannot open the file (" + std::string(std::strerror(errno)) + ")");
  try {
    return nlohmann::ordered_json::parse(file);
  } catch (const nlohmann::ordered_json::exception& e) {
    throw Error(path + ": not valid JSON: " + e.what());
  }
}

nlohmann::ordered_json ReadProfileJson(const std::string& path) {
  nlohmann::ordered_json profile = ReadOrderedJsonFile(path, "a JSON profile");
  if (!profile.is_object()) throw Error(path + ": /: must be an object");
  return profile;
}

void RebaseDefaultLink(nlohmann::ordered_json& profile, const std::string& base_path, const std::string& output_path) {
  namespace fs = std::filesystem;
  if (!profile.contains("default_link") || !profile["default_link"].is_string()) return;
  const fs::path link(profile["default_link"].get<std::string>());
  if (!link.is_relative()) return;
  const fs::path target = fs::absolute(fs::path(base_path).parent_path() / link).lexically_normal();
  if (output_path.empty()) {
    profile["default_link"] = target.generic_string();
    return;
  }
  const fs::path out_dir = fs::absolute(fs::path(output_path)).parent_path();
  profile["default_link"] = target.lexically_relative(out_dir).generic_string();
}

void AddEnergyFromPower(nlohmann::ordered_json& profile) {
  if (!profile.contains("power") || !profile["power"].is_object()) return;
  const auto& power = profile["power"];
  if (!power.contains("active_w") || !power["active_w"].is_number()) return;
  const double active_w = power["active_w"].get<double>();
  auto& table = profile["layers"]["table"];
  for (auto& [node, entry] : table.items()) {
    for (const auto& [energy, latency] : {std::pair{"energy_mj", "latency_ms"},
                                          std::pair{"unfused_energy_mj", "unfused_latency_ms"}}) {
      if (entry.contains(energy) || !entry.contains(latency) || !entry[latency].is_number()) continue;
      entry[energy] = active_w * entry[latency].get<double>();
    }
  }
}

std::string FinishProfile(const nlohmann::ordered_json& profile, const std::string& base_path) {
  std::string text;
  try {
    text = profile.dump(2) + "\n";
  } catch (const nlohmann::ordered_json::type_error& e) {
    throw Error(base_path + ": the profile would hold text that is not valid UTF-8 (" + e.what() + ")");
  }
  ParsePlatformProfile(text, base_path);  // the result must be a valid profile
  return text;
}

}  // namespace dnnpart
