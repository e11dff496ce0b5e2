// Private: reading a JSON document from a file, with the project's error
// messages and limits. Shared by the profile reader and the split plan
// reader, so that both refuse the same bad files the same way. Stateless.
#pragma once

// nlohmann::json with JSON_DIAGNOSTICS is a different type (another ABI
// namespace) than without; every user of this header must agree with
// json_file.cc, which defines it.
#if !defined(JSON_DIAGNOSTICS) || JSON_DIAGNOSTICS != 1
#error "define JSON_DIAGNOSTICS 1 before including json_file.h (and nlohmann/json.hpp)"
#endif

#include <nlohmann/json.hpp>
#include <string>

namespace dnnpart {

// Parses the file at `path`. `what` names what the file should be ("a JSON
// profile") in messages. Throws Error (without the path; the caller adds it)
// when it is not a regular file (directory, FIFO, device), is larger than
// DNNPART_MAX_JSON_BYTES (64 MiB), nests deeper than DNNPART_MAX_JSON_DEPTH
// (64), cannot be opened, or is not valid JSON; a number beyond double's range
// is reported with its JSON path (docs/limits.md).
nlohmann::json ReadJsonFile(const std::string& path, const std::string& what);

// The same checks on a document already in memory (`text`).
nlohmann::json ParseJsonText(const std::string& text);

}  // namespace dnnpart
