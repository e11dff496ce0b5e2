// Importing measured per-layer costs into a platform profile.
//
// Reads a table of per-layer measurements (CSV with a header row; columns
// chosen by name) and merges it, as layers.table, into a base platform profile.
// The result is validated as a profile before it is returned. Pure functions;
// thread-safe.
#pragma once

#include <string>

#include "dnnpart/profiles.h"

namespace dnnpart {

struct CsvImportOptions {
  std::string name_column = "Layer";              // ONNX node names
  std::string latency_column = "Latency [ms]";    // milliseconds
  std::string energy_column = "Energy [mJ]";      // millijoules; "" when absent (then
                                                  // active_w × latency if the base has active_w)
  char separator = '\0';                          // '\0': ';' if the header has one, else ','
  MissingLayers missing = MissingLayers::kEstimate;   // what layers absent from the table cost
  std::string rename;                             // new profile name ("" keeps the base's)
  std::string output_path;                        // where the result will live: default_link is
                                                  // rewritten relative to it ("" makes it absolute)
};

// Returns the JSON text of `base_profile_path` with its layers.table replaced
// by the rows of `csv_path` (and layers.missing set). Throws Error naming the
// file, line and column at fault.
std::string ImportCsvIntoProfile(const std::string& csv_path, const std::string& base_profile_path,
                                 const CsvImportOptions& options);

}  // namespace dnnpart
