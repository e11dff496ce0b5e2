#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "json_writer.h"

namespace dnnpart {
namespace {

TEST(JsonWriter, NestsWithTwoSpaceIndentAndEmptyContainersInline) {
  std::ostringstream out;
  JsonWriter json(out);
  json.BeginObject();
  json.Key("a").Value(int64_t{1});
  json.Key("list").Value(std::vector<int64_t>{1, 2});
  json.Key("none").BeginArray().EndArray();
  json.Key("obj").BeginObject().EndObject();
  json.EndObject().Finish();
  EXPECT_EQ(out.str(), "{\n  \"a\": 1,\n  \"list\": [\n    1,\n    2\n  ],\n  \"none\": [],\n  \"obj\": {}\n}\n");
}

TEST(JsonWriter, EscapesControlCharactersQuotesAndInvalidUtf8) {
  std::ostringstream out;
  {
    JsonWriter json(out);  // flushes when it goes out of scope
    json.Value(std::string_view("a\"b\\c\nd\x01 \xC3\xA9 \xFF"));
  }
  EXPECT_EQ(out.str(), "\"a\\\"b\\\\c\\nd\\u0001 \xC3\xA9 \\ufffd\"");
}

TEST(JsonWriter, DoublesRoundTripAndStayFloats) {
  std::ostringstream out;
  JsonWriter json(out);
  json.BeginArray().Value(0.1).Value(3.0).Value(1e300).Value(std::nan("")).EndArray();
  json.Finish();
  EXPECT_EQ(out.str(), "[\n  0.1,\n  3.0,\n  1e+300,\n  null\n]\n");
}

}  // namespace
}  // namespace dnnpart
