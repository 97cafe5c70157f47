// Tests of strict JSON parsing and compact UTF-8 output.
#include "json.h"

#include <gtest/gtest.h>

TEST(JsonTest, ParsesAnObject) {
  const auto value = chat::json::parse_strict(R"({"message": "hi", "n": 1})", nullptr);
  ASSERT_TRUE(value);
  EXPECT_EQ((*value)["message"].asString(), "hi");
}

TEST(JsonTest, RejectsNonStrictInput) {
  for (const char* bad : {"", "{", "{\"a\":1} trailing", "{'a': 1}", "{\"a\": 1,}", "/*c*/{}",
                          "{\"a\":1,\"a\":2}", "{\"a\": NaN}", "\"just a string\"", "42"}) {
    std::string error;
    EXPECT_FALSE(chat::json::parse_strict(bad, &error)) << bad;
  }
}

TEST(JsonTest, RejectsDeepNesting) {
  const std::string deep = std::string(200, '[') + std::string(200, ']');
  EXPECT_FALSE(chat::json::parse_strict(deep, nullptr));
}

TEST(JsonTest, WritesCompactUtf8) {
  Json::Value value(Json::objectValue);
  value["text"] = "caf\xC3\xA9 \xF0\x9F\x98\x80 \"q\"";
  EXPECT_EQ(chat::json::to_string(value), "{\"text\":\"caf\xC3\xA9 \xF0\x9F\x98\x80 \\\"q\\\"\"}");
}
