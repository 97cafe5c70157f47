// A transaction on one MysqlConnection: committed when the work returns, rolled back when it
// throws. A transaction the server rolled back whole because of a conflict is run again, up to
// kDeadlockAttempts times: an InnoDB deadlock victim, or a write set that failed Galera's
// certification (Galera reports it as a deadlock, at any statement or at COMMIT). So the work
// must be safe to run again after a rollback.
//
// A lost connection is the caller's to handle, with `commit_sent` telling what the server may
// have done: lost before COMMIT was sent, the server rolled the transaction back; lost during
// COMMIT, the outcome is unknown and the work must not simply be run again.
#pragma once

#include <type_traits>

#include "mysql/mysql_connection.h"

namespace chat {

inline constexpr int kDeadlockAttempts = 3;
inline constexpr int kErrorDeadlock = 1213;  // ER_LOCK_DEADLOCK

template <typename Work>
auto in_transaction(MysqlConnection& connection, Work&& work, bool* commit_sent = nullptr) -> decltype(work()) {
  for (int attempt = 1;; ++attempt) {
    if (commit_sent) *commit_sent = false;
    connection.execute("START TRANSACTION");
    try {
      if constexpr (std::is_void_v<decltype(work())>) {
        work();
        if (commit_sent) *commit_sent = true;
        connection.execute("COMMIT");
        return;
      } else {
        auto result = work();
        if (commit_sent) *commit_sent = true;
        connection.execute("COMMIT");
        return result;
      }
    } catch (const sql::SQLException& error) {
      if (is_connection_error(error) || !connection.rollback()) throw;
      if (error.getErrorCode() != kErrorDeadlock || attempt == kDeadlockAttempts) throw;
    } catch (...) {
      connection.rollback();
      throw;
    }
  }
}

}  // namespace chat
