// The connection pool against a real MariaDB: it lends at most its size, a borrower waits for a
// connection given back, gets StoreUnavailable in bounded time when none comes, and a lent
// connection is the same server connection the next time.
#include "mysql/connection_pool.h"

#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "store_unavailable.h"
#include "test_database.h"

namespace {

using chat::testing::test_database;
using Clock = std::chrono::steady_clock;

std::int64_t server_connection_id(chat::MysqlConnection& connection) {
  std::unique_ptr<sql::ResultSet> row(connection.statement("SELECT CONNECTION_ID()").executeQuery());
  row->next();
  return row->getInt64(1);
}

class ConnectionPoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { chat::testing::migrate_test_database(); }
  chat::MysqlThreadScope thread_;
};

TEST_F(ConnectionPoolTest, LendsAtMostItsSizeAndRefusesInBoundedTime) {
  chat::MysqlConnectionPool pool(test_database(), 2, std::chrono::milliseconds(200));
  auto first = pool.borrow();
  auto second = pool.borrow();
  EXPECT_EQ(pool.in_use(), 2u);
  const auto started = Clock::now();
  EXPECT_THROW(pool.borrow(), chat::StoreUnavailable);
  const auto waited = Clock::now() - started;
  EXPECT_GE(waited, std::chrono::milliseconds(190));
  EXPECT_LT(waited, std::chrono::seconds(5));  // bounded: never a hang
}

TEST_F(ConnectionPoolTest, AConnectionGivenBackIsLentAgainAsTheSameServerConnection) {
  chat::MysqlConnectionPool pool(test_database(), 1, std::chrono::milliseconds(200));
  std::int64_t id = 0;
  {
    auto lease = pool.borrow();
    id = server_connection_id(*lease);
  }
  EXPECT_EQ(pool.in_use(), 0u);
  auto again = pool.borrow();
  EXPECT_EQ(server_connection_id(*again), id);
}

TEST_F(ConnectionPoolTest, AWaitingBorrowerGetsTheConnectionGivenBack) {
  chat::MysqlConnectionPool pool(test_database(), 1, std::chrono::seconds(10));
  std::optional<chat::MysqlConnectionPool::Lease> held(pool.borrow());
  std::thread giver([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    held.reset();
  });
  const auto started = Clock::now();
  std::int64_t id = 0;
  {
    auto lease = pool.borrow();  // waits for the giver
    id = server_connection_id(*lease);
  }
  giver.join();
  EXPECT_GT(id, 0);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
}

}  // namespace

// What chat-worker's metrics read: connections lent out now, borrows that waited, borrows that
// found none in time.
TEST_F(ConnectionPoolTest, CountsConnectionsInUseWaitsAndTimeouts) {
  std::atomic<std::int64_t> in_use{0};
  std::atomic<std::uint64_t> waits{0};
  std::atomic<std::uint64_t> timeouts{0};
  chat::MysqlConnectionPool pool(test_database(), 1, std::chrono::milliseconds(100), {&in_use, &waits, &timeouts});
  {
    auto lent = pool.borrow();
    EXPECT_EQ(in_use, 1);
    EXPECT_EQ(waits, 0u);
    EXPECT_THROW(pool.borrow(), chat::StoreUnavailable);
    EXPECT_EQ(waits, 1u);
    EXPECT_EQ(timeouts, 1u);
  }
  EXPECT_EQ(in_use, 0);
  auto again = pool.borrow();  // given back: lent at once, no wait
  EXPECT_EQ(in_use, 1);
  EXPECT_EQ(waits, 1u);
}
