// Tests of header helpers and the contract's error shape.
#include "http/http.h"

#include <gtest/gtest.h>

#include "json.h"

TEST(HttpTest, RecognisesJsonContentTypes) {
  EXPECT_TRUE(chat::is_json_content_type("application/json"));
  EXPECT_TRUE(chat::is_json_content_type("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(chat::is_json_content_type("application/merge-patch+json"));
  EXPECT_FALSE(chat::is_json_content_type(""));
  EXPECT_FALSE(chat::is_json_content_type("text/plain"));
  EXPECT_FALSE(chat::is_json_content_type("application/x-www-form-urlencoded"));
  EXPECT_FALSE(chat::is_json_content_type("application/jsonx"));
}

TEST(HttpTest, RecognisesEventStreamInAcceptLists) {
  EXPECT_TRUE(chat::accepts_event_stream("text/event-stream"));
  EXPECT_TRUE(chat::accepts_event_stream("application/json, text/event-stream;q=0.9"));
  EXPECT_FALSE(chat::accepts_event_stream("application/json"));
  EXPECT_FALSE(chat::accepts_event_stream(""));
}

TEST(HttpTest, ErrorResponsesHaveTheContractShape) {
  const auto response = chat::Response::error(400, "bad_request", "message must not be empty");
  EXPECT_EQ(response.status, 400);
  const auto body = chat::json::parse_strict(response.body, nullptr);
  ASSERT_TRUE(body);
  EXPECT_EQ((*body)["error"]["code"].asString(), "bad_request");
  EXPECT_EQ((*body)["error"]["message"].asString(), "message must not be empty");
  EXPECT_EQ(response.headers.at(0).second, "application/json; charset=utf-8");
}

TEST(HttpTest, MapsStatusesToContractCodes) {
  EXPECT_EQ(chat::error_code_for_status(404), "not_found");
  EXPECT_EQ(chat::error_code_for_status(413), "payload_too_large");
  EXPECT_EQ(chat::error_code_for_status(415), "unsupported_media_type");
  EXPECT_EQ(chat::error_code_for_status(429), "rate_limited");
  EXPECT_EQ(chat::error_code_for_status(500), "internal");
}
