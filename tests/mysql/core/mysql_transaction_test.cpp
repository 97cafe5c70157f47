// Transactions against a real MariaDB: a deadlock victim (as a Galera certification failure is
// reported) runs again and commits; any other failure rolls back and is not repeated; the caller
// learns whether COMMIT was sent.
#include "mysql/mysql_transaction.h"

#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <stdexcept>
#include <thread>

#include "clock.h"
#include "migrations.h"
#include "test_database.h"
#include "uuid.h"

namespace {

using chat::testing::test_database;

class MysqlTransactionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { chat::testing::migrate_test_database(); }

  // A new session row; returns its id.
  std::string add_session() {
    const std::string id = chat::new_uuid_v4();
    auto& insert = sql_.statement(
        "INSERT INTO chat_sessions (id, created_at, updated_at) VALUES (?, '2009-01-01', '2009-01-01')");
    insert.setString(1, id);
    insert.executeUpdate();
    return id;
  }

  void name_session(chat::MysqlConnection& connection, const std::string& id, const std::string& name) {
    auto& update = connection.statement("UPDATE chat_sessions SET visitor_name = ? WHERE id = ?");
    update.setString(1, name);
    update.setString(2, id);
    update.executeUpdate();
  }

  std::string name_of(const std::string& id) {
    auto& select = sql_.statement("SELECT COALESCE(visitor_name, '') FROM chat_sessions WHERE id = ?");
    select.setString(1, id);
    std::unique_ptr<sql::ResultSet> row(select.executeQuery());
    return row->next() ? std::string(row->getString(1)) : "(gone)";
  }

  chat::MysqlThreadScope thread_;
  chat::MysqlConnection sql_{test_database()};
};

}  // namespace

// The victim is the transaction that changed less: here the one in_transaction runs, whose first
// attempt deadlocks with a bigger transaction; its second attempt commits.
TEST_F(MysqlTransactionTest, ADeadlockVictimRunsAgainAndCommits) {
  const std::string first = add_session(), second = add_session();
  std::vector<std::string> ballast;
  for (int i = 0; i < 20; ++i) ballast.push_back(add_session());

  std::promise<void> first_locked, other_waits;
  auto other = std::async(std::launch::async, [&] {
    const chat::MysqlThreadScope thread;
    chat::MysqlConnection connection(test_database());
    connection.execute("START TRANSACTION");
    for (const auto& id : ballast) name_session(connection, id, "ballast");
    name_session(connection, second, "other");
    first_locked.get_future().wait();
    other_waits.set_value();
    name_session(connection, first, "other");  // waits for the victim, then goes on
    connection.execute("COMMIT");
  });

  chat::MysqlConnection connection(test_database());
  int attempts = 0;
  chat::in_transaction(connection, [&] {
    ++attempts;
    name_session(connection, first, "mine");
    if (attempts == 1) {
      first_locked.set_value();
      other_waits.get_future().wait();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the other is waiting for `first`
    }
    name_session(connection, second, "mine");  // attempt 1: a deadlock with the other
  });
  other.get();
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(name_of(first), "mine");
  EXPECT_EQ(name_of(second), "mine");
  EXPECT_EQ(name_of(ballast.front()), "ballast");
}

TEST_F(MysqlTransactionTest, OtherFailuresRollBackAndAreNotRepeated) {
  const std::string id = add_session();
  chat::MysqlConnection connection(test_database());
  int attempts = 0;
  EXPECT_THROW(chat::in_transaction(connection,
                                    [&] {
                                      ++attempts;
                                      name_session(connection, id, "rolled back");
                                      connection.execute("SELECT no_such_column FROM chat_sessions");
                                    }),
               sql::SQLException);
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(name_of(id), "");
}

TEST_F(MysqlTransactionTest, AFailureThatIsNotSqlRollsBackToo) {
  const std::string id = add_session();
  chat::MysqlConnection connection(test_database());
  bool commit_sent = true;
  EXPECT_THROW(chat::in_transaction(
                   connection,
                   [&] {
                     name_session(connection, id, "rolled back");
                     throw std::runtime_error("no id returned");
                   },
                   {.commit_sent = &commit_sent}),
               std::runtime_error);
  EXPECT_FALSE(commit_sent);
  EXPECT_EQ(name_of(id), "");
  name_session(connection, id, "after");  // the connection is usable, outside any transaction
  EXPECT_EQ(name_of(id), "after");
}

TEST_F(MysqlTransactionTest, SaysWhenCommitWasSent) {
  const std::string id = add_session();
  chat::MysqlConnection connection(test_database());
  bool commit_sent = false;
  chat::in_transaction(connection, [&] { name_session(connection, id, "kept"); }, {.commit_sent = &commit_sent});
  EXPECT_TRUE(commit_sent);
  EXPECT_EQ(name_of(id), "kept");
}

// A conflict on every attempt (as Galera's certification may abort a busy conversation's writes
// again and again): the last one ends as StoreUnavailable, which the API answers with 503.
TEST_F(MysqlTransactionTest, ConflictsOnEveryAttemptEndAsStoreUnavailable) {
  const std::string id = add_session();
  chat::MysqlConnection connection(test_database());
  int attempts = 0;
  EXPECT_THROW(chat::in_transaction(connection,
                                    [&] {
                                      ++attempts;
                                      name_session(connection, id, "rolled back");
                                      throw sql::SQLException("Deadlock found", "40001", chat::kErrorDeadlock);
                                    }),
               chat::StoreUnavailable);
  EXPECT_EQ(attempts, chat::kDeadlockAttempts);
  EXPECT_EQ(name_of(id), "");
}
