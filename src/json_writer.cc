#include "json_writer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace dnnpart {

void JsonWriter::Indent() {
  buffer_ += '\n';
  buffer_.append(2 * stack_.size(), ' ');
}

// Starts the next element of the open container: a comma after the first,
// then a new indented line.
void JsonWriter::NextItem() {
  if (!stack_.back().empty) Put(",");
  stack_.back().empty = false;
  Indent();
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!stack_.empty()) NextItem();
}

JsonWriter& JsonWriter::Open(std::string_view bracket) {
  BeforeValue();
  Put(bracket);
  stack_.push_back({});
  return *this;
}

// Empty containers close on the same line ("[]"), others on their own line.
JsonWriter& JsonWriter::Close(std::string_view bracket) {
  const bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) Indent();
  Put(bracket);
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  NextItem();
  WriteString(key);
  Put(": ");
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::Value(std::string_view text) {
  BeforeValue();
  WriteString(text);
  return *this;
}

JsonWriter& JsonWriter::Value(int64_t number) {
  BeforeValue();
  std::array<char, 24> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), number);
  Put(std::string_view(digits.data(), static_cast<size_t>(result.ptr - digits.data())));
  return *this;
}

JsonWriter& JsonWriter::Value(double number) {
  BeforeValue();
  if (!std::isfinite(number)) {
    Put("null");
    return *this;
  }
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number);
  const std::string_view text(buffer.data(), static_cast<size_t>(result.ptr - buffer.data()));
  Put(text);
  if (text.find_first_of(".eE") == std::string_view::npos) Put(".0");  // keep it a JSON float
  return *this;
}

JsonWriter& JsonWriter::Value(bool flag) {
  BeforeValue();
  Put(flag ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  Put("null");
  return *this;
}

JsonWriter& JsonWriter::Value(const std::vector<int64_t>& numbers) {
  BeginArray();
  for (int64_t n : numbers) Value(n);
  return EndArray();
}

JsonWriter& JsonWriter::Value(const std::vector<std::string>& texts) {
  BeginArray();
  for (const auto& t : texts) Value(std::string_view(t));
  return EndArray();
}

namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 if invalid.
size_t Utf8Length(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t length = 0;
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) length = 3;
  else if (lead >= 0xF0 && lead <= 0xF4) length = 4;
  if (length == 0 || i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
  }
  return length;
}

}  // namespace

// Escapes quotes, backslashes and control characters; invalid UTF-8 bytes
// (ONNX names are not validated by protobuf) become U+FFFD.
void JsonWriter::WriteString(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  Put("\"");
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte < 0x80 && c != '"' && c != '\\';
  });
  if (plain) {  // the common case: nothing to escape or check
    Put(text);
    Put("\"");
    return;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) {
      const size_t length = Utf8Length(text, i);
      if (length == 0) {
        Put("\\ufffd");
      } else {
        Put(text.substr(i, length));
        i += length - 1;
      }
      continue;
    }
    switch (c) {
      case '"': Put("\\\""); break;
      case '\\': Put("\\\\"); break;
      case '\n': Put("\\n"); break;
      case '\r': Put("\\r"); break;
      case '\t': Put("\\t"); break;
      case '\b': Put("\\b"); break;
      case '\f': Put("\\f"); break;
      default:
        if (byte < 0x20) {
          const char escaped[] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xF]};
          Put(std::string_view(escaped, sizeof escaped));
        } else {
          buffer_ += c;
        }
    }
  }
  Put("\"");
}

}  // namespace dnnpart
