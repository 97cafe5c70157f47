// The AdminStore's queries and the retention purge against a real MariaDB
// (CHAT_TEST_DATABASE_URL, which scripts/test provides). Tests may run in parallel on one
// database, so each writes its rows in a year of its own (cleared first, for reruns on the same
// database) and searches for words of its own.
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <set>

#include "admin_mysql_stats.h"
#include "admin_mysql_store.h"
#include "admin_retention.h"
#include "migrations.h"
#include "search/admin_fulltext.h"
#include "search/message_search_index.h"
#include "test_database.h"
#include "test_rows.h"
#include "uuid.h"

namespace {

using chat::testing::test_database;

chat::DateRange days(const char* from, const char* to) {
  return {chat::parse_date(from), chat::parse_date(to)};
}

// A word no other test (or run) uses, for full-text searches.
std::string unique_word() {
  std::string word = "w" + chat::new_uuid_v4().substr(0, 8);
  return word;
}

class AdminStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { chat::testing::migrate_test_database(); }

  std::string add_session(const std::string& created_at, const std::optional<std::string>& name = {},
                          const std::optional<std::string>& email = {}) {
    return chat::testing::add_session(writer_, created_at, name, email);
  }

  void add_message(const std::string& session_id, const std::string& sender, const std::string& text,
                   const std::string& created_at, std::optional<int> response_time_ms = {},
                   const std::optional<std::string>& source = {}) {
    chat::testing::add_message(writer_, session_id, sender, text, created_at, response_time_ms, source);
  }

  void add_exchange(const std::string& session_id, const std::string& question, const std::string& asked_at,
                    int response_time_ms, const std::string& source) {
    chat::testing::add_exchange(writer_, session_id, question, asked_at, response_time_ms, source);
  }

  // Erases what an earlier run of the same test left in its year.
  // Each DELETE reads (and locks) a range of an index: a scan of the whole table would lock every
  // row and deadlock with the other tests' writes.
  void clear_year(int year) {
    const std::string first = std::to_string(year) + "-01-01", next = std::to_string(year + 1) + "-01-01";
    for (const char* query : {"DELETE FROM chat_sessions WHERE created_at >= ? AND created_at < ?",
                              "DELETE FROM chat_stats_daily WHERE day >= ? AND day < ?",
                              "DELETE FROM chat_stats_response_times WHERE day >= ? AND day < ?"}) {
      auto& statement = writer_.statement(query);
      statement.setString(1, first);
      statement.setString(2, next);
      statement.executeUpdate();
    }
  }

  std::int64_t count(const std::string& query) {
    std::unique_ptr<sql::ResultSet> rows(writer_.statement(query).executeQuery());
    rows->next();
    return rows->getInt64(1);
  }

  chat::MysqlThreadScope thread_;
  chat::MysqlConnection writer_{test_database()};
  chat::MysqlAdminStore store_{test_database(), test_database()};
};

}  // namespace

TEST_F(AdminStoreTest, StatsCountPercentilesSourcesAndEveryDay) {
  clear_year(2001);
  const std::string a = add_session("2001-03-01 10:00:00.000");
  const std::string b = add_session("2001-03-03 23:59:59.999");
  add_exchange(a, "one", "2001-03-01 10:00:00.000", 100, "model");
  add_exchange(a, "two", "2001-03-01 10:05:00.000", 300, "knowledge");
  add_exchange(b, "three", "2001-03-03 23:59:59.999", 200, "fallback");
  add_exchange(b, "four", "2001-03-03 23:59:59.999", 4000, "model");
  add_session("2001-03-04 00:00:00.000");  // the day after the range

  const auto stats = store_.stats(days("2001-03-01", "2001-03-03"));
  EXPECT_EQ(stats.sessions, 2);
  EXPECT_EQ(stats.messages, 8);
  EXPECT_EQ(stats.visitor_messages, 4);
  EXPECT_EQ(stats.bot_messages, 4);
  EXPECT_EQ(stats.response_time.avg, (100 + 300 + 200 + 4000) / 4);
  EXPECT_EQ(stats.response_time.p50, 200);   // nearest rank 2 of 4
  EXPECT_EQ(stats.response_time.p95, 4000);  // rank 4 of 4
  EXPECT_EQ(stats.response_time.max, 4000);
  EXPECT_EQ(stats.sources.at(chat::Source::model), 2);
  EXPECT_EQ(stats.sources.at(chat::Source::knowledge), 1);
  EXPECT_EQ(stats.sources.at(chat::Source::fallback), 1);
  EXPECT_EQ(stats.sources.at(chat::Source::cache), 0);
  ASSERT_EQ(stats.per_day.size(), 3u);
  EXPECT_EQ(stats.per_day[0].date, "2001-03-01");
  EXPECT_EQ(stats.per_day[0].sessions, 1);
  EXPECT_EQ(stats.per_day[0].messages, 4);
  EXPECT_EQ(stats.per_day[1].messages, 0);
  EXPECT_EQ(stats.per_day[2].date, "2001-03-03");
  EXPECT_EQ(stats.per_day[2].messages, 4);

  const auto one_day = store_.stats(days("2001-03-03", "2001-03-03"));
  EXPECT_EQ(one_day.sessions, 1);
  EXPECT_EQ(one_day.messages, 4);
  EXPECT_EQ(one_day.response_time.p50, 200);
}

TEST_F(AdminStoreTest, StatsOfAnEmptyRangeAreZeros) {
  clear_year(1970);
  const auto stats = store_.stats(days("1970-01-01", "1970-01-02"));
  EXPECT_EQ(stats.sessions, 0);
  EXPECT_EQ(stats.messages, 0);
  EXPECT_FALSE(stats.response_time.p50);
  EXPECT_EQ(stats.sources.size(), 4u);
  EXPECT_TRUE(stats.per_day.empty());
}

TEST_F(AdminStoreTest, SessionsNewestFirstWithTotalsAndPages) {
  clear_year(2002);
  const std::string older = add_session("2002-05-01 08:00:00.000", std::string("Ada"));
  const std::string newer = add_session("2002-05-02 08:00:00.000");
  const std::string newest = add_session("2002-05-03 08:00:00.000");
  add_exchange(older, "first question", "2002-05-01 08:00:00.000", 10, "knowledge");
  add_message(older, "visitor", "last words", "2002-05-01 08:01:00.000");

  chat::SessionQuery query{days("2002-05-01", "2002-05-03"), {2, 0}, std::nullopt};
  auto page = store_.sessions(query);
  EXPECT_EQ(page.total, 3);
  ASSERT_EQ(page.sessions.size(), 2u);
  EXPECT_EQ(page.sessions[0].session_id, newest);
  EXPECT_EQ(page.sessions[1].session_id, newer);
  EXPECT_EQ(page.sessions[1].message_count, 0);
  EXPECT_FALSE(page.sessions[1].last_message);

  query.page.offset = 2;
  page = store_.sessions(query);
  EXPECT_EQ(page.total, 3);
  ASSERT_EQ(page.sessions.size(), 1u);
  EXPECT_EQ(page.sessions[0].session_id, older);
  EXPECT_EQ(page.sessions[0].message_count, 3);
  EXPECT_EQ(page.sessions[0].last_message, "last words");
  EXPECT_EQ(page.sessions[0].visitor.name, "Ada");
  EXPECT_TRUE(page.sessions[0].created_at.starts_with("2002-05-01T08:00:00")) << page.sessions[0].created_at;
  EXPECT_TRUE(page.sessions[0].updated_at.starts_with("2002-05-01T08:01:00")) << page.sessions[0].updated_at;
  EXPECT_TRUE(page.sessions[0].updated_at.ends_with("Z"));
}

TEST_F(AdminStoreTest, SessionSearchFindsMessageTextAndVisitorNameOrEmail) {
  clear_year(2003);
  const std::string word = unique_word();
  const std::string by_text = add_session("2003-01-01 00:00:00.000");
  add_message(by_text, "visitor", "Do you know " + word + " pricing?", "2003-01-01 00:00:00.000");
  const std::string by_name = add_session("2003-01-02 00:00:00.000", "Grace " + word);
  const std::string by_email = add_session("2003-01-03 00:00:00.000", std::nullopt, word + "@example.com");
  add_session("2003-01-04 00:00:00.000", std::string("Someone Else"));

  const auto search = [&](const std::string& q) {
    return store_.sessions({days("2003-01-01", "2003-01-31"), {}, chat::fulltext_boolean_query(q)});
  };
  auto page = search(word);
  EXPECT_EQ(page.total, 3);
  ASSERT_EQ(page.sessions.size(), 3u);
  EXPECT_EQ(page.sessions[0].session_id, by_email);
  EXPECT_EQ(page.sessions[1].session_id, by_name);
  EXPECT_EQ(page.sessions[2].session_id, by_text);
  EXPECT_EQ(search(word.substr(0, 6)).total, 3);        // a prefix finds them too
  EXPECT_EQ(search(word + " pricing").total, 1);         // every word must match
  EXPECT_EQ(search(word + "@example.com").total, 1);
  EXPECT_EQ(store_.sessions({days("2003-01-02", "2003-01-02"), {}, chat::fulltext_boolean_query(word)}).total, 1);
}

TEST_F(AdminStoreTest, MessagesFilterBySenderTextAndDateNewestFirst) {
  clear_year(2004);
  const std::string word = unique_word();
  const std::string session = add_session("2004-06-01 00:00:00.000");
  add_message(session, "visitor", "Is " + word + " supported?", "2004-06-01 09:00:00.000");
  add_message(session, "bot", "Yes, " + word + " is supported.", "2004-06-01 09:00:01.000", 900, "model");
  add_message(session, "visitor", "Thanks, bye " + word, "2004-06-02 09:00:00.000");

  const auto find = [&](std::optional<chat::Sender> sender, const char* from, const char* to) {
    return store_.messages({days(from, to), {}, chat::fulltext_boolean_query(word), std::move(sender)});
  };
  auto page = find(std::nullopt, "2004-06-01", "2004-06-30");
  EXPECT_EQ(page.total, 3);
  ASSERT_EQ(page.messages.size(), 3u);
  EXPECT_EQ(page.messages[0].message.text, "Thanks, bye " + word);
  EXPECT_EQ(page.messages[1].message.sender, chat::Sender::bot);
  EXPECT_EQ(page.messages[1].message.response_time_ms, 900);
  EXPECT_EQ(page.messages[1].message.source, chat::Source::model);
  EXPECT_EQ(page.messages[1].session_id, session);
  EXPECT_EQ(find(chat::Sender::visitor, "2004-06-01", "2004-06-30").total, 2);
  EXPECT_EQ(find(chat::Sender::bot, "2004-06-01", "2004-06-30").total, 1);
  EXPECT_EQ(find(std::nullopt, "2004-06-02", "2004-06-02").total, 1);

  const auto unfiltered = store_.messages({days("2004-06-01", "2004-06-01"), {1, 1}, std::nullopt, std::nullopt});
  EXPECT_EQ(unfiltered.total, 2);
  ASSERT_EQ(unfiltered.messages.size(), 1u);
  EXPECT_EQ(unfiltered.messages[0].message.sender, chat::Sender::visitor);  // the second newest
}

TEST_F(AdminStoreTest, SearchMatchesAccentsAndCaseLoosely) {
  clear_year(2005);
  const std::string word = unique_word();
  const std::string session = add_session("2005-01-01 00:00:00.000");
  add_message(session, "visitor", "Ça coûte combien " + word + " ? 日本語", "2005-01-01 00:00:00.000");
  const chat::DateRange range = days("2005-01-01", "2005-01-01");
  EXPECT_EQ(store_.messages({range, {}, chat::fulltext_boolean_query("COUTE " + word), {}}).total, 1);
  EXPECT_EQ(store_.messages({range, {}, chat::fulltext_boolean_query("日本語"), {}}).total, 1);
}

// Words start where InnoDB's full-text parser starts them, with or without the index: a range
// this short is scanned whole (admin_search_scan.h), and finds what MATCH finds.
TEST_F(AdminStoreTest, SearchWordsStartWhereTheFulltextIndexStartsThem) {
  clear_year(2012);
  const std::string word = unique_word();
  const auto upper = [](std::string text) {
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
  };
  const std::string session = add_session("2012-01-01 00:00:00.000");
  const std::vector<std::string> texts = {
      "(" + word + ") in brackets",     "'" + word + "' quoted",          word + "'s prefix",
      "x" + word + " glued",            "o'" + word + " apostrophe",      "o''" + word + " two of them",
      "snake_" + word + " one word",    "dash-" + word + " two words",    "Ça—" + word + " dash",
      "trailing " + word + "suffix",    "UPPER " + upper(word), "nothing here"};
  for (std::size_t i = 0; i < texts.size(); ++i) {
    add_message(session, "visitor", texts[i], "2012-01-01 00:00:0" + std::to_string(i % 10) + ".00" + std::to_string(i / 10));
  }
  const chat::DateRange range = days("2012-01-01", "2012-01-01");
  const auto page = store_.messages({range, {}, chat::fulltext_boolean_query(word), {}});
  ASSERT_TRUE(chat::index_new_messages(writer_, std::chrono::seconds(30)));
  const std::int64_t by_index = count(
      "SELECT COUNT(*) FROM chat_message_search WHERE MATCH(message) AGAINST ('+" + word + "*' IN BOOLEAN MODE)");
  EXPECT_EQ(page.total, by_index);
  EXPECT_EQ(page.total, 9);
  std::set<std::string> found;
  for (const auto& message : page.messages) found.insert(message.message.text);
  for (const auto* glued : {&texts[3], &texts[6], &texts[11]}) EXPECT_FALSE(found.contains(*glued)) << *glued;
}

// A common word is counted up to the cap and paged newest first by scanning; a rare one, in a
// range too long to scan, with the FULLTEXT indexes; one that is common only among the newest
// rows, paged by scanning and counted with the index. All three answer the same as a plain scan.
TEST_F(AdminStoreTest, SearchCountsUpToTheCapAndFindsRareWordsWithTheIndex) {
  clear_year(2013);
  const std::string common = unique_word(), rare = unique_word(), recent = unique_word();
  constexpr int kSessions = 1250;
  // Written set-wise, in a few short statements: a long transaction would hold up (and deadlock)
  // the other tests' clear_year.
  writer_.execute(
      "INSERT INTO chat_sessions (id, created_at, updated_at) SELECT UUID(), t, t FROM (SELECT '2013-01-01' "
      "+ INTERVAL seq DIV 100 DAY + INTERVAL seq MOD 100 DIV 10 HOUR + INTERVAL seq MOD 10 MINUTE AS t "
      "FROM seq_0_to_1249) times");
  std::vector<std::string> sessions;
  {
    std::unique_ptr<sql::ResultSet> rows(
        writer_.statement("SELECT id FROM chat_sessions WHERE YEAR(created_at) = 2013 ORDER BY created_at").executeQuery());
    while (rows->next()) sessions.push_back(rows->getString(1));
  }
  ASSERT_EQ(sessions.size(), static_cast<std::size_t>(kSessions));
  auto& named = writer_.statement("UPDATE chat_sessions SET visitor_name = ? WHERE id = ?");
  named.setString(1, "Ada " + rare);
  named.setString(2, sessions[800]);
  named.executeUpdate();
  auto& messages_of = writer_.statement(
      "INSERT INTO chat_messages (session_id, sender, message, created_at, response_time_ms, source) "
      "SELECT s.id, IF(k.seq = 0, 'visitor', 'bot'), IF(k.seq = 0, CONCAT('Question ', s.n, ' about ', ?, "
      "IF(s.n IN (10, 600, 1200), CONCAT(' and ', ?), ''), IF(s.n = 700, CONCAT(' and x', ?), '')), "
      "IF(s.n >= 1190, CONCAT('Answer with ', ?), 'Answer')), s.created_at, IF(k.seq = 0, NULL, 5), "
      "IF(k.seq = 0, NULL, 'model') "
      "FROM (SELECT id, created_at, ROW_NUMBER() OVER (ORDER BY created_at) - 1 AS n FROM chat_sessions "
      "WHERE YEAR(created_at) = 2013) s JOIN seq_0_to_1 k ORDER BY s.created_at, k.seq");
  for (int i : {1, 2, 3, 4}) messages_of.setString(i, i == 1 ? common : i == 4 ? recent : rare);
  messages_of.executeUpdate();
  const chat::DateRange range = days("2013-01-01", "2013-01-31");
  const auto messages = [&](const std::string& q, chat::Page page = {}, std::optional<chat::Sender> sender = {}) {
    return store_.messages({range, page, chat::fulltext_boolean_query(q), std::move(sender)});
  };
  const auto sessions_found = [&](const std::string& q, chat::Page page = {}) {
    return store_.sessions({range, page, chat::fulltext_boolean_query(q)});
  };

  auto page = messages(common);
  EXPECT_EQ(page.total, 1000);
  EXPECT_TRUE(page.total_capped);
  ASSERT_EQ(page.messages.size(), 50u);
  EXPECT_EQ(page.messages[0].session_id, sessions[kSessions - 1]);
  EXPECT_EQ(page.messages[49].session_id, sessions[kSessions - 50]);
  page = messages(common, {50, 1200});
  EXPECT_TRUE(page.total_capped);
  ASSERT_EQ(page.messages.size(), 50u);
  EXPECT_EQ(page.messages[0].session_id, sessions[49]);
  EXPECT_EQ(page.messages[49].session_id, sessions[0]);
  page = messages(common, {}, chat::Sender::bot);
  EXPECT_EQ(page.total, 0);
  EXPECT_FALSE(page.total_capped);

  page = messages(rare);
  EXPECT_EQ(page.total, 3);
  EXPECT_FALSE(page.total_capped);
  ASSERT_EQ(page.messages.size(), 3u);
  EXPECT_EQ(page.messages[0].session_id, sessions[1200]);
  EXPECT_EQ(page.messages[2].session_id, sessions[10]);
  EXPECT_EQ(messages(rare, {1, 1}).messages.at(0).session_id, sessions[600]);

  page = messages(recent, {10, 0});
  EXPECT_EQ(page.total, 60);
  EXPECT_FALSE(page.total_capped);
  ASSERT_EQ(page.messages.size(), 10u);
  EXPECT_EQ(page.messages[0].session_id, sessions[kSessions - 1]);
  EXPECT_EQ(page.messages[0].message.sender, chat::Sender::bot);

  auto found = sessions_found(common);
  EXPECT_EQ(found.total, 1000);
  EXPECT_TRUE(found.total_capped);
  ASSERT_EQ(found.sessions.size(), 50u);
  EXPECT_EQ(found.sessions[0].session_id, sessions[kSessions - 1]);
  EXPECT_EQ(found.sessions[0].message_count, 2);
  EXPECT_EQ(found.sessions[49].session_id, sessions[kSessions - 50]);

  found = sessions_found(rare);  // three by a message, one by the visitor's name
  EXPECT_EQ(found.total, 4);
  ASSERT_EQ(found.sessions.size(), 4u);
  EXPECT_EQ(found.sessions[0].session_id, sessions[1200]);
  EXPECT_EQ(found.sessions[1].session_id, sessions[800]);
  EXPECT_EQ(found.sessions[3].session_id, sessions[10]);

  found = sessions_found(recent, {5, 0});
  EXPECT_EQ(found.total, 60);
  ASSERT_EQ(found.sessions.size(), 5u);
  EXPECT_EQ(found.sessions[4].session_id, sessions[kSessions - 5]);
  EXPECT_EQ(sessions_found(common + " " + rare).total, 3);
}

TEST_F(AdminStoreTest, TranscriptIsTheVisitorApisTranscript) {
  clear_year(2006);
  const std::string session = add_session("2006-01-01 00:00:00.000", std::string("Ada"), std::string("ada@example.com"));
  add_exchange(session, "hello", "2006-01-01 00:00:00.000", 5, "knowledge");
  const auto transcript = store_.transcript(session);
  ASSERT_TRUE(transcript);
  EXPECT_EQ(transcript->visitor.email, "ada@example.com");
  ASSERT_EQ(transcript->messages.size(), 2u);
  EXPECT_EQ(transcript->messages[1].source, chat::Source::knowledge);
  EXPECT_FALSE(store_.transcript(chat::new_uuid_v4()));
}

// More rows than one batch, many with the same timestamp: the keyset (created_at, id) must
// neither skip nor repeat a row.
TEST_F(AdminStoreTest, ExportReadsEveryRowOnceInOrderAcrossBatches) {
  clear_year(2007);
  const std::string session = add_session("2007-01-01 00:00:00.000", std::string("Ada, \"the\" first"));
  constexpr int kRows = 4500;
  writer_.execute("START TRANSACTION");
  for (int i = 0; i < kRows; ++i) {
    add_message(session, i % 2 ? "bot" : "visitor", "row " + std::to_string(i),
                i < 3000 ? "2007-01-01 12:00:00.000" : "2007-01-01 12:00:00.001", i % 2 ? std::optional(i) : std::nullopt,
                i % 2 ? std::optional<std::string>("cache") : std::nullopt);
  }
  writer_.execute("COMMIT");
  add_message(add_session("2007-01-02 00:00:00.000"), "visitor", "outside", "2007-01-02 00:00:00.000");

  std::vector<std::int64_t> ids;
  int batches = 0;
  store_.export_messages(days("2007-01-01", "2007-01-01"), [&](const std::vector<chat::ExportedMessage>& batch) {
    ++batches;
    for (const auto& row : batch) {
      ids.push_back(row.message.message.id);
      EXPECT_EQ(row.visitor.name, "Ada, \"the\" first");
    }
    return true;
  });
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kRows));
  EXPECT_GE(batches, 3);
  for (std::size_t i = 1; i < ids.size(); ++i) ASSERT_LT(ids[i - 1], ids[i]) << i;

  int stopped_after = 0;
  store_.export_messages(days("2007-01-01", "2007-01-01"), [&](const std::vector<chat::ExportedMessage>&) {
    ++stopped_after;
    return false;  // the client went away
  });
  EXPECT_EQ(stopped_after, 1);
}

TEST_F(AdminStoreTest, EraseRemovesTheSessionAndItsMessagesOnly) {
  clear_year(2008);
  const std::string doomed = add_session("2008-01-01 00:00:00.000");
  const std::string kept = add_session("2008-01-01 00:00:00.000");
  add_exchange(doomed, "bye", "2008-01-01 00:00:00.000", 1, "model");
  add_exchange(kept, "stay", "2008-01-01 00:00:00.000", 1, "model");
  EXPECT_TRUE(store_.erase_session(doomed));
  EXPECT_FALSE(store_.transcript(doomed));
  EXPECT_EQ(count("SELECT COUNT(*) FROM chat_messages WHERE session_id = '" + doomed + "'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM chat_messages WHERE session_id = '" + kept + "'"), 2);
  EXPECT_FALSE(store_.erase_session(doomed));
}

// The answer cache keeps a visitor's first question (normalised) and its answer: erasing the
// session erases them too.
TEST_F(AdminStoreTest, EraseRemovesTheAnswerCachedForTheSessionsFirstQuestion) {
  clear_year(2008);
  const std::string doomed = add_session("2008-01-01 00:00:00.000");
  const std::string kept = add_session("2008-01-01 00:00:00.000");
  const std::string doomed_hash(64, 'd'), kept_hash(64, 'k');
  chat::testing::add_cached_answer(writer_, doomed, doomed_hash, "2999-01-01 00:00:00.000");
  chat::testing::add_cached_answer(writer_, kept, kept_hash, "2999-01-01 00:00:00.000");
  EXPECT_TRUE(store_.erase_session(doomed));
  EXPECT_EQ(count("SELECT COUNT(*) FROM answer_cache WHERE question_hash = '" + doomed_hash + "'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM answer_cache WHERE question_hash = '" + kept_hash + "'"), 1);
  EXPECT_TRUE(store_.erase_session(kept));
}

TEST_F(AdminStoreTest, ReadsAndErasureUseTheirOwnDatabases) {
  clear_year(2009);
  chat::DatabaseUrl unreachable = test_database();
  unreachable.socket = "/nonexistent/mariadb.sock";
  chat::MysqlAdminStore reads_down(unreachable, test_database());
  EXPECT_NO_THROW(reads_down.stats(days("2009-01-01", "2009-01-01")));  // closed days: rollups
  EXPECT_THROW(reads_down.stats({}), chat::StoreUnavailable);           // today: the messages
  EXPECT_THROW(reads_down.transcript(chat::new_uuid_v4()), chat::StoreUnavailable);
  const std::string session = add_session("2009-01-01 00:00:00.000");
  EXPECT_TRUE(reads_down.erase_session(session));

  chat::MysqlAdminStore writes_down(test_database(), unreachable);
  add_message(add_session("2009-01-02 00:00:00.000"), "visitor", "counted without rollups",
              "2009-01-02 00:00:00.000");
  EXPECT_EQ(writes_down.stats(days("2009-01-02", "2009-01-02")).messages, 1);
  EXPECT_THROW(writes_down.erase_session(add_session("2009-01-01 00:00:00.000")), chat::StoreUnavailable);
}

// Days that are over come from their rollups, computed once; erasure forgets the rollups of its
// days, and the numbers always equal those aggregated from the messages.
TEST_F(AdminStoreTest, StatsRollupsAreExactAndFollowErasure) {
  clear_year(2010);
  const std::string a = add_session("2010-04-01 10:00:00.000", std::string("Ada"));
  const std::string b = add_session("2010-04-02 10:00:00.000");
  add_exchange(a, "one", "2010-04-01 10:00:00.000", 120, "model");
  add_exchange(a, "two", "2010-04-01 11:00:00.000", 120, "cache");
  add_exchange(b, "three", "2010-04-02 10:00:00.000", 900, "knowledge");
  const auto range = days("2010-04-01", "2010-04-03");
  chat::DatabaseUrl unreachable = test_database();
  unreachable.socket = "/nonexistent/mariadb.sock";
  chat::MysqlAdminStore without_rollups(test_database(), unreachable);

  const auto first = store_.stats(range);
  EXPECT_EQ(count("SELECT COUNT(*) FROM chat_stats_daily WHERE day BETWEEN '2010-04-01' AND '2010-04-03'"), 3);
  EXPECT_EQ(count("SELECT SUM(answers) FROM chat_stats_response_times WHERE YEAR(day) = 2010"), 3);
  const auto again = store_.stats(range);
  const auto raw = without_rollups.stats(range);
  for (const auto* stats : {&first, &again, &raw}) {
    EXPECT_EQ(stats->sessions, 2);
    EXPECT_EQ(stats->messages, 6);
    EXPECT_EQ(stats->bot_messages, 3);
    EXPECT_EQ(stats->response_time.p50, 120);
    EXPECT_EQ(stats->response_time.max, 900);
    EXPECT_EQ(stats->response_time.avg, 380);
    EXPECT_EQ(stats->sources.at(chat::Source::cache), 1);
    ASSERT_EQ(stats->per_day.size(), 2u);
    EXPECT_EQ(stats->per_day[1].messages, 2);
  }

  EXPECT_TRUE(store_.erase_session(b));
  EXPECT_EQ(count("SELECT COUNT(*) FROM chat_stats_daily WHERE day = '2010-04-02'"), 0);
  const auto after = store_.stats(range);
  EXPECT_EQ(after.sessions, 1);
  EXPECT_EQ(after.messages, 4);
  EXPECT_EQ(after.response_time.max, 120);
  EXPECT_EQ(after.sources.at(chat::Source::knowledge), 0);
  EXPECT_EQ(after.per_day.size(), 1u);
}

// The current day (and the hour after midnight) is read from the messages, not rolled up.
TEST_F(AdminStoreTest, StatsReadOpenDaysFromTheMessages) {
  clear_year(2011);
  for (const char* day : {"2011-02-28", "2011-03-01", "2011-03-02"}) {
    const std::string at = std::string(day) + " 00:10:00.000";
    add_exchange(add_session(at), "hi", at, 50, "model");
  }
  std::tm now_tm{};
  now_tm.tm_year = 111;  // 2011-03-02 00:30 UTC: 2011-03-01 is still within the late-write margin
  now_tm.tm_mon = 2;
  now_tm.tm_mday = 2;
  now_tm.tm_min = 30;
  const auto now = std::chrono::system_clock::from_time_t(timegm(&now_tm));
  chat::MysqlConnection reads(test_database()), primary(test_database());
  const auto stats = chat::MysqlStats(reads, primary).stats(days("2011-02-01", "2011-03-31"), now);
  EXPECT_EQ(stats.sessions, 3);
  EXPECT_EQ(stats.messages, 6);
  EXPECT_EQ(stats.per_day.size(), 3u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM chat_stats_daily WHERE day BETWEEN '2011-02-01' AND '2011-02-28'"), 28);
  EXPECT_EQ(count("SELECT COUNT(*) FROM chat_stats_daily WHERE day >= '2011-03-01' AND YEAR(day) = 2011"), 0);
}

// chat-admin's background refresh: every day that is over and has no rollup, once; the day still
// open is left to the requests. In a year to come (from its first day), so that no other test's
// stats over everything rolls those days up first.
TEST_F(AdminStoreTest, BackgroundRefreshRollsUpEveryClosedDayOnce) {
  clear_year(2200);
  for (const char* at : {"2200-03-01 10:00:00.000", "2200-03-02 10:00:00.000", "2200-03-03 10:00:00.000"}) {
    add_exchange(add_session(at), "hi", at, 70, "cache");
  }
  const auto now = std::chrono::sys_days(std::chrono::year_month_day(*chat::parse_date("2200-03-03"))) +
                   std::chrono::hours(12);
  const auto from = chat::parse_date("2200-03-01");
  chat::MysqlConnection primary(test_database());
  EXPECT_EQ(chat::roll_up_closed_days(primary, now, {}, from), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM chat_stats_daily WHERE YEAR(day) = 2200"), 2);
  EXPECT_EQ(count("SELECT SUM(cache) FROM chat_stats_daily WHERE YEAR(day) = 2200"), 2);
  EXPECT_EQ(count("SELECT SUM(answers) FROM chat_stats_response_times WHERE YEAR(day) = 2200"), 2);
  EXPECT_EQ(chat::roll_up_closed_days(primary, now, {}, from), 0);
  const auto later = now + std::chrono::hours(13);  // 2200-03-03 is over
  EXPECT_EQ(chat::roll_up_closed_days(primary, later, [] { return true; }, from), 1);  // asked to stop
  EXPECT_EQ(count("SELECT COUNT(*) FROM chat_stats_daily WHERE YEAR(day) = 2200"), 2);
  const auto stats = chat::MysqlStats(primary, primary).stats(days("2200-03-01", "2200-03-03"), now);
  EXPECT_EQ(stats.messages, 6);
  EXPECT_EQ(stats.sources.at(chat::Source::cache), 3);
}

TEST_F(AdminStoreTest, PurgeErasesSessionsInactiveSinceTheCutoff) {
  clear_year(1989);
  std::vector<std::string> old_sessions;
  for (int i = 0; i < chat::kPurgeBatchSessions + 20; ++i) {  // more than one batch
    old_sessions.push_back(add_session("1989-06-01 00:00:00.000"));
  }
  add_message(old_sessions[0], "visitor", "old", "1989-06-01 00:00:00.000");
  const std::string active = add_session("1989-06-01 00:00:00.000");
  add_message(active, "visitor", "still here", "1990-06-01 00:00:00.000");  // updated_at after the cutoff

  std::tm cutoff_tm{};
  cutoff_tm.tm_year = 90;  // 1990-01-01
  cutoff_tm.tm_mday = 1;
  const auto cutoff = std::chrono::system_clock::from_time_t(timegm(&cutoff_tm));
  EXPECT_EQ(chat::purge_sessions_inactive_since(writer_, cutoff), chat::kPurgeBatchSessions + 20);
  EXPECT_EQ(count("SELECT COUNT(*) FROM chat_sessions WHERE updated_at < '1990-01-01'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM chat_messages WHERE session_id = '" + old_sessions[0] + "'"), 0);
  EXPECT_TRUE(store_.transcript(active));
  EXPECT_EQ(chat::purge_sessions_inactive_since(writer_, cutoff), 0);
}

TEST_F(AdminStoreTest, PurgeRemovesThePurgedSessionsCachedAnswers) {
  clear_year(1989);
  const std::string old_session = add_session("1989-06-01 00:00:00.000");
  const std::string hash(64, 'p');
  chat::testing::add_cached_answer(writer_, old_session, hash, "2999-01-01 00:00:00.000");
  std::tm cutoff_tm{};
  cutoff_tm.tm_year = 90;  // 1990-01-01
  cutoff_tm.tm_mday = 1;
  chat::purge_sessions_inactive_since(writer_, std::chrono::system_clock::from_time_t(timegm(&cutoff_tm)));
  EXPECT_EQ(count("SELECT COUNT(*) FROM answer_cache WHERE question_hash = '" + hash + "'"), 0);
}

TEST_F(AdminStoreTest, ExpiredCachedAnswersAreErased) {
  clear_year(2011);
  const std::string session = add_session("2011-01-01 00:00:00.000");
  const std::string expired(64, 'e'), live(64, 'l');
  chat::testing::add_cached_answer(writer_, session, expired, "2011-01-02 00:00:00.000");
  chat::testing::add_cached_answer(writer_, session, live, "2999-01-01 00:00:00.000");
  EXPECT_GE(chat::purge_expired_cached_answers(writer_, std::chrono::system_clock::now()), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM answer_cache WHERE question_hash = '" + expired + "'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM answer_cache WHERE question_hash = '" + live + "'"), 1);
  EXPECT_EQ(chat::purge_expired_cached_answers(writer_, std::chrono::system_clock::now()), 0);
}

// The per-client session-start counts hold client addresses: erased once their hour is over.
TEST_F(AdminStoreTest, ClosedSessionStartCountsAreErased) {
  writer_.execute("DELETE FROM session_starts WHERE client_network IN ('192.0.2.1', '192.0.2.2')");
  writer_.execute("INSERT INTO session_starts VALUES ('192.0.2.1', '2011-01-02 00:00:00.000', 3),"
                  " ('192.0.2.2', UTC_TIMESTAMP(3), 1)");
  EXPECT_GE(chat::purge_closed_session_starts(writer_, std::chrono::system_clock::now()), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM session_starts WHERE client_network = '192.0.2.1'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM session_starts WHERE client_network = '192.0.2.2'"), 1);
}
