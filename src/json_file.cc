#define JSON_DIAGNOSTICS 1  // json_file.h: the same json type as its users
#include "json_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "dnnpart/error.h"
#include "input_file.h"

namespace dnnpart {
namespace {

using json = nlohmann::json;

constexpr int64_t kMaxJsonBytes = int64_t{64} << 20;
constexpr int64_t kMaxJsonDepth = 64;

// nlohmann's DOM builder behind a SAX front that bounds the nesting depth and
// knows the JSON path of the value being read, for the error message.
class BoundedDomParser {
 public:
  BoundedDomParser(json& root, int64_t max_depth) : inner_(root), max_depth_(max_depth) {}

  bool null() { return Value(inner_.null()); }
  bool boolean(bool v) { return Value(inner_.boolean(v)); }
  bool number_integer(json::number_integer_t v) { return Value(inner_.number_integer(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return Value(inner_.number_unsigned(v)); }
  bool number_float(json::number_float_t v, const json::string_t& s) { return Value(inner_.number_float(v, s)); }
  bool string(json::string_t& v) { return Value(inner_.string(v)); }
  bool binary(json::binary_t& v) { return Value(inner_.binary(v)); }
  bool start_object(std::size_t n) { return Open(false) && inner_.start_object(n); }
  bool start_array(std::size_t n) { return Open(true) && inner_.start_array(n); }
  bool key(json::string_t& k) {
    frames_.back().key = k;
    return inner_.key(k);
  }
  bool end_object() { return Close(inner_.end_object()); }
  bool end_array() { return Close(inner_.end_array()); }
  template <typename Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& e) {
    std::string message = e.what();
    const size_t bracket = message.find("] ");  // drop nlohmann's "[json.exception...] " prefix
    if (bracket != std::string::npos && message.rfind("[json.exception", 0) == 0) message.erase(0, bracket + 2);
    throw Error("not valid JSON" + (frames_.empty() ? std::string() : " at " + Path()) + ": " + message);
  }

 private:
  struct Frame {
    bool array = false;
    size_t index = 0;
    std::string key;
  };

  std::string Path() const {
    std::string path;
    for (const Frame& frame : frames_) path += "/" + (frame.array ? std::to_string(frame.index) : frame.key);
    return path;
  }
  bool Value(bool ok) {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    return ok;
  }
  bool Open(bool array) {
    if (static_cast<int64_t>(frames_.size()) >= max_depth_) {
      throw Error("not valid JSON at " + Path() + ": nested deeper than " + std::to_string(max_depth_) +
                  " levels (raise the limit with the environment variable DNNPART_MAX_JSON_DEPTH, docs/limits.md)");
    }
    frames_.push_back({array, 0, {}});
    return true;
  }
  bool Close(bool ok) {
    frames_.pop_back();
    return Value(ok);
  }

  nlohmann::detail::json_sax_dom_parser<json> inner_;
  int64_t max_depth_;
  std::vector<Frame> frames_;
};

}  // namespace

json ParseJsonText(const std::string& text) {
  json root;
  BoundedDomParser parser(root, LimitFromEnv("DNNPART_MAX_JSON_DEPTH", kMaxJsonDepth));
  json::sax_parse(text, &parser);
  return root;
}

json ReadJsonFile(const std::string& path, const std::string& what) {
  const int64_t size = CheckInputFile(path, what, LimitFromEnv("DNNPART_MAX_JSON_BYTES", kMaxJsonBytes),
                                      "DNNPART_MAX_JSON_BYTES");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error("cannot open the file (" + std::string(std::strerror(errno)) + ")");
  std::string text;
  text.reserve(static_cast<size_t>(size));
  text.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  if (file.bad()) throw Error("cannot read the file (" + std::string(std::strerror(errno)) + ")");
  return ParseJsonText(text);
}

}  // namespace dnnpart
