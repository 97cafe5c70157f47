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

}  // namespace

std::int64_t purge_sessions_inactive_since(MysqlConnection& connection,
                                           std::chrono::system_clock::time_point cutoff) {
  const std::string before = to_mysql_datetime(cutoff);
  std::int64_t purged = 0;
  for (;;) {
    const int erased = connection.run(
        [&] {
          auto& statement = connection.statement(kPurgeBatch);
          statement.setString(1, before);
          statement.setInt(2, kPurgeBatchSessions);
          return statement.executeUpdate();
        },
        /*retry_on_loss=*/true);
    purged += erased;
    if (erased < kPurgeBatchSessions) break;
  }
  // Every day with a purged row is before the cutoff: their rollups are computed again on demand.
  connection.run(
      [&] {
        const RollupLock lock(connection);
        forget_rollups_through(connection, before.substr(0, 10));
      },
      /*retry_on_loss=*/true);
  return purged;
}

}  // namespace chat
