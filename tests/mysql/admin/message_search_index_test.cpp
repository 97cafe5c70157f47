// The search table's indexer against a real MariaDB: it copies what is stored, catches messages
// that appear below ids indexed already, works through more than a batch, lets visitors
// insert while it runs, and loses a message's copy with the message.
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <memory>

#include "clock.h"
#include "migrations.h"
#include "search/message_search_index.h"
#include "test_database.h"
#include "test_rows.h"

namespace {

using chat::testing::test_database;

class MessageSearchIndexTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { chat::testing::migrate_test_database(); }

  // What an ask stores: the session (the first time) and both messages, in one transaction.
  void record(const std::string& question) {
    const std::string now = chat::to_mysql_datetime(std::chrono::system_clock::now());
    sql_.execute("START TRANSACTION");
    if (session_.empty()) session_ = chat::testing::add_session(sql_, now);
    chat::testing::add_exchange(sql_, session_, question, now, 3, "knowledge");
    sql_.execute("COMMIT");
  }

  std::int64_t number(const std::string& query) {
    auto& statement = sql_.statement(query);
    statement.setString(1, session_);
    std::unique_ptr<sql::ResultSet> row(statement.executeQuery());
    row->next();
    return row->getInt64(1);
  }

  // This test's messages, and those of them in the search table.
  std::int64_t messages() { return number("SELECT COUNT(*) FROM chat_messages WHERE session_id = ?"); }
  std::int64_t indexed() {
    return number(
        "SELECT COUNT(*) FROM chat_message_search s JOIN chat_messages m ON m.id = s.message_id "
        "WHERE m.session_id = ?");
  }

  void index() { ASSERT_TRUE(chat::index_new_messages(indexer_, std::chrono::seconds(30))); }

  chat::MysqlThreadScope thread_;
  std::string session_;  // made by the first record()
  chat::MysqlConnection sql_{test_database()};
  chat::MysqlConnection indexer_{test_database()};
};

}  // namespace

TEST_F(MessageSearchIndexTest, CopiesStoredMessagesOnceAndMatchFindsThem) {
  record("zanzibarian porcupines");
  index();
  EXPECT_EQ(indexed(), 2);
  index();
  EXPECT_EQ(indexed(), 2);
  EXPECT_EQ(number("SELECT COUNT(*) FROM chat_message_search s JOIN chat_messages m ON m.id = s.message_id "
                   "WHERE m.session_id = ? AND MATCH(s.message) AGAINST ('+porcupine*' IN BOOLEAN MODE)"),
            2);
}

// A message that becomes visible after higher ids were indexed: here it is put back, with its
// old id, after the pass that indexed the messages around it.
TEST_F(MessageSearchIndexTest, CatchesAMessageThatAppearsBelowIndexedIds) {
  record("first");
  record("second");
  const std::int64_t late_id = number("SELECT MIN(id) + 2 FROM chat_messages WHERE session_id = ?");
  auto& remove = sql_.statement("DELETE FROM chat_messages WHERE id = ?");
  remove.setInt64(1, late_id);
  remove.executeUpdate();
  index();
  ASSERT_EQ(indexed(), 3);
  auto& late = sql_.statement(
      "INSERT INTO chat_messages (id, session_id, sender, message, created_at) VALUES (?, ?, 'visitor', 'late', NOW(3))");
  late.setInt64(1, late_id);
  late.setString(2, session_);
  late.executeUpdate();
  index();
  EXPECT_EQ(indexed(), 4);
}

TEST_F(MessageSearchIndexTest, WorksThroughMoreThanOneBatch) {
  record("opening");
  auto& bulk = sql_.statement(
      "INSERT INTO chat_messages (session_id, sender, message, created_at) "
      "SELECT ?, 'visitor', CONCAT('bulk message ', seq), NOW(3) FROM seq_1_to_6000");
  bulk.setString(1, session_);
  bulk.executeUpdate();
  ASSERT_GT(messages(), chat::kSearchIndexBatchRows);
  index();
  EXPECT_EQ(indexed(), messages());
}

// A batch reads chat_messages at READ COMMITTED: under REPEATABLE READ its INSERT ... SELECT
// would lock the rows it reads and the gap after the last one, and a visitor's insert would wait.
bool visitor_insert_succeeds_during_batch(const std::string& session, const std::string& isolation) {
  chat::MysqlConnection batch(test_database());
  batch.execute("SET TRANSACTION ISOLATION LEVEL " + isolation);
  batch.execute("START TRANSACTION");
  batch.execute(
      "INSERT IGNORE INTO chat_message_search (message_id, message) SELECT m.id, m.message FROM chat_messages m "
      "WHERE m.session_id = '" + session + "' "  // a UUID made by the test
      "AND NOT EXISTS (SELECT 1 FROM chat_message_search s WHERE s.message_id = m.id)");
  chat::MysqlConnection visitor(test_database());
  visitor.execute("SET SESSION innodb_lock_wait_timeout = 1");
  auto& insert = visitor.statement(
      "INSERT INTO chat_messages (session_id, sender, message, created_at) VALUES (?, 'visitor', 'hi', NOW(3))");
  insert.setString(1, session);
  bool stored = true;
  try {
    insert.executeUpdate();
  } catch (const sql::SQLException& error) {
    if (error.getErrorCode() != 1205) throw;  // ER_LOCK_WAIT_TIMEOUT
    stored = false;
  }
  batch.execute("COMMIT");
  return stored;
}

TEST_F(MessageSearchIndexTest, VisitorsStoreWhileABatchIsOpen) {
  record("before");
  EXPECT_FALSE(visitor_insert_succeeds_during_batch(session_, "REPEATABLE READ"));
  EXPECT_TRUE(visitor_insert_succeeds_during_batch(session_, "READ COMMITTED"));
}

TEST_F(MessageSearchIndexTest, APassWhileAnotherHoldsTheLockGivesWayAtOnce) {
  chat::MysqlConnection seed(test_database());
  seed.execute("DO GET_LOCK('chat_message_search', 30)");
  EXPECT_FALSE(chat::index_new_messages(indexer_, std::chrono::seconds(0)));
  seed.execute("DO RELEASE_LOCK('chat_message_search')");
  EXPECT_TRUE(chat::index_new_messages(indexer_, std::chrono::seconds(30)));
}

TEST_F(MessageSearchIndexTest, ErasingASessionRemovesItsCopies) {
  record("to be erased");
  index();
  ASSERT_EQ(indexed(), 2);
  auto& erase = sql_.statement("DELETE FROM chat_sessions WHERE id = ?");
  erase.setString(1, session_);
  erase.executeUpdate();
  EXPECT_EQ(number("SELECT COUNT(*) FROM chat_message_search s LEFT JOIN chat_messages m ON m.id = s.message_id "
                   "WHERE m.id IS NULL AND ? IS NOT NULL"),
            0);
}
