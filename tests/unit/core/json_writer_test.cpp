// Tests of the tree-less JSON writer: separators, escapes, and that jsoncpp's strict parser reads
// back exactly what was written.
#include "json_writer.h"

#include <gtest/gtest.h>

#include "json.h"

using chat::JsonWriter;

TEST(JsonWriterTest, PlacesCommasAndColons) {
  JsonWriter out;
  out.begin_object().field("a", 1).key("b").begin_array().value("x").value(true).null().end_array();
  out.key("c").begin_object().end_object().field("d", std::int64_t{-9007199254740993}).end_object();
  EXPECT_EQ(out.str(), R"({"a":1,"b":["x",true,null],"c":{},"d":-9007199254740993})");
}

TEST(JsonWriterTest, WritesOptionalsAsValueOrNull) {
  JsonWriter out;
  out.begin_object()
      .field("s", std::optional<std::string>("x"))
      .field("n", std::optional<std::string>())
      .field("i", std::optional<std::int64_t>(7))
      .field("j", std::optional<std::int64_t>())
      .end_object();
  EXPECT_EQ(out.str(), R"({"s":"x","n":null,"i":7,"j":null})");
}

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControlCharacters) {
  JsonWriter out;
  out.value("q\" b\\ n\n r\r t\t \b \f \x01 \x1f end");
  EXPECT_EQ(out.str(), R"("q\" b\\ n\n r\r t\t \b \f \u0001 \u001f end")");
}

TEST(JsonWriterTest, KeepsUtf8AndNulBytesReadable) {
  const std::string text = std::string("caf\xC3\xA9 \xF0\x9F\x98\x80 ") + '\0' + "</script>";
  JsonWriter out;
  out.begin_object().field("text", text).end_object();
  EXPECT_EQ(out.str(), "{\"text\":\"caf\xC3\xA9 \xF0\x9F\x98\x80 \\u0000</script>\"}");
  const auto parsed = chat::json::parse_strict(out.str(), nullptr);
  ASSERT_TRUE(parsed);
  EXPECT_EQ((*parsed)["text"].asString(), text);
}

TEST(JsonWriterTest, WritesMembersAloneWithoutBraces) {
  JsonWriter out;
  out.field("request_id", "r1").field("status", 200);
  EXPECT_EQ(out.str(), R"("request_id":"r1","status":200)");
}

TEST(JsonWriterTest, EmbedsRawJsonAsAValue) {
  JsonWriter out;
  out.begin_array().value(1).raw(R"({"x":[]})").value(2).end_array();
  EXPECT_EQ(out.str(), R"([1,{"x":[]},2])");
}

TEST(JsonWriterTest, RoundTripsEveryControlCharacter) {
  std::string text;
  for (int c = 0; c < 0x80; ++c) text.push_back(static_cast<char>(c));
  JsonWriter out;
  out.begin_object().field("all", text).end_object();
  const auto parsed = chat::json::parse_strict(out.str(), nullptr);
  ASSERT_TRUE(parsed) << out.str();
  EXPECT_EQ((*parsed)["all"].asString(), text);
}

// Escapes are found 8 bytes at a time: put each special byte at every offset of a long text.
TEST(JsonWriterTest, FindsEscapesAtEveryOffsetOfLongTexts) {
  for (const char special : {'"', '\\', '\n', '\x1f', '\0'}) {
    for (std::size_t at = 0; at < 40; ++at) {
      std::string text(40, 'a');
      text[at] = special;
      text += "\xC3\xA9\xE2\x82\xAC";  // bytes above 0x7f never need escaping
      JsonWriter out;
      out.value(text);
      const auto parsed = chat::json::parse_strict("[" + out.str() + "]", nullptr);
      ASSERT_TRUE(parsed) << out.str();
      EXPECT_EQ((*parsed)[0].asString(), text) << "at " << at;
      EXPECT_EQ(out.str().find('\n'), std::string::npos);
    }
  }
}
