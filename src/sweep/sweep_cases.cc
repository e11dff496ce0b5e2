// Sweep cases: expanding the axes, case keys, platform-set files, bandwidths.
#define JSON_DIAGNOSTICS 1  // as every file including json_file.h (its ReadJsonFile is inline)
#include <charconv>
#include <cmath>
#include <filesystem>

#include "dnnpart/error.h"
#include "dnnpart/sweep.h"
#include "json_file.h"
#include "sweep/sweep_internal.h"

namespace dnnpart {

std::vector<SweepCase> ExpandCases(const SweepAxes& axes) {
  std::vector<SweepCase> cases;
  for (size_t m = 0; m < axes.models.size(); ++m) {
    for (size_t s = 0; s < axes.platform_sets.size(); ++s) {
      for (const auto& bandwidth : axes.bandwidths_bytes_per_s) {
        for (const int k : axes.max_cut_tensors) {
          for (const auto& fps : axes.input_fps) {
            cases.push_back({cases.size(), m, s, bandwidth, k, fps});
          }
        }
      }
    }
  }
  return cases;
}

std::string CaseKey(const SweepAxes& axes, const SweepCase& c) {
  const auto optional = [](const std::optional<double>& v) { return v ? sweep_detail::Number(*v) : std::string("-"); };
  return axes.models[c.model] + "|" + axes.platform_sets[c.platform_set].name + "|" +
         optional(c.bandwidth_bytes_per_s) + "|" + std::to_string(c.max_cut_tensors) + "|" + optional(c.input_fps);
}

namespace {

// "where[i]", built without `"literal" + std::string&&` (GCC 12's false -Wrestrict).
std::string Indexed(const std::string& where, size_t i) {
  std::string out = where;
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}

std::string Member(const std::string& where, const char* key) {
  std::string out = where;
  out += '.';
  out += key;
  return out;
}

std::string Stem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

std::vector<std::string> Paths(const nlohmann::json& list, const std::filesystem::path& base, const std::string& where) {
  if (!list.is_array()) throw Error(where + ": expected an array of file paths");
  std::vector<std::string> paths;
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) throw Error(Indexed(where, i) + ": expected a file path (string)");
    const std::filesystem::path path(list[i].get<std::string>());
    paths.push_back(path.is_absolute() ? path.string() : (base / path).lexically_normal().string());
  }
  return paths;
}

PlatformSet ParseSet(const nlohmann::json& entry, const std::filesystem::path& base, const std::string& where) {
  PlatformSet set;
  if (entry.is_array()) {
    set.platforms = Paths(entry, base, where);
  } else if (entry.is_object()) {
    if (!entry.contains("platforms")) throw Error(where + ": missing \"platforms\"");
    set.platforms = Paths(entry.at("platforms"), base, Member(where, "platforms"));
    if (entry.contains("links")) set.links = Paths(entry.at("links"), base, Member(where, "links"));
    if (entry.contains("name")) {
      if (!entry.at("name").is_string()) throw Error(where + ".name: expected a string");
      set.name = entry.at("name").get<std::string>();
    }
  } else {
    throw Error(where + ": expected an array of platform paths or an object with \"platforms\"");
  }
  if (set.platforms.empty()) throw Error(where + ": no platforms");
  if (set.name.empty()) {
    for (const std::string& p : set.platforms) {
      if (!set.name.empty()) set.name += '+';
      set.name += Stem(p);
    }
  }
  return set;
}

}  // namespace

std::vector<PlatformSet> LoadPlatformSets(const std::string& path) {
  try {
    const nlohmann::json doc = ReadJsonFile(path, "a JSON list of platform sets");
    if (!doc.is_array() || doc.empty()) throw Error("expected a non-empty JSON array of platform sets");
    const std::filesystem::path base = std::filesystem::path(path).parent_path();
    std::vector<PlatformSet> sets;
    for (size_t i = 0; i < doc.size(); ++i) sets.push_back(ParseSet(doc[i], base, Indexed("", i)));
    return sets;
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

double ParseBandwidth(const std::string& text) {
  double value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  std::string suffix(ptr, end);
  bool bytes = false;
  if (!suffix.empty() && suffix.back() == 'B') {
    bytes = true;
    suffix.pop_back();
  }
  double scale = 1;
  if (suffix == "k") scale = 1e3;
  else if (suffix == "M") scale = 1e6;
  else if (suffix == "G") scale = 1e9;
  else if (!suffix.empty()) scale = 0;
  if (ec != std::errc() || scale == 0 || !(value > 0) || !std::isfinite(value * scale)) {
    throw Error("bandwidth '" + text + "': expected a positive number with an optional k, M or G, in bit/s (e.g. "
                "100M), or in bytes/s with a trailing B (e.g. 12.5MB)");
  }
  return bytes ? value * scale : value * scale / 8;
}

}  // namespace dnnpart
