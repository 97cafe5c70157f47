// A transaction on one MysqlConnection for the admin side's writes: committed when the work
// returns, rolled back when a statement fails (a lost connection rolls back on the server). A
// transaction InnoDB chose as a deadlock victim was rolled back whole, so it is run again, up to
// kDeadlockAttempts times: the work must be safe to repeat (erasure, purge and rollups are).
#pragma once

#include <type_traits>

#include "mysql/mysql_connection.h"

namespace chat {

inline constexpr int kDeadlockAttempts = 3;
inline constexpr int kErrorDeadlock = 1213;  // ER_LOCK_DEADLOCK

template <typename Work>
auto in_transaction(MysqlConnection& connection, Work&& work) -> decltype(work()) {
  for (int attempt = 1;; ++attempt) {
    connection.execute("START TRANSACTION");
    try {
      if constexpr (std::is_void_v<decltype(work())>) {
        work();
        connection.execute("COMMIT");
        return;
      } else {
        auto result = work();
        connection.execute("COMMIT");
        return result;
      }
    } catch (const sql::SQLException& error) {
      if (is_connection_error(error) || !connection.rollback()) throw;
      if (error.getErrorCode() != kErrorDeadlock || attempt == kDeadlockAttempts) throw;
    }
  }
}

}  // namespace chat
