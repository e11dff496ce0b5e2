#define JSON_DIAGNOSTICS 1
#include "dnnpart/profile_import.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "dnnpart/error.h"
#include "input_file.h"
#include "profiles/profile_edit.h"

namespace dnnpart {

namespace {

using nlohmann::ordered_json;

// Splits one CSV line; fields may be quoted with "..." ("" is a quote).
std::vector<std::string> SplitCsvLine(const std::string& line, char separator) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') fields.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == separator) {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

size_t ColumnIndex(const std::vector<std::string>& header, const std::string& name, const std::string& path) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  std::string known;
  for (const auto& h : header) known += (known.empty() ? "'" : ", '") + h + "'";
  throw Error(path + ": line 1: no column '" + name + "' (columns: " + known + ")");
}

double ParseValue(const std::string& text, const std::string& where) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(value) || value < 0) {
    throw Error(where + ": '" + text + "' is not a non-negative number");
  }
  return value;
}

constexpr int64_t kMaxCsvBytes = int64_t{256} << 20;

// Well-formed UTF-8 as RFC 3629 defines it (no overlong forms, surrogates or
// code points above U+10FFFF): what the JSON writer accepts.
bool IsValidUtf8(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (lead < 0x80) extra = 0;
    else if (lead >= 0xC2 && lead <= 0xDF) extra = 1;
    else if (lead >= 0xE0 && lead <= 0xEF) extra = 2, low = lead == 0xE0 ? 0xA0 : 0x80, high = lead == 0xED ? 0x9F : 0xBF;
    else if (lead >= 0xF0 && lead <= 0xF4) extra = 3, low = lead == 0xF0 ? 0x90 : 0x80, high = lead == 0xF4 ? 0x8F : 0xBF;
    else return false;
    if (text.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto byte = static_cast<unsigned char>(text[i + k]);
      if (k == 1 ? (byte < low || byte > high) : (byte & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

ordered_json ReadTable(const std::string& csv_path, const CsvImportOptions& options) {
  try {
    // Bounds every line and the row count too (docs/limits.md).
    CheckInputFile(csv_path, "a CSV table", LimitFromEnv("DNNPART_MAX_CSV_BYTES", kMaxCsvBytes), "DNNPART_MAX_CSV_BYTES");
  } catch (const Error& e) {
    throw e.WithContext(csv_path);
  }
  std::ifstream file(csv_path);
  if (!file) throw Error(csv_path + ": cannot open the file (" + std::string(std::strerror(errno)) + ")");
  std::string line;
  if (!std::getline(file, line)) throw Error(csv_path + ": the file is empty");
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 byte order mark
  const char separator = options.separator != '\0' ? options.separator : line.find(';') != std::string::npos ? ';' : ',';
  const std::vector<std::string> header = SplitCsvLine(line, separator);
  const size_t name_col = ColumnIndex(header, options.name_column, csv_path);
  const size_t latency_col = ColumnIndex(header, options.latency_column, csv_path);
  const bool has_energy = !options.energy_column.empty();
  const size_t energy_col = has_energy ? ColumnIndex(header, options.energy_column, csv_path) : 0;
  ordered_json table = ordered_json::object();
  for (int line_number = 2; std::getline(file, line); ++line_number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::vector<std::string> fields = SplitCsvLine(line, separator);
    const std::string where = csv_path + ": line " + std::to_string(line_number);
    const size_t needed = std::max({name_col, latency_col, energy_col}) + 1;
    if (fields.size() < needed) throw Error(where + ": " + std::to_string(fields.size()) + " fields, need " + std::to_string(needed));
    const std::string& node = fields[name_col];
    if (node.empty()) throw Error(where + ": empty node name in column '" + options.name_column + "'");
    if (!IsValidUtf8(node)) throw Error(where + ": the node name is not valid UTF-8 (ONNX names are UTF-8)");
    if (table.contains(node)) throw Error(where + ": node '" + node + "' is listed twice");
    ordered_json entry{{"latency_ms", ParseValue(fields[latency_col], where + ", column '" + options.latency_column + "'")}};
    if (has_energy) entry["energy_mj"] = ParseValue(fields[energy_col], where + ", column '" + options.energy_column + "'");
    table[node] = std::move(entry);
  }
  if (table.empty()) throw Error(csv_path + ": no measurement rows");
  return table;
}

}  // namespace

std::string ImportCsvIntoProfile(const std::string& csv_path, const std::string& base_profile_path,
                                 const CsvImportOptions& options) {
  const ordered_json table = ReadTable(csv_path, options);
  ordered_json profile = ReadProfileJson(base_profile_path);
  if (!options.rename.empty()) profile["name"] = options.rename;
  const std::string note = "Per-layer table imported from " + csv_path + " (columns '" + options.name_column + "', '" +
                           options.latency_column + "'" +
                           (options.energy_column.empty() ? "" : ", '" + options.energy_column + "'") + ").";
  profile["source"] = profile.value("source", std::string()) + (profile.contains("source") ? " " : "") + note;
  profile["layers"] = ordered_json{{"missing", options.missing == MissingLayers::kZero ? "zero" : "estimate"},
                                   {"table", table}};
  if (options.energy_column.empty()) AddEnergyFromPower(profile);
  RebaseDefaultLink(profile, base_profile_path, options.output_path);
  return FinishProfile(profile, base_profile_path);
}

}  // namespace dnnpart
