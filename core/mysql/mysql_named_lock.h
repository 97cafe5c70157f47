// A named lock held for a scope: one migration run, one rollup, one search indexing pass at a
// time across every process using the database.
//
// On a single server (or a primary with replicas) it is MySQL's GET_LOCK, released when its
// connection ends. On a Galera node GET_LOCK would be local to that node (and recent MariaDB
// refuses it there, error 1235), so there the lock is a row of `named_locks` held until it is
// deleted or its lease runs out: a row write is certified cluster-wide, so of two nodes'
// writers only one wins. A holder that dies keeps the others out until its lease ends; a holder
// whose work may outlast the lease renews it as it goes.
#pragma once

#include <chrono>
#include <string>

#include "mysql/mysql_connection.h"

namespace chat {

// Creates the lease table if it is missing (chat-migrate does, before it takes its own lock).
void create_named_lock_table(MysqlConnection& connection);

class MysqlNamedLock {
 public:
  static constexpr std::chrono::seconds kDefaultLease{120};
  // automatic: a lease row on a Galera node, else GET_LOCK; lease_row: a lease row always (for
  // tests of the Galera path on a single server).
  enum class Kind { automatic, lease_row };

  // Waits up to `wait` for the lock; held() tells whether it was granted. `lease` bounds how
  // long a lease row keeps others out when its holder dies (Galera only).
  MysqlNamedLock(MysqlConnection& connection, std::string name, std::chrono::seconds wait,
                 std::chrono::seconds lease = kDefaultLease, Kind kind = Kind::automatic);
  // Releases it; a connection that fails meanwhile is dropped, which releases a GET_LOCK (a lease
  // then ends by itself).
  ~MysqlNamedLock();
  MysqlNamedLock(const MysqlNamedLock&) = delete;
  MysqlNamedLock& operator=(const MysqlNamedLock&) = delete;

  bool held() const { return held_; }
  // Extends a lease row by a whole lease from now; false (and no longer held) when the lease had
  // run out and another holder took the row. Always true for GET_LOCK.
  bool renew();

 private:
  bool take_lease(std::chrono::seconds wait);

  MysqlConnection& connection_;
  const std::string name_;
  const std::chrono::seconds lease_;
  std::string lease_holder_;  // set when the lock is a lease row
  bool held_ = false;
};

}  // namespace chat
