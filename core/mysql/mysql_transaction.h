// A transaction on one MysqlConnection: committed when the work returns, rolled back when it
// throws. A transaction the server rolled back whole because of a conflict is run again, up to
// kDeadlockAttempts times, after a short pause that grows and is jittered so that two writers
// that collided do not collide again: an InnoDB deadlock victim, or a write set that failed
// Galera's certification (Galera reports it as a deadlock, at any statement or at COMMIT). So
// the work must be safe to run again after a rollback.
//
// A transaction still conflicting after the last attempt ends as StoreUnavailable (503: try again
// later). A lost connection is the caller's to handle, with `commit_sent` telling what the server
// may have done: lost before COMMIT was sent, the server rolled the transaction back; lost
// during COMMIT, the outcome is unknown and the work must not simply be run again.
#pragma once

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <type_traits>

#include "mysql/mysql_connection.h"

namespace chat {

inline constexpr int kDeadlockAttempts = 5;
inline constexpr std::chrono::milliseconds kDeadlockPause{5};  // before attempt n: up to n times this
inline constexpr int kErrorDeadlock = 1213;  // ER_LOCK_DEADLOCK

// Waits before attempt `attempt` (2, 3, ...) of a transaction that conflicted.
inline void pause_after_conflict(int attempt) {
  thread_local std::minstd_rand random(std::random_device{}());
  const auto most = kDeadlockPause * attempt;
  std::this_thread::sleep_for(most / 2 + std::chrono::milliseconds(random() % (most.count() / 2 + 1)));
}

struct TransactionOptions {
  // READ COMMITTED instead of REPEATABLE READ, on every attempt: its reads lock the rows they read
  // but no gaps, so a background job never holds up visitors' inserts.
  bool read_committed = false;
  bool* commit_sent = nullptr;  // set when COMMIT was sent (for the caller's handling of a loss)
};

template <typename Work>
auto in_transaction(MysqlConnection& connection, Work&& work, TransactionOptions options = {}) -> decltype(work()) {
  bool* const commit_sent = options.commit_sent;
  for (int attempt = 1;; ++attempt) {
    if (commit_sent) *commit_sent = false;
    if (options.read_committed) connection.read_committed_next();
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
      if (error.getErrorCode() != kErrorDeadlock) throw;
      if (attempt == kDeadlockAttempts) {
        throw StoreUnavailable("a transaction conflicted " + std::to_string(attempt) + " times: " + error.what());
      }
      pause_after_conflict(attempt + 1);
    } catch (...) {
      connection.rollback();
      throw;
    }
  }
}

}  // namespace chat
