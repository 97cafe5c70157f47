// A named lock held for a scope: GET_LOCK, or a lease row on Galera (see the header).
#include "mysql/mysql_named_lock.h"

#include <cppconn/resultset.h>

#include <memory>
#include <thread>

#include "core_limits.h"
#include "mysql/mysql_transaction.h"
#include "uuid.h"

namespace chat {
namespace {

constexpr int kErrorNotSupportedYet = 1235;  // ER_NOT_SUPPORTED_YET: GET_LOCK with wsrep on

const std::string kCreateNamedLocks =
    "CREATE TABLE IF NOT EXISTS named_locks ("
    " name VARCHAR(64) NOT NULL PRIMARY KEY,"
    " holder CHAR(36) NOT NULL,"
    " expires_at DATETIME(3) NOT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=ascii";
// Takes the row when it is missing or its lease is over; renews it when it is ours already.
// MySQL assigns left to right, so the second assignment sees the holder the first one chose.
// Rows affected: 1 inserted, 2 taken or renewed, 0 held by another.
const std::string kTakeLease =
    "INSERT INTO named_locks (name, holder, expires_at)"
    " VALUES (?, ?, UTC_TIMESTAMP(3) + INTERVAL ? SECOND)"
    " ON DUPLICATE KEY UPDATE"
    " holder = IF(expires_at < UTC_TIMESTAMP(3), VALUES(holder), holder),"
    " expires_at = IF(holder = VALUES(holder), VALUES(expires_at), expires_at)";
const std::string kReleaseLease = "DELETE FROM named_locks WHERE name = ? AND holder = ?";

}  // namespace

void create_named_lock_table(MysqlConnection& connection) { connection.execute(kCreateNamedLocks); }

MysqlNamedLock::MysqlNamedLock(MysqlConnection& connection, std::string name, std::chrono::seconds wait,
                               std::chrono::seconds lease, Kind kind)
    : connection_(connection), name_(std::move(name)) {
  if (kind == Kind::lease_row) {
    held_ = take_lease(wait, lease);
    return;
  }
  try {
    auto& lock = connection_.statement("SELECT GET_LOCK(?, ?)");
    lock.setString(1, name_);
    lock.setInt(2, static_cast<int>(wait.count()));
    std::unique_ptr<sql::ResultSet> row(lock.executeQuery());
    held_ = row->next() && !row->isNull(1) && row->getInt(1) == 1;
  } catch (const sql::SQLException& error) {
    if (error.getErrorCode() != kErrorNotSupportedYet) throw;
    held_ = take_lease(wait, lease);
  }
}

// Tries to take the lease row until `wait` is over.
bool MysqlNamedLock::take_lease(std::chrono::seconds wait, std::chrono::seconds lease) {
  lease_holder_ = new_uuid_v4();
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    try {
      auto& take = connection_.statement(kTakeLease);
      take.setString(1, name_);
      take.setString(2, lease_holder_);
      take.setInt(3, static_cast<int>(lease.count()));
      if (take.executeUpdate() > 0) return true;
    } catch (const sql::SQLException& error) {
      // A deadlock: another node's writer won Galera's certification this round.
      if (error.getErrorCode() != kErrorDeadlock) throw;
    }
    if (std::chrono::steady_clock::now() + kNamedLockPollInterval > deadline) return false;
    std::this_thread::sleep_for(kNamedLockPollInterval);
  }
}

MysqlNamedLock::~MysqlNamedLock() {
  if (!held_) return;
  try {
    if (lease_holder_.empty()) {
      auto& unlock = connection_.statement("SELECT RELEASE_LOCK(?)");
      unlock.setString(1, name_);
      std::unique_ptr<sql::ResultSet> row(unlock.executeQuery());
    } else {
      auto& release = connection_.statement(kReleaseLease);
      release.setString(1, name_);
      release.setString(2, lease_holder_);
      release.executeUpdate();
    }
  } catch (...) {
    connection_.reset();
  }
}

}  // namespace chat
