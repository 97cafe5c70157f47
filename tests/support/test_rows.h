// Sessions and messages written straight into the schema, as the visitor API stores them: for
// tests of chat-admin, which must not link the worker's store. Times are MySQL DATETIME text.
#pragma once

#include <optional>
#include <string>

#include "mysql/mysql_connection.h"
#include "uuid.h"

namespace chat::testing {

// A new session created (and last updated) at `created_at`; returns its id.
inline std::string add_session(MysqlConnection& writer, const std::string& created_at,
                               const std::optional<std::string>& name = {},
                               const std::optional<std::string>& email = {}) {
  const std::string id = new_uuid_v4();
  auto& statement = writer.statement(
      "INSERT INTO chat_sessions (id, created_at, updated_at, visitor_name, visitor_email) VALUES (?, ?, ?, ?, ?)");
  statement.setString(1, id);
  statement.setString(2, created_at);
  statement.setString(3, created_at);
  name ? statement.setString(4, *name) : statement.setNull(4, 0);
  email ? statement.setString(5, *email) : statement.setNull(5, 0);
  statement.executeUpdate();
  return id;
}

// A message of the session, which is updated no earlier than the message.
inline void add_message(MysqlConnection& writer, const std::string& session_id, const std::string& sender,
                        const std::string& text, const std::string& created_at,
                        std::optional<int> response_time_ms = {}, const std::optional<std::string>& source = {}) {
  auto& statement = writer.statement(
      "INSERT INTO chat_messages (session_id, sender, message, created_at, response_time_ms, source) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  statement.setString(1, session_id);
  statement.setString(2, sender);
  statement.setString(3, text);
  statement.setString(4, created_at);
  response_time_ms ? statement.setInt(5, *response_time_ms) : statement.setNull(5, 0);
  source ? statement.setString(6, *source) : statement.setNull(6, 0);
  statement.executeUpdate();
  auto& touch = writer.statement("UPDATE chat_sessions SET updated_at = GREATEST(updated_at, ?) WHERE id = ?");
  touch.setString(1, created_at);
  touch.setString(2, session_id);
  touch.executeUpdate();
}

// A question and its answer (from `source`, after `response_time_ms`), both at `asked_at`.
inline void add_exchange(MysqlConnection& writer, const std::string& session_id, const std::string& question,
                         const std::string& asked_at, int response_time_ms, const std::string& source) {
  add_message(writer, session_id, "visitor", question, asked_at);
  add_message(writer, session_id, "bot", "Answer to " + question, asked_at, response_time_ms, source);
}

// A cached answer to the first question of `session_id`, expiring at `expires_at`.
inline void add_cached_answer(MysqlConnection& writer, const std::string& session_id, const std::string& hash,
                              const std::string& expires_at) {
  auto& statement = writer.statement(
      "INSERT INTO answer_cache (question_hash, session_id, question, answer, created_at, expires_at) "
      "VALUES (?, ?, 'the visitor''s question', 'the answer', '2000-01-01 00:00:00.000', ?)");
  statement.setString(1, hash);
  statement.setString(2, session_id);
  statement.setString(3, expires_at);
  statement.executeUpdate();
}

}  // namespace chat::testing
