// Retention: erasing sessions inactive since a cutoff, batch by batch (see the header).
#include "admin_retention.h"

#include <string>

#include "admin_mysql_stats.h"
#include "clock.h"

namespace chat {
namespace {

// Oldest first, so an interrupted purge has still erased the oldest data.
const std::string kPurgeBatch =
    "DELETE FROM chat_sessions WHERE updated_at < ? ORDER BY updated_at LIMIT ?";

// Leads left without a conversation go by their own age (the others go with their session).
const std::string kPurgeLoneLeads =
    "DELETE FROM leads WHERE session_id IS NULL AND created_at < ? ORDER BY created_at LIMIT ?";

const std::string kPurgeExpiredAnswers = "DELETE FROM answer_cache WHERE expires_at < ? LIMIT ?";
const std::string kPurgeClosedSessionStarts = "DELETE FROM session_starts WHERE window_start < ? LIMIT ?";

// Runs a batched DELETE (its two parameters: `before` and the batch size) until a batch comes back
// short; returns the rows erased.
std::int64_t delete_in_batches(MysqlConnection& connection, const std::string& query, const std::string& before) {
  std::int64_t erased = 0;
  for (;;) {
    const int batch = connection.run(
        [&] {
          auto& statement = connection.statement(query);
          statement.setString(1, before);
          statement.setInt(2, kPurgeBatchSessions);
          return statement.executeUpdate();
        },
        /*retry_on_loss=*/true);
    erased += batch;
    if (batch < kPurgeBatchSessions) return erased;
  }
}

}  // namespace

std::int64_t purge_sessions_inactive_since(MysqlConnection& connection,
                                           std::chrono::system_clock::time_point cutoff) {
  const std::string before = to_mysql_datetime(cutoff);
  const std::int64_t purged = delete_in_batches(connection, kPurgeBatch, before);
  delete_in_batches(connection, kPurgeLoneLeads, before);
  // Every day with a purged row is before the cutoff: their rollups are computed again on demand.
  connection.run(
      [&] {
        const RollupLock lock(connection);
        forget_rollups_through(connection, before.substr(0, 10));
      },
      /*retry_on_loss=*/true);
  return purged;
}

std::int64_t purge_expired_cached_answers(MysqlConnection& connection, std::chrono::system_clock::time_point now) {
  return delete_in_batches(connection, kPurgeExpiredAnswers, to_mysql_datetime(now));
}

std::int64_t purge_closed_session_starts(MysqlConnection& connection, std::chrono::system_clock::time_point now) {
  return delete_in_batches(connection, kPurgeClosedSessionStarts, to_mysql_datetime(now - std::chrono::hours(1)));
}

}  // namespace chat
