// Retention: erasing the sessions (and, by cascade, their messages and cached answers) whose last
// activity is older than a cutoff, in small batches so no transaction grows large, then the
// statistics' rollups of the days before it (`chat-admin --purge-older-than DAYS`); and erasing
// expired cached answers.
#pragma once

#include <chrono>
#include <cstdint>

#include "admin_limits.h"
#include "mysql/mysql_connection.h"

namespace chat {

// Erases every session with updated_at before `cutoff`; returns how many. Throws
// StoreUnavailable when the database cannot be reached.
std::int64_t purge_sessions_inactive_since(MysqlConnection& connection,
                                           std::chrono::system_clock::time_point cutoff);

// Erases the cached answers that expired before `now` (a visitor's question is kept no longer
// than the cache uses it); returns how many. chat-admin's background work calls it.
std::int64_t purge_expired_cached_answers(MysqlConnection& connection, std::chrono::system_clock::time_point now);

// Erases the per-client session-start counts whose hour is over (they hold client addresses);
// returns how many.
std::int64_t purge_closed_session_starts(MysqlConnection& connection, std::chrono::system_clock::time_point now);

}  // namespace chat
