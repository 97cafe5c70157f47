// Reading one session's transcript from MySQL. Every statement is a named constant.
#include "transcript/transcript_query.h"

#include <cppconn/resultset.h>

#include <memory>

#include "mysql/result_row.h"

namespace chat {
namespace {

// The messages drive the join (the session row is a constant), so the (session_id, id) index
// gives them in order: no temporary table, no sort. A session without messages yet has no row
// here and is read with kSession.
const std::string kTranscript =
    "SELECT s.id, s.created_at, s.updated_at, s.visitor_name, s.visitor_email, s.version, "
    "m.id, m.sender, m.message, m.created_at, m.response_time_ms, m.source "
    "FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id "
    "WHERE m.session_id = ? ORDER BY m.id";

const std::string kSession =
    "SELECT id, created_at, updated_at, visitor_name, visitor_email, version FROM chat_sessions WHERE id = ?";

// A transcript's session columns (the first six of kTranscript and kSession).
Transcript read_session(sql::ResultSet& row) {
  Transcript transcript;
  transcript.session_id = row.getString(1);
  transcript.created_at = iso8601_column(row, 2);
  transcript.updated_at = iso8601_column(row, 3);
  transcript.visitor.name = optional_string(row, 4);
  transcript.visitor.email = optional_string(row, 5);
  transcript.version = row.getInt64(6);
  return transcript;
}

}  // namespace

namespace {

// The messages with their session's columns, in one statement (one consistent snapshot).
std::optional<Transcript> query_with_messages(MysqlConnection& connection, const std::string& session_id) {
  auto& statement = connection.statement(kTranscript);
  statement.setString(1, session_id);
  std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
  if (!rows->next()) return std::nullopt;
  Transcript transcript = read_session(*rows);
  do {
    transcript.messages.push_back(read_message_columns(*rows, 7));
  } while (rows->next());
  return transcript;
}

}  // namespace

// A session without messages is read alone, then the messages once more: an exchange committed
// between the first two statements would otherwise pair the new version with no messages, and
// that transcript would be served from the cache as current until it aged out. Read in this
// order, a commit between the statements shows up as messages, or leaves an older version that
// the next read replaces.
std::optional<Transcript> query_transcript(MysqlConnection& connection, const std::string& session_id) {
  return connection.run(
      [&]() -> std::optional<Transcript> {
        if (auto transcript = query_with_messages(connection, session_id)) return transcript;
        auto& session = connection.statement(kSession);
        session.setString(1, session_id);
        std::unique_ptr<sql::ResultSet> row(session.executeQuery());
        if (!row->next()) return std::nullopt;
        Transcript alone = read_session(*row);
        if (auto transcript = query_with_messages(connection, session_id)) return transcript;
        return alone;
      },
      /*retry_on_loss=*/true);
}

}  // namespace chat
