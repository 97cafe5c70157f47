// Reading one session's transcript from MySQL: the visitor API's GET session and the admin API's
// transcript run the same query.
#pragma once

#include <optional>
#include <string>

#include "mysql/mysql_connection.h"
#include "transcript/transcript.h"

namespace chat {

// The session and its messages in the order they were stored, or nullopt when there is no such
// session. Throws StoreUnavailable when the database cannot be reached (after one retry).
std::optional<Transcript> query_transcript(MysqlConnection& connection, const std::string& session_id);

}  // namespace chat
