// Named locks against a real MariaDB: GET_LOCK, and the lease rows used where Galera refuses it
// (taken here on a single server with Kind::lease_row): one holder at a time, released at the
// end of its scope, taken over once its lease has run out (whatever the sql_mode), never
// released or renewed by a former holder.
#include "mysql/mysql_named_lock.h"

#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "migrations.h"
#include "test_database.h"

namespace {

using chat::MysqlNamedLock;
using chat::testing::test_database;
using namespace std::chrono_literals;

class NamedLockTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { chat::testing::migrate_test_database(); }

  std::unique_ptr<MysqlNamedLock> lease(chat::MysqlConnection& connection, std::chrono::seconds wait = 0s) {
    return std::make_unique<MysqlNamedLock>(connection, name_, wait, 60s, MysqlNamedLock::Kind::lease_row);
  }

  int lease_rows() {
    auto& count = first_.statement("SELECT COUNT(*) FROM named_locks WHERE name = ?");
    count.setString(1, name_);
    std::unique_ptr<sql::ResultSet> row(count.executeQuery());
    row->next();
    return row->getInt(1);
  }

  const std::string name_ = "named_lock_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed());
  chat::MysqlThreadScope thread_;
  chat::MysqlConnection first_{test_database()};
  chat::MysqlConnection second_{test_database()};
};

void expire_lease(chat::MysqlConnection& connection, const std::string& name) {
  auto& expire = connection.statement("UPDATE named_locks SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE name = ?");
  expire.setString(1, name);
  expire.executeUpdate();  // as if its holder had died a lease ago
}

}  // namespace

TEST_F(NamedLockTest, GetLockHasOneHolderAtATime) {
  std::optional<MysqlNamedLock> held;
  held.emplace(first_, name_, 0s);
  ASSERT_TRUE(held->held());
  EXPECT_FALSE(MysqlNamedLock(second_, name_, 0s).held());
  held.reset();
  EXPECT_TRUE(MysqlNamedLock(second_, name_, 0s).held());
}

TEST_F(NamedLockTest, ALeaseRowHasOneHolderAtATimeAndGoesWithItsScope) {
  auto held = lease(first_);
  ASSERT_TRUE(held->held());
  EXPECT_FALSE(lease(second_)->held());
  EXPECT_FALSE(lease(second_, 1s)->held());  // waits, polling, then gives up
  held.reset();
  EXPECT_EQ(lease_rows(), 0);
  EXPECT_TRUE(lease(second_)->held());
}

TEST_F(NamedLockTest, ALeaseThatRanOutIsTakenOverAndNotReleasedOrRenewedByItsFormerHolder) {
  auto former = lease(first_);
  ASSERT_TRUE(former->held());
  EXPECT_TRUE(former->renew());
  EXPECT_TRUE(former->renew());  // within the same millisecond too
  expire_lease(first_, name_);

  auto current = lease(second_);
  ASSERT_TRUE(current->held());
  EXPECT_FALSE(former->renew());
  EXPECT_FALSE(former->held());
  former.reset();  // deletes only its own row, which is no more
  EXPECT_EQ(lease_rows(), 1);
  EXPECT_FALSE(lease(first_)->held());
  EXPECT_TRUE(current->renew());
  current.reset();
  EXPECT_EQ(lease_rows(), 0);
}

// With SIMULTANEOUS_ASSIGNMENT every assignment sees the row as it was: a takeover must still
// move the expiry, or the next taker would find the lease over at once.
TEST_F(NamedLockTest, ATakeoverHoldsWhateverTheOrderOfAssignment) {
  second_.execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',SIMULTANEOUS_ASSIGNMENT')");
  auto third = chat::MysqlConnection(test_database());
  third.execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',SIMULTANEOUS_ASSIGNMENT')");
  auto former = lease(first_);
  ASSERT_TRUE(former->held());
  expire_lease(first_, name_);

  auto current = lease(second_);
  ASSERT_TRUE(current->held());
  EXPECT_FALSE(lease(third)->held());
}
