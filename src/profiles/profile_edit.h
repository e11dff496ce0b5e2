// Private: editing a platform profile's JSON text, shared by the CSV and ORT
// importers and by calibration. Stateless.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "dnnpart/profiles.h"

namespace dnnpart {

// Defined in profiles.cc: validates a platform profile given as JSON text.
PlatformProfile ParsePlatformProfile(const std::string& text, const std::string& path);

// Reads a JSON file within the limits every JSON input has (regular file,
// size, depth; docs/limits.md), keeping its key order. `what` names the
// expected content in messages. Throws Error naming the file.
nlohmann::ordered_json ReadOrderedJsonFile(const std::string& path, const std::string& what);

// Reads the base profile's JSON object; throws Error naming the file.
nlohmann::ordered_json ReadProfileJson(const std::string& path);

// Rewrites a relative default_link of `profile` (read from `base_path`) so it
// still resolves from `output_path`; with no output path (stdout) it becomes
// absolute.
void RebaseDefaultLink(nlohmann::ordered_json& profile, const std::string& base_path, const std::string& output_path);

// Gives every layers.table entry without energy_mj the energy
// power.active_w × latency_ms when the profile states active_w (W × ms = mJ),
// and likewise unfused_energy_mj from unfused_latency_ms.
void AddEnergyFromPower(nlohmann::ordered_json& profile);

// Dumps `profile` and checks that it is a valid platform profile.
std::string FinishProfile(const nlohmann::ordered_json& profile, const std::string& base_path);

}  // namespace dnnpart
