// Reading and binding the column types every store shares.
#include "mysql/result_row.h"

#include <stdexcept>

#include "clock.h"

namespace chat {

std::optional<std::string> optional_string(sql::ResultSet& row, int column) {
  if (row.isNull(column)) return std::nullopt;
  return std::string(row.getString(column));
}

std::string iso8601_column(sql::ResultSet& row, int column) {
  return mysql_datetime_to_iso8601(std::string(row.getString(column)));
}

void set_optional_string(sql::PreparedStatement& statement, int index, const std::optional<std::string>& value) {
  if (value) {
    statement.setString(index, *value);
  } else {
    statement.setNull(index, 0);
  }
}

StoredMessage read_message_columns(sql::ResultSet& row, int first) {
  StoredMessage message;
  message.id = static_cast<std::int64_t>(row.getUInt64(first));
  const std::string sender = row.getString(first + 1);
  const auto parsed_sender = parse_sender(sender);
  if (!parsed_sender) throw std::runtime_error("unknown sender in chat_messages: " + sender);
  message.sender = *parsed_sender;
  message.text = row.getString(first + 2);
  message.created_at = iso8601_column(row, first + 3);
  if (!row.isNull(first + 4)) message.response_time_ms = row.getInt64(first + 4);
  if (const auto source = optional_string(row, first + 5)) {
    message.source = parse_source(*source);
    if (!message.source) throw std::runtime_error("unknown source in chat_messages: " + *source);
  }
  return message;
}

}  // namespace chat
