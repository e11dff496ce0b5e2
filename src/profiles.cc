// Reads platform and link profiles (docs/profiles.md) with nlohmann::json,
// checking every field once at this boundary.
#define JSON_DIAGNOSTICS 1
#include "dnnpart/profiles.h"

#include <onnx/defs/schema.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "dnnpart/error.h"
#include "json_file.h"
#include "json_reader.h"
#include "nearest_names.h"

namespace dnnpart {
namespace {

using nlohmann::json;

// ONNX op types of the default domain plus dnnpart's cost classes.
std::vector<std::string> KnownCostKeys() {
  std::vector<std::string> keys{"Conv.depthwise", "Conv.pointwise"};
  for (const auto& schema : onnx::OpSchemaRegistry::get_all_schemas()) {
    if (schema.domain().empty() || schema.domain() == "ai.onnx") keys.push_back(schema.Name());
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

bool IsKnownCostKey(const std::string& key) {
  static const std::vector<std::string> known = KnownCostKeys();
  return std::binary_search(known.begin(), known.end(), key);
}

// The header every profile shares: schema version and kind, then its
// identity (name, description, source) and the file it came from.
template <typename Profile>
void ReadIdentity(Reader& root, const std::string& kind, const std::string& path, Profile& profile) {
  profile.path = path;
  CheckHeader(root, kind);
  profile.name = root.Text("name", "", true);
  profile.description = root.Text("description", "");
  profile.source = root.Text("source", "", true);
}

void ReadCompute(Reader& compute, PlatformProfile& p) {
  Reader peaks = compute.Object("peak_macs_per_s");
  for (const std::string& key : peaks.Keys()) {
    const auto dtype = DTypeFromName(key);
    if (!dtype) throw Error(peaks.Path(key) + ": unknown data type (use int8, uint8, int16, float16, bfloat16, float32)");
    p.peak_macs_per_s[*dtype] = peaks.Number(key, std::nullopt, true);
  }
  if (p.peak_macs_per_s.empty()) throw peaks.Fail("needs at least one data type");
  const std::string type_name = compute.Text("data_type", "", true);
  const auto dtype = DTypeFromName(type_name);
  if (!dtype) throw Error(compute.Path("data_type") + ": unknown data type '" + type_name + "'");
  if (p.peak_macs_per_s.count(*dtype) == 0) {
    throw Error(compute.Path("data_type") + ": '" + type_name + "' has no entry in peak_macs_per_s");
  }
  p.data_type = *dtype;
  Reader efficiency = compute.Object("efficiency");
  for (const std::string& key : efficiency.Keys()) {
    const double value = efficiency.Number(key, std::nullopt, true);
    if (value > 1) throw Error(efficiency.Path(key) + ": an efficiency is a fraction of the peak, at most 1");
    if (key == "default") p.default_efficiency = value;
    else p.efficiency[key] = value;
    if (key != "default" && !IsKnownCostKey(key)) {
      spdlog::warn("{}: {}: no ONNX op type or cost class is called '{}' (did you mean '{}'?); it applies to no layer",
                   p.path, efficiency.Path(key), key, NearestNames(key, KnownCostKeys(), 1).front());
    }
  }
  if (!efficiency.Has("default")) throw Error(efficiency.Path("default") + ": required field is missing");
  p.layer_overhead_ms = compute.Number("layer_overhead_ms", 0.0);
  if (compute.Has("fuse_activations")) {
    const json& fuse = compute.Raw("fuse_activations");
    if (!fuse.is_boolean()) throw Error(compute.Path("fuse_activations") + ": must be true or false");
    p.fuse_activations = fuse.get<bool>();
  }
  if (compute.Has("input_conversion_ns_per_element")) {
    p.input_conversion_ns_per_element = compute.Number("input_conversion_ns_per_element", std::nullopt);
  }
}

void ReadPower(Reader power, PlatformProfile& p) {
  if (power.Has("active_w") || power.Has("idle_w")) {
    p.power_in_watts = true;
    p.active_w = power.Number("active_w", std::nullopt);
    p.idle_w = power.Number("idle_w", 0.0);
  } else if (power.Has("energy_per_mac_pj") || power.Has("energy_per_byte_pj")) {
    p.power_in_watts = false;
    p.energy_per_mac_pj = power.Number("energy_per_mac_pj", std::nullopt);
    p.energy_per_byte_pj = power.Number("energy_per_byte_pj", std::nullopt);
  } else {
    throw power.Fail("needs active_w (and idle_w), or energy_per_mac_pj and energy_per_byte_pj");
  }
  power.WarnUnknown(p.path);
}

// layers.fused_groups: arrays of ≥ 2 distinct node names; a node in two
// groups is an error (one kernel runs each node). Names are checked against
// a model only when one is planned (CostLayers' warning).
void ReadFusedGroups(const json& groups, const std::string& path, PlatformProfile& p) {
  if (!groups.is_array()) throw Error(path + ": must be an array of arrays of node names");
  std::map<std::string, size_t> group_of;
  for (size_t g = 0; g < groups.size(); ++g) {
    const std::string at = path + "/" + std::to_string(g);
    const json& group = groups[g];
    if (!group.is_array() || group.size() < 2) throw Error(at + ": a fused group is an array of at least 2 node names");
    std::vector<std::string> names;
    for (size_t i = 0; i < group.size(); ++i) {
      if (!group[i].is_string()) throw Error(at + "/" + std::to_string(i) + ": must be a node name (a string)");
      const std::string name = group[i].get<std::string>();
      const auto [it, added] = group_of.emplace(name, g);
      if (!added) {
        throw Error(at + "/" + std::to_string(i) + ": node '" + name + "' is already in fused group " +
                    std::to_string(it->second) + (it->second == g ? " (listed twice)" : "") +
                    "; a node runs in one kernel");
      }
      names.push_back(name);
    }
    p.fused_groups.push_back(std::move(names));
  }
}

void ReadLayers(Reader layers, PlatformProfile& p) {
  const std::string missing = layers.Text("missing", "estimate");
  if (missing == "estimate") p.missing_layers = MissingLayers::kEstimate;
  else if (missing == "zero") p.missing_layers = MissingLayers::kZero;
  else throw Error(layers.Path("missing") + ": must be \"estimate\" or \"zero\", got \"" + missing + "\"");
  if (layers.Has("table")) {
    Reader table = layers.Object("table");
    for (const std::string& node : table.Keys()) {
      Reader entry = table.Object(node);
      LayerMeasurement& m = p.layer_table[node];
      m.latency_ms = entry.Number("latency_ms", std::nullopt);
      m.energy_mj = entry.Number("energy_mj", 0.0);
      if (entry.Has("unfused_latency_ms")) m.unfused_latency_ms = entry.Number("unfused_latency_ms", std::nullopt);
      m.unfused_energy_mj = entry.Number("unfused_energy_mj", 0.0);
      entry.WarnUnknown(p.path);
    }
  }
  if (layers.Has("fused_groups")) ReadFusedGroups(layers.Raw("fused_groups"), layers.Path("fused_groups"), p);
  layers.WarnUnknown(p.path);
}

PlatformProfile ReadPlatform(const json& document, const std::string& path) {
  PlatformProfile p;
  Reader root(document, "");
  ReadIdentity(root, "platform", path, p);
  Reader compute = root.Object("compute");
  ReadCompute(compute, p);
  compute.WarnUnknown(path);
  Reader memory = root.Object("memory");
  p.memory_capacity_bytes = memory.Number("capacity_bytes", std::nullopt, true);
  p.memory_bandwidth_bytes_per_s = memory.Number("bandwidth_bytes_per_s", std::nullopt, true);
  memory.WarnUnknown(path);
  ReadPower(root.Object("power"), p);
  if (root.Has("default_link")) p.default_link = SiblingPath(path, root.Text("default_link", ""));
  if (root.Has("layers")) ReadLayers(root.Object("layers"), p);
  root.MarkUsed("provenance");
  root.WarnUnknown(path);
  return p;
}

LinkProfile ReadLink(const json& document, const std::string& path) {
  LinkProfile l;
  Reader root(document, "");
  ReadIdentity(root, "link", path, l);
  l.bandwidth_bytes_per_s = root.Number("bandwidth_bytes_per_s", std::nullopt, true);
  l.latency_ms = root.Number("latency_ms", 0.0);
  l.propagation_delay_ms = root.Number("propagation_delay_ms", 0.0);
  if (root.Has("power_w")) {
    l.energy_from_power = true;
    l.power_w = root.Number("power_w", std::nullopt);
  } else if (root.Has("energy_per_byte_nj")) {
    l.energy_from_power = false;
    l.energy_per_byte_nj = root.Number("energy_per_byte_nj", std::nullopt);
  } else {
    throw Error("/power_w: required field is missing (or give energy_per_byte_nj)");
  }
  if (root.Has("framing")) {
    Reader framing = root.Object("framing");
    l.payload_bytes_per_frame = framing.Integer("payload_bytes_per_frame", 0);
    l.overhead_bytes_per_frame = framing.Integer("overhead_bytes_per_frame", 0);
    l.min_payload_bytes = framing.Integer("min_payload_bytes", 0);
    // Tensors are at most 2^50 bytes (docs/limits.md); so are framing sizes,
    // which keeps the wire-byte arithmetic far from int64 overflow.
    constexpr int64_t kMaxBytes = int64_t{1} << 50;
    for (const char* field : {"payload_bytes_per_frame", "overhead_bytes_per_frame", "min_payload_bytes"}) {
      const int64_t value = framing.Integer(field, 0);
      if (value > kMaxBytes) throw Error(framing.Path(field) + ": " + std::to_string(value) + " is above 2^50 bytes");
    }
    if (l.payload_bytes_per_frame == 0 && l.overhead_bytes_per_frame > 0) {
      throw Error(framing.Path("payload_bytes_per_frame") + ": must be positive when frames carry overhead");
    }
    framing.WarnUnknown(path);
  }
  if (root.Has("transfer_data_type")) {
    const std::string name = root.Text("transfer_data_type", "");
    l.transfer_data_type = DTypeFromName(name);
    if (!l.transfer_data_type) throw Error("/transfer_data_type: unknown data type '" + name + "'");
  }
  root.MarkUsed("provenance");
  root.WarnUnknown(path);
  return l;
}

template <typename Profile, typename ReadFn>
Profile LoadProfile(const std::string& path, ReadFn read) {
  try {
    return read(ReadJsonFile(path, "a JSON profile"), path);
  } catch (const Error& e) {
    throw e.WithContext(path);
  } catch (const json::exception& e) {
    throw Error(path + ": " + e.what());
  }
}

}  // namespace

std::optional<DType> DTypeFromName(const std::string& name) {
  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64, DType::kInt8, DType::kUInt8,
                  DType::kInt16, DType::kUInt16, DType::kInt32, DType::kUInt32, DType::kInt64, DType::kUInt64,
                  DType::kBool}) {
    if (DTypeName(t) == name) return t;
  }
  return std::nullopt;
}

// Used by profile_import.cc to validate what it writes.
PlatformProfile ParsePlatformProfile(const std::string& text, const std::string& path) {
  try {
    return ReadPlatform(json::parse(text), path);
  } catch (const Error& e) {
    throw e.WithContext(path);
  } catch (const json::exception& e) {
    throw Error(path + ": " + e.what());
  }
}

PlatformProfile LoadPlatformProfile(const std::string& path) {
  return LoadProfile<PlatformProfile>(path, ReadPlatform);
}

LinkProfile LoadLinkProfile(const std::string& path) { return LoadProfile<LinkProfile>(path, ReadLink); }

std::vector<std::optional<LinkProfile>> ResolveLinks(const std::vector<PlatformProfile>& platforms,
                                                     const std::vector<std::string>& link_paths) {
  if (link_paths.size() > platforms.size()) {
    throw Error("--link was given " + std::to_string(link_paths.size()) + " times for " +
                std::to_string(platforms.size()) + " platforms (one link leaves each platform)");
  }
  std::vector<std::optional<LinkProfile>> links(platforms.size());
  for (size_t i = 0; i < platforms.size(); ++i) {
    if (link_paths.size() == 1 || i < link_paths.size()) {
      links[i] = LoadLinkProfile(link_paths.size() == 1 ? link_paths[0] : link_paths[i]);
    } else if (!platforms[i].default_link.empty()) {
      try {
        links[i] = LoadLinkProfile(platforms[i].default_link);
      } catch (const Error& e) {
        throw e.WithContext(platforms[i].path + ": /default_link");
      }
    }
  }
  return links;
}

}  // namespace dnnpart
