// Sweep rows as CSV and JSON lines (docs/sweep.md), and reading a row's case
// key back for --resume.
#define JSON_DIAGNOSTICS 1  // the same nlohmann ABI as the other readers
#include <array>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "dnnpart/error.h"
#include "dnnpart/sweep.h"
#include "sweep/sweep_internal.h"

namespace dnnpart {

namespace sweep_detail {

std::string Number(double value) {
  if (!std::isfinite(value)) return value > 0 ? "inf" : "nan";
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

}  // namespace sweep_detail

namespace {

using sweep_detail::Number;

constexpr const char* kColumns[] = {"case", "key", "model", "platform_set", "bandwidth_bytes_per_s",
                                    "max_cut_tensors", "input_fps", "status", "exit_status", "plan", "cuts",
                                    "throughput_fps", "latency_ms", "energy_mj", "best_baseline", "gain_pct",
                                    "bottleneck", "bottleneck_ms", "gate_failures", "warnings", "error"};

std::string Quote(const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
  std::string out = "\"";
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Optional(const std::optional<double>& value) { return value ? Number(*value) : std::string(); }

std::string Join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::vector<std::string> Fields(const SweepRow& row) {
  std::string cuts;
  for (const int64_t c : row.cuts) {
    if (!cuts.empty()) cuts += ' ';
    cuts += std::to_string(c);
  }
  return {std::to_string(row.index), row.key, row.model, row.platform_set, Optional(row.bandwidth_bytes_per_s),
          std::to_string(row.max_cut_tensors), Optional(row.input_fps), row.status, std::to_string(row.exit_status),
          row.plan, cuts, Optional(row.throughput_fps), Optional(row.latency_ms), Optional(row.energy_mj),
          row.best_baseline, Optional(row.gain_pct), row.bottleneck, Optional(row.bottleneck_ms),
          Join(row.gate_failures, "; "), Join(row.warnings, "; "), row.error};
}

// Splits one CSV line (RFC 4180 quoting, no embedded line breaks).
std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) throw Error("unterminated quoted field");
  return fields;
}

}  // namespace

std::string CsvHeader() {
  std::string out;
  for (const char* column : kColumns) {
    if (!out.empty()) out += ',';
    out += column;
  }
  return out + "\n";
}

std::string CsvRow(const SweepRow& row) {
  std::string out;
  bool first = true;
  for (const std::string& field : Fields(row)) {
    // Line breaks inside a field would break line-by-line resume; none are expected.
    std::string flat = field;
    for (char& c : flat) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    if (!first) out += ',';
    out += Quote(flat);
    first = false;
  }
  return out + "\n";
}

std::string JsonlRow(const SweepRow& row) {
  nlohmann::ordered_json j;
  const auto optional = [](const std::optional<double>& v) {
    return v && std::isfinite(*v) ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
  };
  j["case"] = row.index;
  j["key"] = row.key;
  j["model"] = row.model;
  j["platform_set"] = row.platform_set;
  j["bandwidth_bytes_per_s"] = optional(row.bandwidth_bytes_per_s);
  j["max_cut_tensors"] = row.max_cut_tensors;
  j["input_fps"] = optional(row.input_fps);
  j["status"] = row.status;
  j["exit_status"] = row.exit_status;
  j["plan"] = row.plan;
  j["cuts"] = row.cuts;
  j["throughput_fps"] = optional(row.throughput_fps);
  j["latency_ms"] = optional(row.latency_ms);
  j["energy_mj"] = optional(row.energy_mj);
  j["best_baseline"] = row.best_baseline;
  j["gain_pct"] = optional(row.gain_pct);
  j["bottleneck"] = row.bottleneck;
  j["bottleneck_ms"] = optional(row.bottleneck_ms);
  j["gate_failures"] = row.gate_failures;
  j["warnings"] = row.warnings;
  j["error"] = row.error;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<std::string> KeyOfLine(const std::string& line, bool csv) {
  if (csv) {
    if (line + "\n" == CsvHeader()) return std::nullopt;
    const std::vector<std::string> fields = SplitCsv(line);
    if (fields.size() != std::size(kColumns)) {
      throw Error("expected " + std::to_string(std::size(kColumns)) + " CSV fields, found " +
                  std::to_string(fields.size()));
    }
    return fields[1];
  }
  try {
    const nlohmann::json j = nlohmann::json::parse(line);
    return j.at("key").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a sweep row: ") + e.what());
  }
}

}  // namespace dnnpart
