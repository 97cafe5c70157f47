// Keeps the search table chat_message_search (sql/004) up with chat_messages: copies the messages
// it lacks, a batch at a time, outside the visitors' transactions. chat-admin runs it in the
// background and before each search, so a search finds every message stored before it began.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "admin_limits.h"
#include "mysql/mysql_connection.h"

namespace chat {

// A message id is handed out at INSERT and becomes visible at COMMIT, so a message may appear
// below the highest id indexed already; each pass looks this many ids back for such late ones.
inline constexpr std::int64_t kSearchIndexLookbackIds = 10000;

// Copies every message stored before the call that the search table lacks, in batches of
// kSearchIndexBatchRows, and returns how many it copied. One pass at a time runs (a named lock,
// also taken by scripts/seed): when another does not end within `lock_wait`, returns nullopt.
// `primary` must be the primary database: this writes.
std::optional<std::int64_t> index_new_messages(MysqlConnection& primary, std::chrono::seconds lock_wait);

}  // namespace chat
