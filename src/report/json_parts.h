// Private: pieces of the plan JSON document (src/report_json.cc) reused by
// other JSON documents about plans (the sensitivity report). Stateless.
#pragma once

#include <optional>

#include "dnnpart/report.h"
#include "json_writer.h"

namespace dnnpart::report_detail {

// Opens the document: schema_version, kind, model.
void WriteHeader(JsonWriter& json, const char* kind, const ModelInfo& info);

// "platforms" and "settings" as in the plan document.
void WritePlatformsAndSettings(JsonWriter& json, const PlanDocument& doc);

// One plan object as in the plan document's "pareto" list.
void WritePlanEntry(JsonWriter& json, const PlanDocument& doc, const PlanReport& plan);

// `key`: the number, or null.
void OptionalNumber(JsonWriter& json, const char* key, const std::optional<double>& value);

}  // namespace dnnpart::report_detail
