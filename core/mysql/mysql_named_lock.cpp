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

const std::string kCreateNamedLocks =
    "CREATE TABLE IF NOT EXISTS named_locks ("
    " name VARCHAR(64) NOT NULL PRIMARY KEY,"
    " holder CHAR(36) NOT NULL,"
    " expires_at DATETIME(3) NOT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=ascii";
// Takes the row when it is missing or its lease is over, or renews it when it is ours. Both
// assignments test the same condition on the row as it was, and the first one leaves that
// condition true when it was, so the result is the same whether the server assigns left to right
// (MariaDB's default) or all at once (sql_mode SIMULTANEOUS_ASSIGNMENT). Rows affected (with
// CLIENT_FOUND_ROWS off, as MysqlConnection connects): 1 inserted, 2 taken or renewed, 0 held by
// another.
const std::string kTakeLease =
    "INSERT INTO named_locks (name, holder, expires_at)"
    " VALUES (?, ?, UTC_TIMESTAMP(3) + INTERVAL ? SECOND)"
    " ON DUPLICATE KEY UPDATE"
    " holder = IF(expires_at < UTC_TIMESTAMP(3) OR holder = VALUES(holder), VALUES(holder), holder),"
    " expires_at = IF(expires_at < UTC_TIMESTAMP(3) OR holder = VALUES(holder), VALUES(expires_at), expires_at)";
// Renews a lease that is still ours (no row changed also when renewed within the same millisecond:
// then kLeaseIsOurs tells).
const std::string kRenewLease =
    "UPDATE named_locks SET expires_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND WHERE name = ? AND holder = ?";
const std::string kLeaseIsOurs = "SELECT 1 FROM named_locks WHERE name = ? AND holder = ?";
const std::string kReleaseLease = "DELETE FROM named_locks WHERE name = ? AND holder = ?";

}  // namespace

void create_named_lock_table(MysqlConnection& connection) { connection.execute(kCreateNamedLocks); }

MysqlNamedLock::MysqlNamedLock(MysqlConnection& connection, std::string name, std::chrono::seconds wait,
                               std::chrono::seconds lease, Kind kind)
    : connection_(connection), name_(std::move(name)), lease_(lease) {
  connection_.get();  // connected, it knows whether its server is a Galera node
  if (kind == Kind::lease_row || connection_.on_galera()) {
    held_ = take_lease(wait);
    return;
  }
  auto& lock = connection_.statement("SELECT GET_LOCK(?, ?)");
  lock.setString(1, name_);
  lock.setInt(2, static_cast<int>(wait.count()));
  std::unique_ptr<sql::ResultSet> row(lock.executeQuery());
  held_ = row->next() && !row->isNull(1) && row->getInt(1) == 1;
}

// Tries to take the lease row until `wait` is over.
bool MysqlNamedLock::take_lease(std::chrono::seconds wait) {
  lease_holder_ = new_uuid_v4();
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    try {
      auto& take = connection_.statement(kTakeLease);
      take.setString(1, name_);
      take.setString(2, lease_holder_);
      take.setInt(3, static_cast<int>(lease_.count()));
      if (take.executeUpdate() > 0) return true;
    } catch (const sql::SQLException& error) {
      // A deadlock: another node's writer won Galera's certification this round.
      if (error.getErrorCode() != kErrorDeadlock) throw;
    }
    if (std::chrono::steady_clock::now() + kNamedLockPollInterval > deadline) return false;
    std::this_thread::sleep_for(kNamedLockPollInterval);
  }
}

bool MysqlNamedLock::renew() {
  if (!held_ || lease_holder_.empty()) return held_;
  auto& renew = connection_.statement(kRenewLease);
  renew.setInt(1, static_cast<int>(lease_.count()));
  renew.setString(2, name_);
  renew.setString(3, lease_holder_);
  if (renew.executeUpdate() == 1) return true;
  auto& ours = connection_.statement(kLeaseIsOurs);
  ours.setString(1, name_);
  ours.setString(2, lease_holder_);
  held_ = std::unique_ptr<sql::ResultSet>(ours.executeQuery())->next();
  return held_;
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
