// Tests of the admin API's handlers over a fake store: the token check before anything else,
// routing, 400/404/405, the JSON shapes of section 4, erase, the streamed CSV export, and
// chat-admin's /metrics.
#include "admin_api.h"
#include "admin_metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "json.h"

namespace {

constexpr const char* kToken = "0123456789abcdef-token";
const std::string kSession = "3f6c2a1e-9b7d-4c55-8e21-0a1b2c3d4e5f";

class FakeAdminStore final : public chat::AdminStore {
 public:
  chat::AdminStats stats(const chat::DateRange& range) override {
    ++calls;
    last_range = range;
    chat::AdminStats stats;
    stats.sessions = 2;
    stats.messages = 4;
    stats.visitor_messages = 2;
    stats.bot_messages = 2;
    stats.response_time = {150, 100, 200, 200};
    stats.sources = {{chat::Source::model, 0}, {chat::Source::knowledge, 2}, {chat::Source::fallback, 0}, {chat::Source::cache, 0}};
    stats.per_day = {{"2026-11-24", 1, 2}, {"2026-11-25", 1, 2}};
    return stats;
  }
  chat::SessionPage sessions(const chat::SessionQuery& query) override {
    ++calls;
    last_session_query = query;
    chat::SessionPage page;
    page.total = 1000;
    page.total_capped = true;
    chat::SessionSummary session;
    session.session_id = kSession;
    session.created_at = "2026-11-25T21:00:00.000Z";
    session.updated_at = "2026-11-25T21:01:00.000Z";
    session.message_count = 4;
    session.visitor.name = "Ada";
    session.last_message = "Thanks!";
    page.sessions.push_back(session);
    return page;
  }
  chat::MessagePage messages(const chat::MessageQuery& query) override {
    ++calls;
    last_message_query = query;
    chat::MessagePage page;
    page.total = 1;
    page.messages.push_back({kSession, {42, chat::Sender::bot, "Hello", "2026-11-25T21:00:00.000Z", 812, chat::Source::model}});
    return page;
  }
  std::optional<chat::Transcript> transcript(const std::string& session_id) override {
    ++calls;
    if (session_id != kSession || erased) return std::nullopt;
    chat::Transcript transcript;
    transcript.session_id = session_id;
    transcript.messages.push_back({1, chat::Sender::visitor, "hi", "2026-11-25T21:00:00.000Z", std::nullopt, std::nullopt});
    return transcript;
  }
  void export_messages(const chat::DateRange&, const chat::ExportSink& sink) override {
    ++calls;
    if (unavailable) throw chat::StoreUnavailable("down");
    for (const auto& batch : batches) {
      if (!sink(batch)) return;
    }
    if (fail_after_batches) throw chat::StoreUnavailable("lost during the export");
  }
  bool erase_session(const std::string& session_id) override {
    ++calls;
    if (session_id != kSession || erased) return false;
    erased = true;
    return true;
  }
  chat::LeadPage leads(const chat::LeadQuery& query) override {
    ++calls;
    last_lead_query = query;
    return {1, {{7, std::string(kSession), "Ada", "ada@example.com", "Call me", "2026-11-25T10:00:00.000Z", true}}};
  }
  chat::FeedbackPage feedback(const chat::FeedbackQuery& query) override {
    ++calls;
    last_feedback_query = query;
    return {1, {{42, std::string(kSession), "down", std::nullopt, "2026-11-25T10:00:00.000Z", "An answer"}}};
  }
  std::vector<chat::QuestionCount> top_questions(const chat::TopQuestionsQuery& query) override {
    ++calls;
    last_top_questions_query = query;
    return {{"What do you charge?", 3}, {"Who are you?", 1}};
  }
  chat::LeadQueue lead_queue() override {
    if (unavailable) throw chat::StoreUnavailable("database down");
    return queue;
  }

  int calls = 0;
  chat::LeadQueue queue;
  chat::LeadQuery last_lead_query;
  chat::FeedbackQuery last_feedback_query;
  chat::TopQuestionsQuery last_top_questions_query;
  bool erased = false;
  bool unavailable = false;
  bool fail_after_batches = false;
  std::vector<std::vector<chat::ExportedMessage>> batches;
  chat::DateRange last_range;
  chat::SessionQuery last_session_query;
  chat::MessageQuery last_message_query;
};

class RecordingStream final : public chat::ResponseStream {
 public:
  void begin(int begun_status, const chat::Headers& begun_headers) override {
    status = begun_status;
    headers = begun_headers;
    began = true;
  }
  bool write(std::string_view data) override {
    body.append(data);
    ++writes;
    return true;
  }
  bool begun() const override { return began; }
  void abort() override { aborted = true; }

  int status = 0;
  chat::Headers headers;
  std::string body;
  int writes = 0;
  bool began = false;
  bool aborted = false;
};

class AdminApiTest : public ::testing::Test {
 protected:
  chat::Response call(const std::string& method, const std::string& path, const std::string& query = "",
                      const std::string& authorization = std::string("Bearer ") + kToken) {
    chat::Request request;
    request.method = method;
    request.path = path;
    request.query = query;
    request.authorization = authorization;
    request.stream = &stream_;
    return chat::handle_admin_request(request, context_);
  }

  static Json::Value body_of(const chat::Response& response) {
    const auto body = chat::json::parse_strict(response.body, nullptr);
    EXPECT_TRUE(body) << response.body;
    return body.value_or(Json::Value());
  }

  static std::string header(const chat::Headers& headers, const std::string& name) {
    for (const auto& [key, value] : headers) {
      if (key == name) return value;
    }
    return "";
  }

  void expect_error(const chat::Response& response, int status, const std::string& code) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(body_of(response)["error"]["code"].asString(), code);
  }

  FakeAdminStore store_;
  chat::AdminToken token_{std::string(kToken)};
  chat::AdminContext context_{store_, token_};
  RecordingStream stream_;
};

}  // namespace

TEST_F(AdminApiTest, WithoutTheRightTokenEverythingIs401AndTheStoreIsNotTouched) {
  for (const std::string& authorization : {std::string(), std::string("Bearer wrong-token-0123456789"),
                                           std::string("Basic ") + kToken}) {
    for (const auto& [method, path] : {std::pair<std::string, std::string>{"GET", "/admin/api/stats"},
                                       {"DELETE", "/admin/api/sessions/" + kSession},
                                       {"GET", "/admin/api/export.csv"},
                                       {"GET", "/admin/api/no-such-thing"}}) {
      const auto response = call(method, path, "", authorization);
      expect_error(response, 401, "unauthorized");
      EXPECT_EQ(header(response.headers, "WWW-Authenticate"), "Bearer realm=\"chat-admin\"");
    }
  }
  EXPECT_EQ(store_.calls, 0);
  EXPECT_FALSE(stream_.began);
}

TEST_F(AdminApiTest, WithoutAConfiguredTokenEvenAnEmptyBearerIs401) {
  const chat::AdminToken unset{std::nullopt};
  chat::AdminContext context{store_, unset};
  chat::Request request;
  request.method = "GET";
  request.path = "/admin/api/stats";
  request.authorization = "Bearer ";
  expect_error(chat::handle_admin_request(request, context), 401, "unauthorized");
  EXPECT_EQ(store_.calls, 0);
}

TEST_F(AdminApiTest, StatsHaveTheContractShape) {
  const auto response = call("GET", "/admin/api/stats", "from=2026-11-01&to=2026-11-30");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = body_of(response);
  EXPECT_EQ(body["sessions"].asInt(), 2);
  EXPECT_EQ(body["messages"].asInt(), 4);
  EXPECT_EQ(body["visitor_messages"].asInt(), 2);
  EXPECT_EQ(body["bot_messages"].asInt(), 2);
  for (const char* key : {"avg", "p50", "p95", "max"}) EXPECT_TRUE(body["response_time_ms"][key].isInt()) << key;
  EXPECT_EQ(body["response_time_ms"]["p95"].asInt(), 200);
  for (const char* key : {"model", "knowledge", "fallback", "cache"}) EXPECT_TRUE(body["sources"][key].isInt()) << key;
  ASSERT_EQ(body["per_day"].size(), 2u);
  EXPECT_EQ(body["per_day"][0]["date"].asString(), "2026-11-24");
  EXPECT_EQ(body["per_day"][0]["messages"].asInt(), 2);
  EXPECT_EQ(chat::format_date(*store_.last_range.from), "2026-11-01");
}

TEST_F(AdminApiTest, SessionsAndMessagesPages) {
  auto response = call("GET", "/admin/api/sessions/", "q=thanks&limit=10&offset=20");
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = body_of(response);
  EXPECT_EQ(body["total"].asInt(), 1000);
  EXPECT_TRUE(body["total_capped"].asBool());
  const auto& session = body["sessions"][0];
  EXPECT_EQ(session["session_id"].asString(), kSession);
  EXPECT_EQ(session["message_count"].asInt(), 4);
  EXPECT_EQ(session["visitor_info"]["name"].asString(), "Ada");
  EXPECT_FALSE(session["visitor_info"].isMember("email"));
  EXPECT_EQ(session["last_message"].asString(), "Thanks!");
  EXPECT_EQ(store_.last_session_query.page.limit, 10);
  EXPECT_EQ(store_.last_session_query.page.offset, 20);
  EXPECT_EQ(store_.last_session_query.search, "+thanks*");

  response = call("GET", "/admin/api/messages", "sender=bot");
  ASSERT_EQ(response.status, 200) << response.body;
  body = body_of(response);
  EXPECT_EQ(body["total"].asInt(), 1);
  EXPECT_TRUE(body["total_capped"].isBool());
  EXPECT_FALSE(body["total_capped"].asBool());
  const auto& message = body["messages"][0];
  EXPECT_EQ(message["id"].asInt(), 42);
  EXPECT_EQ(message["session_id"].asString(), kSession);
  EXPECT_EQ(message["sender"].asString(), "bot");
  EXPECT_EQ(message["message"].asString(), "Hello");
  EXPECT_EQ(message["response_time_ms"].asInt(), 812);
  EXPECT_EQ(message["source"].asString(), "model");
  EXPECT_EQ(store_.last_message_query.sender, chat::Sender::bot);
}

TEST_F(AdminApiTest, LeadsFeedbackAndTopQuestionsHaveTheContractShape) {
  auto body = body_of(call("GET", "/admin/api/leads", "from=2026-11-01&limit=5&offset=10"));
  EXPECT_EQ(body["total"].asInt(), 1);
  const auto& lead = body["leads"][0];
  EXPECT_EQ(lead["id"].asInt(), 7);
  EXPECT_EQ(lead["session_id"].asString(), kSession);
  for (const char* key : {"name", "email", "message", "created_at"}) EXPECT_TRUE(lead[key].isString()) << key;
  EXPECT_TRUE(lead["delivered"].asBool());
  EXPECT_EQ(store_.last_lead_query.page.limit, 5);
  EXPECT_EQ(store_.last_lead_query.page.offset, 10);

  body = body_of(call("GET", "/admin/api/feedback/", "rating=down"));
  EXPECT_EQ(body["total"].asInt(), 1);
  const auto& rated = body["feedback"][0];
  EXPECT_EQ(rated["message_id"].asInt(), 42);
  EXPECT_EQ(rated["rating"].asString(), "down");
  EXPECT_TRUE(rated["comment"].isNull());
  EXPECT_EQ(rated["answer"].asString(), "An answer");
  EXPECT_EQ(store_.last_feedback_query.rating, "down");

  body = body_of(call("GET", "/admin/api/top-questions", "to=2026-11-30"));
  ASSERT_EQ(body["questions"].size(), 2u);
  EXPECT_EQ(body["questions"][0]["question"].asString(), "What do you charge?");
  EXPECT_EQ(body["questions"][0]["count"].asInt(), 3);
  EXPECT_EQ(store_.last_top_questions_query.limit, 10);

  body = body_of(call("GET", "/admin/api/stats"));
  EXPECT_TRUE(body["feedback"]["up"].isInt());
  EXPECT_TRUE(body["feedback"]["down"].isInt());
  EXPECT_TRUE(body["feedback_per_day"].isArray());
  EXPECT_TRUE(body["leads"].isInt());
}

TEST_F(AdminApiTest, BadParametersAre400) {
  expect_error(call("GET", "/admin/api/feedback", "rating=meh"), 400, "bad_request");
  expect_error(call("GET", "/admin/api/top-questions", "limit=501"), 400, "bad_request");
  expect_error(call("GET", "/admin/api/top-questions", "offset=1"), 400, "bad_request");
  expect_error(call("GET", "/admin/api/leads", "q=ada"), 400, "bad_request");
  expect_error(call("GET", "/admin/api/stats", "from=2026-13-01"), 400, "bad_request");
  expect_error(call("GET", "/admin/api/sessions", "limit=501"), 400, "bad_request");
  expect_error(call("GET", "/admin/api/messages", "sender=nobody"), 400, "bad_request");
  expect_error(call("GET", "/admin/api/export.csv", "to=soon"), 400, "bad_request");
  expect_error(call("GET", "/admin/api/sessions/not-a-uuid"), 400, "bad_request");
  EXPECT_EQ(store_.calls, 0);
  EXPECT_FALSE(stream_.began);
}

TEST_F(AdminApiTest, UnknownPathsAre404AndWrongMethods405) {
  expect_error(call("GET", "/admin/api/nothing"), 404, "not_found");
  expect_error(call("GET", "/admin/api/"), 404, "not_found");
  auto response = call("POST", "/admin/api/stats");
  expect_error(response, 405, "method_not_allowed");
  EXPECT_EQ(header(response.headers, "Allow"), "GET");
  response = call("PUT", "/admin/api/sessions/" + kSession);
  expect_error(response, 405, "method_not_allowed");
  EXPECT_EQ(header(response.headers, "Allow"), "GET, DELETE");
}

TEST_F(AdminApiTest, TranscriptThenEraseThen404) {
  std::string upper = kSession;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto response = call("GET", "/admin/api/sessions/" + upper);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(body_of(response)["messages"][0]["message"].asString(), "hi");

  response = call("DELETE", "/admin/api/sessions/" + kSession);
  EXPECT_EQ(response.status, 204);
  EXPECT_TRUE(response.body.empty());
  expect_error(call("GET", "/admin/api/sessions/" + kSession), 404, "not_found");
  expect_error(call("DELETE", "/admin/api/sessions/" + kSession), 404, "not_found");
}

TEST_F(AdminApiTest, DatabaseUnavailableIs503) {
  store_.unavailable = true;
  expect_error(call("GET", "/admin/api/export.csv"), 503, "unavailable");
  EXPECT_FALSE(stream_.began);
}

TEST_F(AdminApiTest, ExportStreamsCsvWithAHeaderRowAndQuoting) {
  chat::ExportedMessage plain{{kSession, {1, chat::Sender::visitor, "Hi, \"bot\"\nline two", "2026-11-25T21:00:00.000Z",
                                          std::nullopt, std::nullopt}},
                              {std::string("Ada"), std::string("ada@example.com")}};
  chat::ExportedMessage answer{{kSession, {2, chat::Sender::bot, "caf\xC3\xA9", "2026-11-25T21:00:01.000Z", 812,
                                           chat::Source::model}},
                               {}};
  store_.batches = {{plain}, {answer}};
  call("GET", "/admin/api/export.csv", "from=2026-11-25&to=2026-11-25");
  ASSERT_TRUE(stream_.began);
  EXPECT_EQ(stream_.status, 200);
  EXPECT_EQ(header(stream_.headers, "Content-Type"), "text/csv; charset=utf-8; header=present");
  EXPECT_EQ(header(stream_.headers, "Content-Disposition"),
            "attachment; filename=\"chat-messages-from-2026-11-25-to-2026-11-25.csv\"");
  EXPECT_EQ(header(stream_.headers, "X-Accel-Buffering"), "no");
  EXPECT_EQ(stream_.body,
            std::string(chat::kExportHeader) +
                "1," + kSession + ",2026-11-25T21:00:00.000Z,visitor,\"Hi, \"\"bot\"\"\nline two\",,,Ada,ada@example.com\r\n"
                "2," + kSession + ",2026-11-25T21:00:01.000Z,bot,caf\xC3\xA9,812,model,,\r\n");
  EXPECT_EQ(stream_.writes, 3);  // the header row, then one piece a batch
  EXPECT_FALSE(stream_.aborted);
}

TEST_F(AdminApiTest, AnEmptyExportIsTheHeaderRow) {
  call("GET", "/admin/api/export.csv");
  ASSERT_TRUE(stream_.began);
  EXPECT_EQ(stream_.body, chat::kExportHeader);
  EXPECT_EQ(header(stream_.headers, "Content-Disposition"), "attachment; filename=\"chat-messages.csv\"");
}

TEST_F(AdminApiTest, AFailureAfterTheExportBeganAbortsTheStream) {
  store_.batches = {{{{kSession, {1, chat::Sender::visitor, "hi", "2026-11-25T21:00:00.000Z", std::nullopt, std::nullopt}}, {}}}};
  store_.fail_after_batches = true;
  call("GET", "/admin/api/export.csv");
  EXPECT_TRUE(stream_.began);
  EXPECT_TRUE(stream_.aborted);
}

// GET /metrics of chat-admin: no token (nginx's allowlist guards it), the lead queue by state,
// each background job's lag (lead delivery only when it runs).
class AdminMetricsTest : public AdminApiTest {
 protected:
  chat::Response scrape(bool lead_delivery, const std::string& method = "GET") {
    chat::Request request;
    request.method = method;
    request.path = std::string(chat::kAdminMetricsPath);
    return chat::handle_admin_metrics(request, {store_, lag_, lead_delivery});
  }
  static bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
  }

  chat::BackgroundLag lag_;
};

TEST_F(AdminMetricsTest, RendersTheLeadQueueByStateAndTheJobsLag) {
  store_.queue = {2, 1, 40, 3, 90.5};
  const chat::Response response = scrape(/*lead_delivery=*/true);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(header(response.headers, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = response.body;
  EXPECT_TRUE(text.starts_with("# HELP chat_admin_up "));
  EXPECT_TRUE(has_line(text, "chat_admin_up 1"));
  EXPECT_TRUE(has_line(text, "# TYPE chat_lead_delivery_queue gauge"));
  EXPECT_TRUE(has_line(text, "chat_lead_delivery_queue{state=\"due\"} 2"));
  EXPECT_TRUE(has_line(text, "chat_lead_delivery_queue{state=\"scheduled\"} 1"));
  EXPECT_TRUE(has_line(text, "chat_lead_delivery_queue{state=\"delivered\"} 40"));
  EXPECT_TRUE(has_line(text, "chat_lead_delivery_queue{state=\"given_up\"} 3"));
  EXPECT_TRUE(has_line(text, "chat_lead_delivery_oldest_waiting_seconds 90.5"));
  for (const char* job : {"stats_rollups", "expired_rows", "search_index", "lead_delivery"}) {
    EXPECT_NE(text.find("chat_background_job_lag_seconds{job=\"" + std::string(job) + "\"} "), std::string::npos) << job;
  }
}

TEST_F(AdminMetricsTest, LeavesOutLeadDeliveryWhenItDoesNotRunAndTheQueueWhenTheDatabaseIsDown) {
  store_.unavailable = true;
  const std::string text = scrape(/*lead_delivery=*/false).body;
  EXPECT_TRUE(has_line(text, "chat_admin_up 1"));
  EXPECT_EQ(text.find("chat_lead_delivery_queue"), std::string::npos);
  EXPECT_EQ(text.find("job=\"lead_delivery\""), std::string::npos);
  EXPECT_NE(text.find("chat_background_job_lag_seconds{job=\"search_index\"} "), std::string::npos);
  EXPECT_EQ(scrape(true, "POST").status, 405);
}

TEST(BackgroundLagTest, ALagStartsAtTheProcessStartAndRestartsAtEachSuccess) {
  chat::BackgroundLag lag;
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_GE(lag.seconds_since_success(chat::BackgroundJob::rollups), 0.03);
  lag.succeeded(chat::BackgroundJob::rollups);
  // No bound between two calls that a loaded machine could break: the restarted lag is read
  // first, and is still at least the 30 ms (the age of the start) below the other one.
  const double restarted = lag.seconds_since_success(chat::BackgroundJob::rollups);
  const double stale = lag.seconds_since_success(chat::BackgroundJob::search_index);
  EXPECT_LT(restarted, 5.0);
  EXPECT_GE(stale, 0.03);
  EXPECT_GE(stale - restarted, 0.029);  // 30 ms, less a rounding of the microseconds
}
