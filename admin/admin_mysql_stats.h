// The admin statistics on MySQL, fast over months. Days that are over (before the current UTC
// day, less kLateWriteMargin) are aggregated once into the rollup tables chat_stats_daily and
// chat_stats_response_times on the primary (ahead of time by chat-admin's background refresh, or
// by the first request that needs them) and read back from there; the days still open are
// aggregated from the messages on the read connection. Erasure and the retention purge forget
// the rollups of the days they touch. Without the primary, everything is aggregated from the
// messages on the read connection (slower, same answer).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "admin_params.h"
#include "admin_stats.h"
#include "mysql/mysql_connection.h"
#include "mysql/mysql_named_lock.h"

namespace chat {

// A message may be committed a little after its created_at: a day is rolled up only once it
// ended this long ago. Missing rollups are computed a week at a time (one short transaction each).
inline constexpr std::chrono::hours kLateWriteMargin{1};
inline constexpr int kRollupChunkDays = 7;
// Up to a month of rollups is read by day; longer ranges scan the histogram in value order.
inline constexpr int kMaxDaysReadByDay = 31;

// The named lock that orders rollup computation, erasure and purge, so no rollup is computed
// from rows an erasure is removing (and then kept). Held for the object's life; throws
// StoreUnavailable when another holder keeps it past a few seconds.
class RollupLock {
 public:
  explicit RollupLock(MysqlConnection& primary);

 private:
  static constexpr std::chrono::seconds kRollupLockWait{8};  // below the read timeout
  MysqlNamedLock lock_;
};

class MysqlStats {
 public:
  MysqlStats(MysqlConnection& reads, MysqlConnection& primary) : reads_(reads), primary_(primary) {}

  // Throws StoreUnavailable when the read connection cannot be reached.
  AdminStats stats(const DateRange& range, std::chrono::system_clock::time_point now);

 private:
  MysqlConnection& reads_;
  MysqlConnection& primary_;
};

// Rolls up every day that is over and has no rollup yet, from `from` (default: the first day
// with data), and returns how many days were missing. chat-admin runs it in the background when
// it starts and every kRollupRefreshInterval, so that no stats request waits for the rollups of
// a day; `stop`, when given, is asked before each chunk whether to stop there. Throws
// StoreUnavailable when the primary cannot be reached.
inline constexpr std::chrono::minutes kRollupRefreshInterval{1};
int roll_up_closed_days(MysqlConnection& primary, std::chrono::system_clock::time_point now,
                        const std::function<bool()>& stop = {},
                        std::optional<std::chrono::year_month_day> from = std::nullopt);

// Forgets the rollups of the days the session has rows in. Call under a RollupLock, inside the
// transaction that erases it, before the DELETE.
void forget_session_rollups(MysqlConnection& primary, const std::string& session_id);

// Forgets the rollups of every day up to `last_day` ("YYYY-MM-DD") included (under a RollupLock).
void forget_rollups_through(MysqlConnection& primary, const std::string& last_day);

}  // namespace chat
