// Private: a streaming JSON writer for reports.
//
// Writes straight to an ostream with two-space indentation, one value per
// line (the layout of nlohmann::json::dump(2)), without building a document in
// memory: reports of 20,000-layer models stay fast. Strings are escaped per
// RFC 8259. Not thread-safe; one writer per document.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace dnnpart {

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out) : out_(out) {}
  ~JsonWriter() { Flush(); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& BeginObject() { return Open("{"); }
  JsonWriter& EndObject() { return Close("}"); }
  JsonWriter& BeginArray() { return Open("["); }
  JsonWriter& EndArray() { return Close("]"); }
  // Inside an object: the key of the next value.
  JsonWriter& Key(std::string_view key);
  JsonWriter& Value(std::string_view text);
  JsonWriter& Value(const char* text) { return Value(std::string_view(text)); }
  JsonWriter& Value(int64_t number);
  JsonWriter& Value(int number) { return Value(static_cast<int64_t>(number)); }
  JsonWriter& Value(size_t number) { return Value(static_cast<int64_t>(number)); }
  JsonWriter& Value(double number);  // shortest round-trip form; non-finite as null
  JsonWriter& Value(bool flag);
  JsonWriter& Null();
  // An array of integers.
  JsonWriter& Value(const std::vector<int64_t>& numbers);
  JsonWriter& Value(const std::vector<std::string>& texts);

  // Ends the document with a newline and flushes it to the stream.
  void Finish() {
    buffer_ += '\n';
    Flush();
  }

 private:
  // Output is collected in a string and handed to the stream in large pieces:
  // formatting through ostream operators is the bottleneck otherwise.
  void Put(std::string_view text) {
    buffer_ += text;
    if (buffer_.size() > (1U << 16)) Flush();
  }
  void Flush() {
    out_ << buffer_;
    buffer_.clear();
  }
  JsonWriter& Open(std::string_view bracket);
  JsonWriter& Close(std::string_view bracket);
  void NextItem();
  void BeforeValue();
  void Indent();
  void WriteString(std::string_view text);

  struct Level {
    bool empty = true;  // no element written yet
  };
  std::ostream& out_;
  std::string buffer_;
  std::vector<Level> stack_;
  bool after_key_ = false;
};

}  // namespace dnnpart
