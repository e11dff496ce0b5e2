// Private: reading a JSON document's objects with errors that name the JSON
// path, and the header ("schema_version", "kind") every dnnpart JSON input
// shares. Used by the profile and system readers. A Reader is used by one
// thread. Only src/ includes this (nlohmann stays inside src/).
#pragma once

#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dnnpart/error.h"

namespace dnnpart {

// A JSON object being read: remembers the file, its JSON path and which keys
// were used, so that errors name both and unknown keys can be reported.
class Reader {
 public:
  Reader(const nlohmann::json& value, std::string path) : value_(value), path_(std::move(path)) {
    if (!value_.is_object()) throw Fail("must be an object");
  }

  bool Has(const std::string& key) const { return value_.contains(key); }

  const nlohmann::json& Raw(const std::string& key) {
    used_.insert(key);
    if (!value_.contains(key)) throw Error(Path(key) + ": required field is missing");
    return value_.at(key);
  }

  Reader Object(const std::string& key) { return Reader(Raw(key), Path(key)); }

  std::string Text(const std::string& key, const std::string& fallback, bool required = false) {
    if (!required && !Has(key)) return used_.insert(key), fallback;
    const nlohmann::json& v = Raw(key);
    if (!v.is_string()) throw Error(Path(key) + ": must be a string");
    return v.get<std::string>();
  }

  // A finite number >= 0 (> 0 when `positive`).
  double Number(const std::string& key, std::optional<double> fallback, bool positive = false) {
    if (fallback && !Has(key)) return used_.insert(key), *fallback;
    const nlohmann::json& v = Raw(key);
    if (!v.is_number()) throw Error(Path(key) + ": must be a number");
    const double number = v.get<double>();
    if (!std::isfinite(number) || number < 0 || (positive && number == 0)) {
      throw Error(Path(key) + ": must be " + (positive ? "positive" : "zero or positive") + ", got " + v.dump());
    }
    return number;
  }

  int64_t Integer(const std::string& key, int64_t fallback) {
    if (!Has(key)) return used_.insert(key), fallback;
    const nlohmann::json& v = Raw(key);
    if (!v.is_number_integer() || v.get<int64_t>() < 0) throw Error(Path(key) + ": must be a non-negative integer");
    return v.get<int64_t>();
  }

  // Warns once per key this reader never asked for.
  void WarnUnknown(const std::string& file) const {
    for (const auto& [key, unused] : value_.items()) {
      if (used_.count(key) == 0) spdlog::warn("{}: unknown key {} (ignored)", file, Path(key));
    }
  }

  std::vector<std::string> Keys() const {
    std::vector<std::string> keys;
    for (const auto& [key, unused] : value_.items()) keys.push_back(key);
    return keys;
  }

  void MarkUsed(const std::string& key) { used_.insert(key); }
  std::string Path(const std::string& key) const { return path_ + "/" + key; }
  Error Fail(const std::string& what) const { return Error((path_.empty() ? "/" : path_) + ": " + what); }

 private:
  const nlohmann::json& value_;
  std::string path_;
  std::set<std::string> used_;
};

// Checks "schema_version" (1 when present) and "kind" (must be `kind`).
inline void CheckHeader(Reader& root, const std::string& kind) {
  if (root.Has("schema_version")) {
    const double version = root.Number("schema_version", std::nullopt);
    if (version != 1) throw Error("/schema_version: only version 1 is understood, got " + std::to_string(version));
  }
  const std::string actual = root.Text("kind", kind);
  if (actual != kind) throw Error("/kind: expected \"" + kind + "\", got \"" + actual + "\"");
}

// Resolves `relative` against the folder of the file at `profile_path`.
inline std::string SiblingPath(const std::string& profile_path, const std::string& relative) {
  const std::filesystem::path target(relative);
  if (target.is_absolute()) return relative;
  return (std::filesystem::path(profile_path).parent_path() / target).lexically_normal().string();
}

}  // namespace dnnpart
