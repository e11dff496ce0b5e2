// Private: reading a JSON document from a file, with the project's error
// messages. Shared by the profile reader and the split plan reader, so that
// both refuse the same bad files the same way. Stateless.
#pragma once

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "dnnpart/error.h"

namespace dnnpart {

// Parses the file at `path`. `what` names what the file should be ("a JSON
// profile") in the message for a directory. Throws Error (without the path;
// the caller adds it) when it is a directory, cannot be opened, or is not
// valid JSON.
inline nlohmann::json ReadJsonFile(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error("is a directory, not " + what);
  std::ifstream file(path);
  if (!file) throw Error("cannot open the file (" + std::string(std::strerror(errno)) + ")");
  try {
    return nlohmann::json::parse(file);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(std::string("not valid JSON: ") + e.what());
  } catch (const nlohmann::json::out_of_range& e) {
    // e.g. 1e309: nlohmann gives no position; say what is wrong in our words.
    std::string detail = e.what();
    const size_t bracket = detail.find("] ");
    if (bracket != std::string::npos) detail.erase(0, bracket + 2);
    throw Error("not valid JSON: " + detail + " (numbers must fit a 64-bit double)");
  }
}

}  // namespace dnnpart
