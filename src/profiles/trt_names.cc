// ParseTrtLayerName: the ONNX names inside a TensorRT layer name.
#include <cctype>

#include "dnnpart/trt_import.h"

namespace dnnpart {
namespace {

// Real names nest PWN(...) a few levels deep; a file could nest millions.
// Deeper than this, the rest of the name is kept as one (unknown) name, so
// parsing stays linear in the name's length and the stack stays shallow.
constexpr int kMaxNesting = 32;

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

std::string Trim(const std::string& text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return text.substr(begin, end - begin);
}

// Splits `text` at the separators outside brackets: " + " and " || " always,
// "," inside a PWN(...) argument list.
std::vector<std::string> SplitTopLevel(const std::string& text, bool commas) {
  std::vector<std::string> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    if (depth != 0) continue;
    size_t skip = 0;
    if (text.compare(i, 3, " + ") == 0) skip = 3;
    else if (text.compare(i, 4, " || ") == 0) skip = 4;
    else if (commas && c == ',') skip = 1;
    if (skip == 0) continue;
    parts.push_back(text.substr(start, i - start));
    start = i + skip;
    i = start - 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

// "PREFIX...SUFFIX" wrapped around the whole of `text`: the inside, if so.
bool Unwrap(const std::string& text, const std::string& prefix, char suffix, std::string& inside) {
  if (!StartsWith(text, prefix) || text.size() <= prefix.size() || text.back() != suffix) return false;
  inside = text.substr(prefix.size(), text.size() - prefix.size() - 1);
  return true;
}

void ParsePart(const std::string& raw, int depth, TrtNameParts& parts) {
  const std::string part = Trim(raw);
  if (part.empty()) return;
  if (depth > kMaxNesting) {
    parts.names.push_back(part);
    return;
  }
  std::string inside;
  if (Unwrap(part, "{", '}', inside)) {
    for (const std::string& p : SplitTopLevel(inside, false)) ParsePart(p, depth + 1, parts);
  } else if (Unwrap(part, "PWN(", ')', inside)) {
    for (const std::string& p : SplitTopLevel(inside, true)) ParsePart(p, depth + 1, parts);
  } else if (Unwrap(part, "ForeignNode[", ']', inside)) {
    const size_t dots = inside.find("...");
    if (dots == std::string::npos) {
      parts.names.push_back(Trim(inside));  // a range of one node
    } else {
      parts.ranges.emplace_back(Trim(inside.substr(0, dots)), Trim(inside.substr(dots + 3)));
    }
  } else if (StartsWith(part, "(Unnamed Layer*")) {
    parts.internal.push_back(part);
  } else {
    parts.names.push_back(part);
  }
}

// "Reformatting CopyNode for Input Tensor 0 to X" / "... Output Tensor 0 to X".
bool ParseReformat(const std::string& name, TrtNameParts& parts) {
  static const std::string kPrefix = "Reformatting CopyNode for ";
  if (!StartsWith(name, kPrefix)) return false;
  size_t at = kPrefix.size();
  TrtNameParts::Reformat kind;
  if (name.compare(at, 13, "Input Tensor ") == 0) {
    kind = TrtNameParts::Reformat::kInput;
    at += 13;
  } else if (name.compare(at, 14, "Output Tensor ") == 0) {
    kind = TrtNameParts::Reformat::kOutput;
    at += 14;
  } else {
    return false;
  }
  const size_t digits_end = name.find_first_not_of("0123456789", at);
  if (digits_end == at || digits_end == std::string::npos || name.compare(digits_end, 4, " to ") != 0) return false;
  if (digits_end - at > 6) return false;  // no tensor index that large
  parts.reformat = kind;
  parts.reformat_index = std::stoi(name.substr(at, digits_end - at));
  parts.reformat_target = name.substr(digits_end + 4);
  return true;
}

}  // namespace

TrtNameParts ParseTrtLayerName(const std::string& name) {
  TrtNameParts parts;
  if (ParseReformat(name, parts)) return parts;
  for (const std::string& part : SplitTopLevel(name, false)) ParsePart(part, 0, parts);
  return parts;
}

}  // namespace dnnpart
