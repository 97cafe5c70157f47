// A MySQL named lock (GET_LOCK) held for a scope: one migration run, one rollup, one search
// indexing pass at a time across every process using the database.
#pragma once

#include <chrono>
#include <string>

#include "mysql/mysql_connection.h"

namespace chat {

class MysqlNamedLock {
 public:
  // Waits up to `wait` for the lock; held() tells whether it was granted.
  MysqlNamedLock(MysqlConnection& connection, std::string name, std::chrono::seconds wait);
  // Releases it; a connection that fails meanwhile is dropped, which releases it as well.
  ~MysqlNamedLock();
  MysqlNamedLock(const MysqlNamedLock&) = delete;
  MysqlNamedLock& operator=(const MysqlNamedLock&) = delete;

  bool held() const { return held_; }

 private:
  MysqlConnection& connection_;
  const std::string name_;
  bool held_ = false;
};

}  // namespace chat
