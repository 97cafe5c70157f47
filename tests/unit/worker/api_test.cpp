// Tests of the visitor API handlers over the in-memory store: every status of the contract
// that the worker itself answers, and what gets stored.
#include "api/api.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "json.h"
#include "memory_store.h"
#include "uuid.h"

namespace {

// Answers "You asked: ..." at once, or (later) when the test runs `pending`, as the model
// answerer does from a serving thread after its call.
class EchoResponder final : public chat::Responder {
 public:
  bool answers_later() const override { return later; }
  chat::CancelAnswer answer(chat::AnswerRequest request, chat::AnswerDone done) override {
    if (fail) throw std::runtime_error("secret internal detail");
    ++calls;
    last_history = request.history;
    std::string text = "You asked: " + request.question;
    if (request.sink) request.sink(text);
    chat::Answer answer{text, source, {}, visitor_left};
    if (!later) {
      done(std::move(answer));
      return [] {};
    }
    pending = [done, answer] { done(answer); };
    return [this] { ++cancels; };
  }
  std::vector<std::string> sources_of(std::string_view) const override { return sources; }
  bool fail = false;
  bool later = false;
  bool visitor_left = false;
  int calls = 0;
  int cancels = 0;
  std::function<void()> pending;
  chat::Source source = chat::Source::knowledge;
  std::vector<chat::StoredMessage> last_history;
  std::vector<std::string> sources;  // what sources_of says of any question
};

// Collects what a handler streams; a deferred response is recorded by a stream of its own.
class RecordingStream final : public chat::ResponseStream {
 public:
  void begin(int status, const chat::Headers& headers) override {
    this->status = status;
    this->headers = headers;
    started = true;
  }
  bool write(std::string_view data) override {
    body.append(data);
    return true;
  }
  bool begun() const override { return started; }
  std::shared_ptr<chat::ResponseStream> defer() override {
    deferred = std::make_shared<RecordingStream>();
    deferred->started = started;
    return deferred;
  }
  void finish() override { finished = true; }
  void on_client_gone(std::function<void()> callback) override { gone = std::move(callback); }

  int status = 0;
  chat::Headers headers;
  std::string body;
  bool started = false;
  bool finished = false;
  std::shared_ptr<RecordingStream> deferred;
  std::function<void()> gone;
};

class ApiTest : public ::testing::Test {
 protected:
  static chat::Request ask_request(const std::string& body) {
    chat::Request request;
    request.method = "POST";
    request.path = "/api/chatbot/ask/";
    request.content_type = "application/json";
    request.body = body;
    return request;
  }

  chat::Response ask(const std::string& body, const std::string& content_type = "application/json") {
    chat::Request request = ask_request(body);
    request.content_type = content_type;
    return chat::handle_api_request(request, context_);
  }

  chat::Response post(const std::string& path, const std::string& body) {
    chat::Request request = ask_request(body);
    request.path = path;
    return chat::handle_api_request(request, context_);
  }

  // A session with one answer: {session id, the answer's message id}.
  std::pair<std::string, std::int64_t> answered_session() {
    const Json::Value answer = body_of(ask(R"({"message": "Hello"})"));
    return {answer["session_id"].asString(), answer["message_id"].asInt64()};
  }

  chat::Response get(const std::string& path, const std::string& method = "GET") {
    chat::Request request;
    request.method = method;
    request.path = path;
    return chat::handle_api_request(request, context_);
  }

  static Json::Value body_of(const chat::Response& response) {
    const auto body = chat::json::parse_strict(response.body, nullptr);
    EXPECT_TRUE(body) << response.body;
    return body.value_or(Json::Value());
  }

  static std::string error_code(const chat::Response& response) {
    return body_of(response)["error"]["code"].asString();
  }

  static std::string header(const chat::Response& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "";
  }

  chat::Response ask_streaming(const std::string& body, RecordingStream& stream,
                               const std::string& accept = "text/event-stream") {
    chat::Request request = ask_request(body);
    request.accept = accept;
    request.stream = &stream;
    return chat::handle_api_request(request, context_);
  }

  chat::MemoryStore store_;
  EchoResponder responder_;
  chat::ApiContext context_{store_, responder_, {}};
};

}  // namespace

TEST_F(ApiTest, AskStartsASessionAndStoresBothMessages) {
  const auto response = ask(R"({"message": "What services do you offer?"})");
  ASSERT_EQ(response.status, 200) << response.body;
  const Json::Value body = body_of(response);
  EXPECT_TRUE(chat::is_uuid(body["session_id"].asString()));
  EXPECT_EQ(body["response"].asString(), "You asked: What services do you offer?");
  EXPECT_EQ(body["source"].asString(), "knowledge");
  EXPECT_TRUE(body["response_time_ms"].isIntegral());
  EXPECT_EQ(store_.message_count(), 2u);

  const auto transcript = store_.transcript(body["session_id"].asString());
  ASSERT_TRUE(transcript);
  ASSERT_EQ(transcript->messages.size(), 2u);
  EXPECT_EQ(transcript->messages[0].sender, chat::Sender::visitor);
  EXPECT_EQ(transcript->messages[1].sender, chat::Sender::bot);
  EXPECT_EQ(transcript->messages[1].id, body["message_id"].asInt64());
  EXPECT_EQ(transcript->messages[1].source, chat::Source::knowledge);
}

TEST_F(ApiTest, AskWithAKnownSessionContinuesIt) {
  const std::string id = body_of(ask(R"({"message": "one"})"))["session_id"].asString();
  const auto second = ask(R"({"message": "two", "session_id": ")" + id + R"("})");
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(body_of(second)["session_id"].asString(), id);
  EXPECT_EQ(store_.transcript(id)->messages.size(), 4u);
}

TEST_F(ApiTest, AskWithAnUnknownSessionStartsANewOne) {
  const std::string unknown = "3f6c1a2b-0c1d-4e5f-8a9b-0c1d2e3f4a5b";
  const auto response = ask(R"({"message": "hi", "session_id": ")" + unknown + R"("})");
  ASSERT_EQ(response.status, 200);
  EXPECT_NE(body_of(response)["session_id"].asString(), unknown);
  EXPECT_FALSE(store_.transcript(unknown));
}

TEST_F(ApiTest, AskRejectsBadInputAndStoresNothing) {
  EXPECT_EQ(ask("{").status, 400);
  EXPECT_EQ(ask(R"({"message": ""})").status, 400);
  EXPECT_EQ(ask(R"({"message": "hi", "session_id": "nope"})").status, 400);
  EXPECT_EQ(ask(R"({"message": ")" + std::string(2001, 'x') + R"("})").status, 400);
  EXPECT_EQ(error_code(ask("{")), "bad_request");
  EXPECT_EQ(store_.message_count(), 0u);
}

TEST_F(ApiTest, AskWithoutJsonContentTypeIs415) {
  const auto response = ask(R"({"message": "hi"})", "text/plain");
  EXPECT_EQ(response.status, 415);
  EXPECT_EQ(error_code(response), "unsupported_media_type");
}

TEST_F(ApiTest, OversizedBodyIs413) {
  chat::Request request;
  request.method = "POST";
  request.path = "/api/chatbot/ask/";
  request.content_type = "application/json";
  request.body_too_large = true;
  const auto response = chat::handle_api_request(request, context_);
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(error_code(response), "payload_too_large");
}

TEST_F(ApiTest, WrongMethodIs405WithAllow) {
  const auto on_ask = get("/api/chatbot/ask/");
  EXPECT_EQ(on_ask.status, 405);
  EXPECT_EQ(error_code(on_ask), "method_not_allowed");
  EXPECT_NE(header(on_ask, "Allow").find("POST"), std::string::npos);
  const auto on_session = get("/api/chatbot/session/3f6c1a2b-0c1d-4e5f-8a9b-0c1d2e3f4a5b/", "DELETE");
  EXPECT_EQ(on_session.status, 405);
  EXPECT_NE(header(on_session, "Allow").find("GET"), std::string::npos);
}

TEST_F(ApiTest, SessionReturnsMessagesInOrder) {
  const std::string id = body_of(ask(R"({"message": "one", "visitor_info": {"name": "Ada"}})"))["session_id"].asString();
  ask(R"({"message": "two", "session_id": ")" + id + R"("})");
  const auto response = get("/api/chatbot/session/" + id + "/");
  ASSERT_EQ(response.status, 200);
  const Json::Value body = body_of(response);
  EXPECT_EQ(body["session_id"].asString(), id);
  EXPECT_EQ(body["visitor_info"]["name"].asString(), "Ada");
  const Json::Value& messages = body["messages"];
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0]["message"].asString(), "one");
  EXPECT_EQ(messages[2]["message"].asString(), "two");
  EXPECT_TRUE(messages[0]["response_time_ms"].isNull());
  EXPECT_TRUE(messages[0]["source"].isNull());
  EXPECT_EQ(messages[3]["source"].asString(), "knowledge");
  EXPECT_TRUE(body["created_at"].asString().ends_with("Z"));
  for (Json::ArrayIndex i = 1; i < messages.size(); ++i) {
    EXPECT_LT(messages[i - 1]["id"].asInt64(), messages[i]["id"].asInt64());
  }
}

// With the process's cache: a cached body is served while the session's version is unchanged,
// and a turn stored meanwhile (by any worker: here straight into the store) shows at once.
TEST_F(ApiTest, CachedTranscriptIsServedOnlyWhileTheSessionIsUnchanged) {
  chat::TranscriptCache cache(1 << 20, std::chrono::minutes(10));
  chat::SessionVersionBatch versions;
  context_.transcripts = &cache;
  context_.versions = &versions;
  const std::string id = body_of(ask(R"({"message": "one"})"))["session_id"].asString();
  const std::string path = "/api/chatbot/session/" + id + "/";
  ASSERT_EQ(body_of(get(path))["messages"].size(), 2u);
  const auto entry = cache.find(id);
  ASSERT_TRUE(entry);
  cache.put(id, entry->version, R"({"from_cache": true})");
  EXPECT_TRUE(body_of(get(path))["from_cache"].asBool());

  const auto now = std::chrono::system_clock::now();
  store_.record_exchange({id, {}, "two", now, "answer", now, 1, chat::Source::knowledge});
  const Json::Value fresh = body_of(get(path));
  EXPECT_FALSE(fresh.isMember("from_cache"));
  EXPECT_EQ(fresh["messages"].size(), 4u);
  EXPECT_EQ(body_of(get(path))["messages"].size(), 4u);  // and cached again
  EXPECT_NE(cache.find(id)->body.find("two"), std::string::npos);
}

TEST_F(ApiTest, SessionUnknownIs404AndNotAUuidIs400) {
  EXPECT_EQ(get("/api/chatbot/session/3f6c1a2b-0c1d-4e5f-8a9b-0c1d2e3f4a5b/").status, 404);
  const auto bad = get("/api/chatbot/session/not-a-uuid/");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(error_code(bad), "bad_request");
}

TEST_F(ApiTest, UnknownPathIs404) {
  const auto response = get("/api/chatbot/nothing/");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(error_code(response), "not_found");
}

TEST_F(ApiTest, HealthReportsTheDatabase) {
  const auto up = get("/healthz");
  EXPECT_EQ(up.status, 200);
  EXPECT_EQ(body_of(up)["database"].asString(), "ok");
  store_.set_available(false);
  const auto down = get("/healthz");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(body_of(down)["database"].asString(), "unavailable");
}

TEST_F(ApiTest, UnreachableDatabaseIs503AndStoresNothing) {
  store_.set_available(false);
  const auto response = ask(R"({"message": "hi"})");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(error_code(response), "unavailable");
  store_.set_available(true);
  EXPECT_EQ(store_.message_count(), 0u);
}

TEST_F(ApiTest, UnexpectedFailureIs500WithoutDetail) {
  responder_.fail = true;
  const auto response = ask(R"({"message": "hi"})");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(error_code(response), "internal");
  EXPECT_EQ(response.body.find("secret internal detail"), std::string::npos);
  EXPECT_EQ(store_.message_count(), 0u);
}

TEST_F(ApiTest, StreamingAskSendsSessionTokensAndDone) {
  RecordingStream stream;
  ask_streaming(R"({"message": "hello there"})", stream);
  ASSERT_TRUE(stream.started);
  EXPECT_EQ(stream.status, 200);
  EXPECT_EQ(stream.headers.at(0).second, "text/event-stream; charset=utf-8");
  const std::string& body = stream.body;
  const auto session = body.find("event: session\ndata: {\"session_id\":");
  const auto token = body.find("event: token\ndata: {\"text\":\"You asked: hello there\"}\n\n");
  const auto done = body.find("event: done\ndata: {");
  ASSERT_NE(session, std::string::npos) << body;
  ASSERT_NE(token, std::string::npos) << body;
  ASSERT_NE(done, std::string::npos) << body;
  EXPECT_LT(session, token);
  EXPECT_LT(token, done);
  EXPECT_NE(body.find("\"message_id\":2", done), std::string::npos) << body;
  EXPECT_EQ(store_.message_count(), 2u);
}

TEST_F(ApiTest, StreamedNewSessionExistsBeforeTheAnswerIsStored) {
  RecordingStream stream;
  responder_.fail = true;  // the answer never comes
  ask_streaming(R"({"message": "hello"})", stream);
  const auto start = stream.body.find("\"session_id\":\"") + 14;
  const std::string id = stream.body.substr(start, 36);
  ASSERT_TRUE(chat::is_uuid(id)) << stream.body;
  EXPECT_EQ(get("/api/chatbot/session/" + id + "/").status, 200);
}

TEST_F(ApiTest, StreamingFailureAfterTheStreamBeganIsAnErrorEvent) {
  RecordingStream stream;
  responder_.fail = true;
  ask_streaming(R"({"message": "hello"})", stream);
  EXPECT_NE(stream.body.find("event: error\ndata: {\"error\":{\"code\":\"internal\""), std::string::npos)
      << stream.body;
  EXPECT_EQ(stream.body.find("event: done"), std::string::npos);
}

TEST_F(ApiTest, StreamingValidationErrorIsPlainJson) {
  RecordingStream stream;
  const auto response = ask_streaming(R"({"message": ""})", stream);
  EXPECT_FALSE(stream.started);
  EXPECT_EQ(response.status, 400);
}

TEST_F(ApiTest, SecondTurnGetsTheHistory) {
  const std::string id = body_of(ask(R"({"message": "first question"})"))["session_id"].asString();
  ask(R"({"message": "second question", "session_id": ")" + id + R"("})");
  ASSERT_EQ(responder_.last_history.size(), 2u);
  EXPECT_EQ(responder_.last_history[0].text, "first question");
  EXPECT_EQ(responder_.last_history[1].sender, chat::Sender::bot);
}

TEST_F(ApiTest, PerSessionHourlyLimitIs429) {
  context_.limits.session_asks_per_hour = 2;
  const std::string id = body_of(ask(R"({"message": "one"})"))["session_id"].asString();
  EXPECT_EQ(ask(R"({"message": "two", "session_id": ")" + id + R"("})").status, 200);
  const auto limited = ask(R"({"message": "three", "session_id": ")" + id + R"("})");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(error_code(limited), "rate_limited");
  EXPECT_EQ(header(limited, "Retry-After"), "60");
  EXPECT_EQ(store_.message_count(), 4u);
}

TEST_F(ApiTest, OneClientStartingTooManyConversationsIs429) {
  context_.limits.session_starts_per_hour = 2;
  auto ask_from = [&](const std::string& address, const std::string& body) {
    chat::Request request = ask_request(body);
    request.remote_addr = address;
    return chat::handle_api_request(request, context_);
  };
  const std::string id = body_of(ask_from("2001:db8::1", R"({"message": "one"})"))["session_id"].asString();
  EXPECT_EQ(ask_from("2001:db8::2", R"({"message": "two"})").status, 200);  // the same /64
  const auto limited = ask_from("2001:db8::3", R"({"message": "three"})");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(error_code(limited), "rate_limited");
  EXPECT_EQ(header(limited, "Retry-After"), "60");
  // Its conversations go on, and another network starts its own.
  EXPECT_EQ(ask_from("2001:db8::3", R"({"message": "more", "session_id": ")" + id + R"("})").status, 200);
  EXPECT_EQ(ask_from("2001:db8:0:1::3", R"({"message": "hello"})").status, 200);
  EXPECT_EQ(store_.message_count(), 8u);
}

TEST_F(ApiTest, ModelAnswerToAFirstQuestionIsReusedFromTheCache) {
  context_.limits.answer_cache = true;
  responder_.source = chat::Source::model;
  EXPECT_EQ(body_of(ask(R"({"message": "What services do you offer?"})"))["source"].asString(), "model");
  const auto again = body_of(ask(R"({"message": "  what SERVICES do you offer  "})"));
  EXPECT_EQ(again["source"].asString(), "cache");
  EXPECT_EQ(again["response"].asString(), "You asked: What services do you offer?");
  EXPECT_EQ(responder_.calls, 1);
}

TEST_F(ApiTest, AsksBeyondTheAdmissionLimitGet503AtOnceAndChangeNothing) {
  chat::AskAdmission admission(1);
  context_.admission = &admission;
  {
    const auto held = admission.try_enter();  // another ask, waiting on the model
    const auto refused = ask(R"({"message": "pricing?"})");
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(error_code(refused), "unavailable");
    EXPECT_EQ(header(refused, "Retry-After"), "2");
    EXPECT_EQ(store_.message_count(), 0u);
    EXPECT_EQ(responder_.calls, 0);
    EXPECT_EQ(ask(R"({"message": ""})").status, 400);  // bad input is still told so
  }
  EXPECT_EQ(ask(R"({"message": "pricing?"})").status, 200);
  EXPECT_EQ(ask(R"({"message": "pricing?"})").status, 200);  // each ask gave its place back
  EXPECT_EQ(admission.in_flight(), 0);
}

TEST_F(ApiTest, AnAnswerCutShortByTheVisitorLeavingIsNotCached) {
  context_.limits.answer_cache = true;
  responder_.source = chat::Source::model;
  responder_.visitor_left = true;
  ask(R"({"message": "What services do you offer?"})");
  responder_.visitor_left = false;
  EXPECT_EQ(body_of(ask(R"({"message": "What services do you offer?"})"))["source"].asString(), "model");
  EXPECT_EQ(responder_.calls, 2);
}

TEST_F(ApiTest, OnlyModelAnswersAreCachedAndOnlyForFirstQuestions) {
  context_.limits.answer_cache = true;
  responder_.source = chat::Source::fallback;
  ask(R"({"message": "pricing?"})");
  EXPECT_EQ(body_of(ask(R"({"message": "pricing?"})"))["source"].asString(), "fallback");
  responder_.source = chat::Source::model;
  const std::string id = body_of(ask(R"({"message": "pricing?"})"))["session_id"].asString();
  const auto follow_up = body_of(ask(R"({"message": "pricing?", "session_id": ")" + id + R"("})"));
  EXPECT_EQ(follow_up["source"].asString(), "model");
  EXPECT_EQ(responder_.calls, 4);
}

// Runs posted tasks when the test says so, as the database work threads would later.
class QueuedExecutor final : public chat::Executor {
 public:
  void post(chat::Task task) override { tasks.push_back(std::move(task)); }
  void run_all() {
    while (!tasks.empty()) {
      chat::Task task = std::move(tasks.front());
      tasks.erase(tasks.begin());
      task();
    }
  }
  std::vector<chat::Task> tasks;
};

TEST_F(ApiTest, AnAnswerThatComesLaterIsStreamedAndStoredAfterTheHandlerReturned) {
  responder_.later = true;
  QueuedExecutor database_work;
  context_.database_work = &database_work;
  RecordingStream stream;
  ask_streaming(R"({"message": "hello there"})", stream);
  ASSERT_TRUE(stream.deferred);  // the serving thread is free: no database work was done on it
  EXPECT_EQ(stream.body, "");
  EXPECT_EQ(store_.session_count(), 0u);
  database_work.run_all();  // the session, the stream, the model call
  const RecordingStream& later = *stream.deferred;
  const auto session = later.body.find("event: session");
  const auto token = later.body.find("event: token\ndata: {\"text\":\"You asked: hello there\"}");
  ASSERT_NE(session, std::string::npos) << later.body;
  EXPECT_LT(session, token) << later.body;
  EXPECT_EQ(store_.message_count(), 0u);  // nothing stored while the answer is under way
  EXPECT_FALSE(later.finished);
  responder_.pending();  // the answer is given, on a database work thread
  EXPECT_EQ(store_.message_count(), 2u);
  EXPECT_NE(later.body.find("event: done\ndata: {"), std::string::npos) << later.body;
  EXPECT_TRUE(later.finished);
}

TEST_F(ApiTest, AConversationOverItsLimitIsToldSoByTheDeferredResponse) {
  responder_.later = true;
  context_.limits.session_asks_per_hour = 1;
  RecordingStream first;
  ask_streaming(R"({"message": "one"})", first);
  responder_.pending();
  const std::string id = first.deferred->body.substr(first.deferred->body.find("\"session_id\":\"") + 14, 36);
  RecordingStream second;
  ask_streaming(R"({"message": "two", "session_id": ")" + id + R"("})", second);
  ASSERT_TRUE(second.deferred);
  EXPECT_EQ(second.deferred->status, 429);
  EXPECT_NE(second.deferred->body.find("rate_limited"), std::string::npos) << second.deferred->body;
  EXPECT_TRUE(second.deferred->finished);
  EXPECT_EQ(store_.message_count(), 2u);
}

TEST_F(ApiTest, AJsonAnswerThatComesLaterIsSentWholeByTheDeferredResponse) {
  responder_.later = true;
  RecordingStream stream;
  ask_streaming(R"({"message": "pricing?"})", stream, "application/json");
  ASSERT_TRUE(stream.deferred);
  EXPECT_FALSE(stream.started);
  responder_.pending();
  const RecordingStream& later = *stream.deferred;
  EXPECT_EQ(later.status, 200);
  EXPECT_TRUE(later.finished);
  EXPECT_EQ(body_of(chat::Response::json(200, later.body))["response"].asString(), "You asked: pricing?");
}

TEST_F(ApiTest, AVisitorWhoHangsUpCancelsTheAnswerUnderWay) {
  responder_.later = true;
  RecordingStream stream;
  ask_streaming(R"({"message": "hello"})", stream);
  ASSERT_TRUE(stream.deferred && stream.deferred->gone);
  stream.deferred->gone();  // the event loop saw the connection close
  EXPECT_EQ(responder_.cancels, 1);
}

TEST_F(ApiTest, AnAnswerThatCannotBeStoredEndsTheDeferredStreamWithAnErrorEvent) {
  responder_.later = true;
  RecordingStream stream;
  ask_streaming(R"({"message": "hello"})", stream);
  store_.set_available(false);
  responder_.pending();
  store_.set_available(true);
  const RecordingStream& later = *stream.deferred;
  EXPECT_NE(later.body.find("event: error\ndata: {\"error\":{\"code\":\"unavailable\""), std::string::npos)
      << later.body;
  EXPECT_EQ(later.body.find("event: done"), std::string::npos);
  EXPECT_TRUE(later.finished);
  EXPECT_EQ(store_.message_count(), 0u);
}

TEST_F(ApiTest, AnAnswerCarriesTheSectionsThatInformedIt) {
  responder_.source = chat::Source::model;
  const Json::Value none = body_of(ask(R"({"message": "Hello"})"));
  ASSERT_TRUE(none["sources"].isArray());
  EXPECT_EQ(none["sources"].size(), 0u);
}

TEST_F(ApiTest, FeedbackRatesAnAnswerOfTheSessionAndRatingAgainReplacesIt) {
  const auto [session, answer] = answered_session();
  const std::string rated = R"({"session_id": ")" + session + R"(", "message_id": )" + std::to_string(answer);
  EXPECT_EQ(post("/api/chatbot/feedback/", rated + R"(, "rating": "up"})").status, 204);
  const auto again = post("/api/chatbot/feedback", rated + R"(, "rating": "down", "comment": " Too vague. "})");
  EXPECT_EQ(again.status, 204);
  EXPECT_TRUE(again.body.empty());
}

TEST_F(ApiTest, FeedbackOnAnythingButThisSessionsAnswersIs404) {
  const auto [session, answer] = answered_session();
  const auto [other_session, other_answer] = answered_session();
  const auto rate = [&](const std::string& id, std::int64_t message) {
    return post("/api/chatbot/feedback/", R"({"session_id": ")" + id + R"(", "message_id": )" +
                                              std::to_string(message) + R"(, "rating": "up"})");
  };
  EXPECT_EQ(rate(session, answer - 1).status, 404);  // the visitor's own question
  EXPECT_EQ(rate(session, other_answer).status, 404);  // another session's answer
  EXPECT_EQ(rate(chat::new_uuid_v4(), answer).status, 404);
  const auto missing = rate(session, answer + 100);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(error_code(missing), "not_found");
}

TEST_F(ApiTest, BadFeedbackIs400AndNamesTheField) {
  const auto [session, answer] = answered_session();
  const std::string id = R"("session_id": ")" + session + R"(", )";
  const std::string message = R"("message_id": )" + std::to_string(answer) + ", ";
  const std::pair<std::string, std::string> cases[] = {
      {R"({"message_id": 1, "rating": "up"})", "session_id is required"},
      {"{" + id + R"("rating": "up"})", "message_id is required"},
      {"{" + id + R"("message_id": "7", "rating": "up"})", "message_id must be a positive integer"},
      {"{" + id + R"("message_id": 0, "rating": "up"})", "message_id must be a positive integer"},
      {"{" + id + R"("message_id": 1.5, "rating": "up"})", "message_id must be a positive integer"},
      {"{" + id + message + R"("rating": "meh"})", R"(rating must be "up" or "down")"},
      {"{" + id + message + R"("rating": "down", "comment": ")" + std::string(501, 'x') + R"("})",
       "comment must be at most 500 characters"},
      {"{" + id + message + R"("rating": "down", "comment": "\udc00"})", "comment must be valid UTF-8"},
  };
  for (const auto& [body, expected] : cases) {
    const auto response = post("/api/chatbot/feedback/", body);
    EXPECT_EQ(response.status, 400) << body;
    EXPECT_EQ(body_of(response)["error"]["message"].asString(), expected) << body;
  }
  EXPECT_EQ(post("/api/chatbot/feedback/", "{" + id + message + R"("rating": "up"})").status, 204);
}

TEST_F(ApiTest, ContactStoresALeadAndAnswers201WithItsId) {
  const auto [session, answer] = answered_session();
  const auto first = post("/api/chatbot/contact/", R"({"session_id": ")" + session +
                                                       R"(", "name": "Ada", "email": "ada@example.com", "message": "Call me"})");
  EXPECT_EQ(first.status, 201);
  EXPECT_EQ(body_of(first)["lead_id"].asInt64(), 1);
  const auto without_session =
      post("/api/chatbot/contact", R"({"name": "Bo", "email": "bo@example.org", "message": "Quote please"})");
  EXPECT_EQ(without_session.status, 201);
  EXPECT_EQ(body_of(without_session)["lead_id"].asInt64(), 2);
  EXPECT_EQ(get("/api/chatbot/contact/").status, 405);
}

TEST_F(ApiTest, BadContactIs400AndStoresNothing) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"email": "a@b.co", "message": "m"})", "name is required"},
      {R"({"name": " ", "email": "a@b.co", "message": "m"})", "name must not be empty"},
      {R"({"name": "A", "message": "m"})", "email is required"},
      {R"({"name": "A", "email": "not an address", "message": "m"})", "email must be an address such as name@example.com"},
      {R"({"name": "A", "email": "a@b.co"})", "message is required"},
      {R"({"name": ")" + std::string(101, 'n') + R"(", "email": "a@b.co", "message": "m"})",
       "name must be at most 100 characters"},
      {R"({"name": "A", "email": "a@b.co", "message": "m", "session_id": "nope"})", "session_id must be a UUID"},
  };
  for (const auto& [body, expected] : cases) {
    const auto response = post("/api/chatbot/contact/", body);
    EXPECT_EQ(response.status, 400) << body;
    EXPECT_EQ(body_of(response)["error"]["message"].asString(), expected) << body;
  }
  EXPECT_EQ(body_of(post("/api/chatbot/contact/", R"({"name": "A", "email": "a@b.co", "message": "m"})"))["lead_id"]
                .asInt64(), 1);  // the first lead stored
}
