// Reading and binding the column types every store shares: nullable text, DATETIME(3) as ISO
// 8601, and a message's six columns.
#pragma once

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <optional>
#include <string>

#include "transcript/transcript.h"

namespace chat {

// The column's text, or nullopt for NULL.
std::optional<std::string> optional_string(sql::ResultSet& row, int column);

// A DATETIME(3) column as ISO 8601 UTC with milliseconds.
std::string iso8601_column(sql::ResultSet& row, int column);

// Binds `value`, or NULL when there is none.
void set_optional_string(sql::PreparedStatement& statement, int index, const std::optional<std::string>& value);

// A message from six columns starting at `first`: id, sender, message, created_at,
// response_time_ms, source. A sender or source the schema's ENUMs do not allow throws.
StoredMessage read_message_columns(sql::ResultSet& row, int first);

}  // namespace chat
