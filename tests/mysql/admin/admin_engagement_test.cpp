// The admin's engagement reports against a real MariaDB: leads, ratings with their answers, the
// top questions and the counts in the statistics. Each test writes in a year of its own (cleared
// first), as the other admin store tests do.
#include <gtest/gtest.h>

#include "admin_mysql_store.h"
#include "test_database.h"
#include "test_rows.h"

namespace {

using chat::testing::test_database;

chat::DateRange year(int number) {
  const std::string text = std::to_string(number);
  return {chat::parse_date(text + "-01-01"), chat::parse_date(text + "-12-31")};
}

class AdminEngagementTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { chat::testing::migrate_test_database(); }

  void clear_year(int number) {
    const std::string first = std::to_string(number) + "-01-01", next = std::to_string(number + 1) + "-01-01";
    for (const char* query : {"DELETE FROM chat_sessions WHERE created_at >= ? AND created_at < ?",
                              "DELETE FROM leads WHERE created_at >= ? AND created_at < ?"}) {
      auto& statement = writer_.statement(query);
      statement.setString(1, first);
      statement.setString(2, next);
      statement.executeUpdate();
    }
  }

  std::int64_t add_lead(const std::optional<std::string>& session_id, const std::string& name, const std::string& at,
                        bool delivered = false) {
    auto& insert = writer_.statement(
        "INSERT INTO leads (session_id, name, email, message, created_at, delivered_at) "
        "VALUES (?, ?, 'lead@example.com', 'Call me', ?, IF(?, ?, NULL))");
    session_id ? insert.setString(1, *session_id) : insert.setNull(1, 0);
    insert.setString(2, name);
    insert.setString(3, at);
    insert.setBoolean(4, delivered);
    insert.setString(5, at);
    insert.executeUpdate();
    std::unique_ptr<sql::ResultSet> id(writer_.statement("SELECT LAST_INSERT_ID()").executeQuery());
    id->next();
    return id->getInt64(1);
  }

  // Rates the bot message answering `question` in the session.
  void rate(const std::string& session_id, const std::string& question, const std::string& rating,
            const std::optional<std::string>& comment, const std::string& at) {
    auto& insert = writer_.statement(
        "INSERT INTO message_feedback (message_id, rating, comment, created_at) "
        "SELECT id, ?, ?, ? FROM chat_messages WHERE session_id = ? AND sender = 'bot' AND message = ?");
    insert.setString(1, rating);
    comment ? insert.setString(2, *comment) : insert.setNull(2, 0);
    insert.setString(3, at);
    insert.setString(4, session_id);
    insert.setString(5, "Answer to " + question);
    ASSERT_EQ(insert.executeUpdate(), 1);
  }

  chat::MysqlThreadScope thread_;
  chat::MysqlConnection writer_{test_database()};
  chat::MysqlAdminStore store_{test_database(), test_database()};
};

}  // namespace

TEST_F(AdminEngagementTest, LeadsNewestFirstInPagesWithTheirDelivery) {
  clear_year(2301);
  const std::string session = chat::testing::add_session(writer_, "2301-05-01 10:00:00.000");
  const std::int64_t old = add_lead(session, "Ada", "2301-05-01 10:01:00.000", true);
  const std::int64_t recent = add_lead(std::nullopt, "Bo", "2301-06-01 09:00:00.000");
  add_lead(std::nullopt, "Out of range", "2302-01-01 00:00:00.000");

  const auto page = store_.leads({year(2301), {1, 0}});
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.leads.size(), 1u);
  EXPECT_EQ(page.leads[0].id, recent);
  EXPECT_EQ(page.leads[0].name, "Bo");
  EXPECT_FALSE(page.leads[0].session_id);
  EXPECT_FALSE(page.leads[0].delivered);
  EXPECT_EQ(page.leads[0].created_at, "2301-06-01T09:00:00.000Z");
  const auto second = store_.leads({year(2301), {1, 1}});
  ASSERT_EQ(second.leads.size(), 1u);
  EXPECT_EQ(second.leads[0].id, old);
  EXPECT_EQ(second.leads[0].session_id, session);
  EXPECT_TRUE(second.leads[0].delivered);
}

TEST_F(AdminEngagementTest, FeedbackFilteredByRatingComesWithTheAnswer) {
  clear_year(2303);
  const std::string session = chat::testing::add_session(writer_, "2303-02-01 10:00:00.000");
  chat::testing::add_exchange(writer_, session, "liked", "2303-02-01 10:00:00.000", 100, "model");
  chat::testing::add_exchange(writer_, session, "disliked", "2303-02-01 10:01:00.000", 100, "knowledge");
  rate(session, "liked", "up", std::nullopt, "2303-02-01 10:02:00.000");
  rate(session, "disliked", "down", "Too vague", "2303-02-01 10:03:00.000");

  const auto all = store_.feedback({year(2303), {}, std::nullopt});
  EXPECT_EQ(all.total, 2);
  ASSERT_EQ(all.feedback.size(), 2u);
  EXPECT_EQ(all.feedback[0].rating, "down");  // newest first
  const auto down = store_.feedback({year(2303), {}, std::string("down")});
  EXPECT_EQ(down.total, 1);
  ASSERT_EQ(down.feedback.size(), 1u);
  EXPECT_EQ(down.feedback[0].session_id, session);
  EXPECT_EQ(down.feedback[0].comment, std::optional<std::string>("Too vague"));
  EXPECT_EQ(down.feedback[0].answer, "Answer to disliked");
  EXPECT_EQ(down.feedback[0].created_at, "2303-02-01T10:03:00.000Z");

  const auto stats = store_.stats(year(2303));
  EXPECT_EQ(stats.feedback_up, 1);
  EXPECT_EQ(stats.feedback_down, 1);
  EXPECT_EQ(stats.leads, 0);
  ASSERT_EQ(stats.feedback_per_day.size(), 1u);
  EXPECT_EQ(stats.feedback_per_day[0].date, "2303-02-01");
  EXPECT_EQ(stats.feedback_per_day[0].up, 1);
  EXPECT_EQ(stats.feedback_per_day[0].down, 1);
}

TEST_F(AdminEngagementTest, TopQuestionsGroupWordingsThatDifferInCasePunctuationAndSpacing) {
  clear_year(2305);
  const std::string session = chat::testing::add_session(writer_, "2305-03-01 10:00:00.000");
  for (const char* question : {"What do you charge?", "what do you charge", "What  do you charge ?!",
                               "Who are you?", "Who are you", "Where are you?"}) {
    chat::testing::add_message(writer_, session, "visitor", question, "2305-03-01 10:00:00.000");
  }
  chat::testing::add_message(writer_, session, "bot", "What do you charge?", "2305-03-01 10:00:00.000");
  chat::testing::add_message(writer_, session, "visitor", "Where are you?", "2306-01-01 00:00:00.000");

  const auto top = store_.top_questions({year(2305), 2});
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].count, 3);
  EXPECT_EQ(top[0].question.substr(0, 4), "What");
  EXPECT_EQ(top[1].count, 2);
  EXPECT_EQ(top[1].question.substr(0, 3), "Who");
  EXPECT_EQ(store_.top_questions({year(2305), 10}).size(), 3u);
}
