// Tests of the model services' wire formats: request bodies, streamed events, whole answers and
// error bodies, garbage included.
#include "model/model_protocol.h"

#include <gtest/gtest.h>

#include "json.h"

using chat::ModelApi;
using chat::StreamStep;

namespace {

StreamStep step(ModelApi api, const std::string& data) { return chat::parse_stream_event(api, {"", data}); }

}  // namespace

TEST(ModelProtocolTest, ChatRequestBody) {
  chat::ModelSettings settings;
  settings.model = "mistralai/Mistral-7B-Instruct-v0.3";
  const auto body = chat::json::parse_strict(
      chat::chat_request_body(settings, {{chat::Role::system, "S"}, {chat::Role::user, "Q"}}, true), nullptr);
  ASSERT_TRUE(body);
  EXPECT_EQ((*body)["model"].asString(), settings.model);
  EXPECT_EQ((*body)["messages"][1]["role"].asString(), "user");
  EXPECT_EQ((*body)["messages"][1]["content"].asString(), "Q");
  EXPECT_EQ((*body)["max_tokens"].asInt(), 256);
  EXPECT_DOUBLE_EQ((*body)["temperature"].asDouble(), 0.7);
  EXPECT_DOUBLE_EQ((*body)["top_p"].asDouble(), 0.95);
  EXPECT_TRUE((*body)["stream"].asBool());
}

TEST(ModelProtocolTest, TextGenerationRequestBody) {
  const auto body = chat::json::parse_strict(
      chat::text_generation_request_body(chat::ModelSettings{}, "<s>[INST] Q [/INST]", false), nullptr);
  ASSERT_TRUE(body);
  EXPECT_EQ((*body)["inputs"].asString(), "<s>[INST] Q [/INST]");
  EXPECT_EQ((*body)["parameters"]["max_new_tokens"].asInt(), 256);
  EXPECT_DOUBLE_EQ((*body)["parameters"]["repetition_penalty"].asDouble(), 1.2);
  EXPECT_FALSE((*body)["parameters"]["return_full_text"].asBool());
  EXPECT_FALSE((*body)["stream"].asBool());
}

TEST(ModelProtocolTest, ChatStreamEvents) {
  auto token = step(ModelApi::chat, R"({"choices":[{"delta":{"content":"We "}}]})");
  EXPECT_EQ(token.kind, StreamStep::Kind::token);
  EXPECT_EQ(token.text, "We ");
  EXPECT_EQ(step(ModelApi::chat, R"({"choices":[{"delta":{"role":"assistant"}}]})").kind, StreamStep::Kind::ignore);
  EXPECT_EQ(step(ModelApi::chat, R"({"choices":[]})").kind, StreamStep::Kind::ignore);
  EXPECT_EQ(step(ModelApi::chat, "[DONE]").kind, StreamStep::Kind::done);
}

TEST(ModelProtocolTest, TextGenerationStreamEvents) {
  auto token = step(ModelApi::text_generation, R"({"token":{"id":1,"text":" We","special":false},"generated_text":null})");
  EXPECT_EQ(token.kind, StreamStep::Kind::token);
  EXPECT_EQ(token.text, " We");
  EXPECT_EQ(step(ModelApi::text_generation, R"({"token":{"id":2,"text":"</s>","special":true},"generated_text":"We"})").kind,
            StreamStep::Kind::done);
  auto last = step(ModelApi::text_generation, R"({"token":{"id":3,"text":"!","special":false},"generated_text":"We!"})");
  EXPECT_EQ(last.kind, StreamStep::Kind::token);
  EXPECT_EQ(last.text, "!");
  EXPECT_TRUE(last.last);
  EXPECT_FALSE(token.last);
}

TEST(ModelProtocolTest, ErrorsInsideAStream) {
  auto error = step(ModelApi::chat, R"({"error":{"message":"Input validation error","type":"validation"}})");
  EXPECT_EQ(error.kind, StreamStep::Kind::error);
  EXPECT_EQ(error.text, "Input validation error");
  EXPECT_EQ(step(ModelApi::text_generation, R"({"error":"overloaded","error_type":"overloaded"})").kind,
            StreamStep::Kind::error);
}

TEST(ModelProtocolTest, GarbageIsMalformedNeverAnException) {
  for (const ModelApi api : {ModelApi::chat, ModelApi::text_generation}) {
    for (const char* garbage : {"not json", "{", "[1,2]", R"({"choices":{"a":1}})", R"({"choices":[5]})",
                                R"({"choices":[{"delta":7}]})", R"({"token":"x"})", R"({"token":{"text":5}})"}) {
      const auto kind = step(api, garbage).kind;
      EXPECT_TRUE(kind == StreamStep::Kind::malformed || kind == StreamStep::Kind::ignore) << garbage;
    }
  }
  EXPECT_FALSE(chat::parse_whole_answer(ModelApi::chat, R"({"choices":{"x":1}})"));
  EXPECT_FALSE(chat::parse_whole_answer(ModelApi::chat, R"({"choices":[{"message":[]}]})"));
  EXPECT_FALSE(chat::parse_whole_answer(ModelApi::text_generation, R"([{"generated_text":5}])"));
  EXPECT_FALSE(chat::parse_whole_answer(ModelApi::text_generation, "<html>"));
}

// jsoncpp decodes the escape of a lone surrogate into bytes that are not UTF-8: such text must
// never be sent to a visitor or stored, so it is garbage like any other.
TEST(ModelProtocolTest, TextThatIsNotUtf8IsMalformed) {
  EXPECT_EQ(step(ModelApi::chat, R"({"choices":[{"delta":{"content":"a\udc00b"}}]})").kind, StreamStep::Kind::malformed);
  EXPECT_EQ(step(ModelApi::text_generation, R"({"token":{"id":1,"text":"\ud800","special":false},"generated_text":null})").kind,
            StreamStep::Kind::malformed);
  EXPECT_FALSE(chat::parse_whole_answer(ModelApi::chat, R"({"choices":[{"message":{"content":"x\udfff"}}]})"));
  EXPECT_FALSE(chat::parse_whole_answer(ModelApi::text_generation, R"([{"generated_text":"\udbff!"}])"));
  const auto rocket = step(ModelApi::chat, R"({"choices":[{"delta":{"content":"\ud83d\ude80"}}]})");
  EXPECT_EQ(rocket.kind, StreamStep::Kind::token);  // a surrogate pair is one character
  EXPECT_EQ(rocket.text, "\xF0\x9F\x9A\x80");
}

TEST(ModelProtocolTest, WholeAnswers) {
  EXPECT_EQ(chat::parse_whole_answer(ModelApi::chat, R"({"choices":[{"message":{"role":"assistant","content":"Hi"}}]})"),
            "Hi");
  EXPECT_EQ(chat::parse_whole_answer(ModelApi::text_generation, R"([{"generated_text":"Hi"}])"), "Hi");
  EXPECT_EQ(chat::parse_whole_answer(ModelApi::text_generation, R"({"generated_text":"Hi"})"), "Hi");
}

TEST(ModelProtocolTest, ErrorBodiesAndLoadingEstimates) {
  EXPECT_EQ(chat::error_message(R"({"error":"Model is overloaded"})"), "Model is overloaded");
  EXPECT_EQ(chat::error_message(R"({"error":{"message":"Invalid credentials"}})"), "Invalid credentials");
  EXPECT_EQ(chat::error_message("<html>Bad gateway</html>"), "<html>Bad gateway</html>");
  EXPECT_LE(chat::error_message(std::string(5000, 'x')).size(), 300u);
  EXPECT_DOUBLE_EQ(*chat::loading_estimate_seconds(R"({"error":"Model is currently loading","estimated_time":12.5})"), 12.5);
  EXPECT_FALSE(chat::loading_estimate_seconds(R"({"error":"busy"})"));
}
