// Tests of the ask body's parsing and validation.
#include "api/ask_request.h"

#include <gtest/gtest.h>

#include "bad_input.h"

namespace {

int status_of(const std::string& body, std::size_t max_chars = 2000) {
  try {
    chat::parse_ask_request(body, max_chars);
    return 200;
  } catch (const chat::BadInput&) {
    return 400;  // what the handlers answer a BadInput with
  }
}

std::string message_of(const std::string& body) {
  try {
    chat::parse_ask_request(body, 2000);
    return "";
  } catch (const chat::BadInput& error) {
    return error.what();
  }
}

}  // namespace

TEST(AskRequestTest, ParsesAFullRequest) {
  const auto ask = chat::parse_ask_request(
      R"({"message": "  What services do you offer?  ", "session_id": "3F6C1A2B-0C1D-4E5F-8A9B-0C1D2E3F4A5B",
          "visitor_info": {"name": "Ada", "email": "ada@example.com"}})",
      2000);
  EXPECT_EQ(ask.message, "What services do you offer?");
  EXPECT_EQ(ask.session_id, "3f6c1a2b-0c1d-4e5f-8a9b-0c1d2e3f4a5b");
  EXPECT_EQ(ask.visitor.name, "Ada");
  EXPECT_EQ(ask.visitor.email, "ada@example.com");
}

TEST(AskRequestTest, SessionIdAndVisitorInfoAreOptional) {
  for (const char* body : {R"({"message": "hi"})", R"({"message": "hi", "session_id": null})",
                           R"({"message": "hi", "session_id": ""})",
                           R"({"message": "hi", "visitor_info": null})"}) {
    const auto ask = chat::parse_ask_request(body, 2000);
    EXPECT_FALSE(ask.session_id) << body;
    EXPECT_FALSE(ask.visitor.name) << body;
  }
}

TEST(AskRequestTest, RejectsMalformedJson) {
  EXPECT_EQ(status_of("{"), 400);
  EXPECT_EQ(status_of("not json"), 400);
  EXPECT_EQ(status_of(R"({"message": "a"} {"message": "b"})"), 400);
  EXPECT_EQ(message_of("{"), "body must be valid JSON");
}

TEST(AskRequestTest, RejectsWrongTypes) {
  EXPECT_EQ(status_of(R"(["message"])"), 400);
  EXPECT_EQ(status_of(R"({"message": 42})"), 400);
  EXPECT_EQ(status_of(R"({"message": ["hi"]})"), 400);
  EXPECT_EQ(status_of(R"({"message": "hi", "session_id": 7})"), 400);
  EXPECT_EQ(status_of(R"({"message": "hi", "visitor_info": "Ada"})"), 400);
  EXPECT_EQ(status_of(R"({"message": "hi", "visitor_info": {"name": 1}})"), 400);
  EXPECT_EQ(message_of(R"({"message": 42})"), "message must be a string");
}

TEST(AskRequestTest, RejectsMissingOrBlankMessage) {
  EXPECT_EQ(message_of(R"({})"), "message is required");
  EXPECT_EQ(message_of(R"({"message": ""})"), "message must not be empty");
  EXPECT_EQ(message_of(R"({"message": " \n\t "})"), "message must not be empty");
}

TEST(AskRequestTest, LimitsMessageLengthInCharactersNotBytes) {
  const std::string euros_10 = [] {
    std::string s;
    for (int i = 0; i < 10; ++i) s += "\xE2\x82\xAC";
    return s;
  }();
  EXPECT_EQ(status_of(R"({"message": ")" + euros_10 + R"("})", 10), 200);
  EXPECT_EQ(status_of(R"({"message": ")" + euros_10 + R"(x"})", 10), 400);
}

TEST(AskRequestTest, RejectsInvalidUtf8) {
  EXPECT_EQ(message_of("{\"message\": \"\xC3\x28\"}"), "body must be valid UTF-8");
}

// jsoncpp decodes the escape of a lone surrogate into bytes that are not UTF-8: valid JSON,
// invalid text, never to be stored or served.
TEST(AskRequestTest, RejectsEscapesOfLoneSurrogates) {
  EXPECT_EQ(message_of(R"({"message": "a\udc00b"})"), "message must be valid UTF-8");
  EXPECT_EQ(message_of(R"({"message": "hi", "visitor_info": {"name": "\udfff"}})"),
            "visitor_info.name must be valid UTF-8");
  EXPECT_EQ(message_of(R"({"message": "hi", "visitor_info": {"email": "x\udc80@example.com"}})"),
            "visitor_info.email must be valid UTF-8");
  EXPECT_EQ(status_of(R"({"message": "\ud83d\ude80 rocket"})"), 200);  // a pair is one character
}

TEST(AskRequestTest, RejectsASessionIdThatIsNotAUuid) {
  EXPECT_EQ(message_of(R"({"message": "hi", "session_id": "abc"})"), "session_id must be a UUID");
}

TEST(AskRequestTest, LimitsVisitorFields) {
  const std::string long_name(101, 'a');
  EXPECT_EQ(status_of(R"({"message": "hi", "visitor_info": {"name": ")" + long_name + R"("}})"), 400);
  EXPECT_EQ(status_of(R"({"message": "hi", "visitor_info": {"name": ")" + long_name.substr(1) + R"("}})"), 200);
}
