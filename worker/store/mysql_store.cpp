// The Store on MySQL/MariaDB. Every statement is a named constant; every value is bound.
#include "store/mysql_store.h"

#include <cppconn/datatype.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "clock.h"
#include "mysql/mysql_transaction.h"
#include "mysql/result_row.h"
#include "mysql/sql_in_list.h"
#include "store/session_version_batch.h"
#include "transcript/transcript_query.h"

namespace chat {
namespace {

const std::string kSessionExists = "SELECT 1 FROM chat_sessions WHERE id = ?";

// A new session's first ask opens its window of the hourly limit (kAdmitAsk).
const std::string kUpsertSession =
    "INSERT INTO chat_sessions (id, created_at, updated_at, visitor_name, visitor_email, ask_window_start, "
    "asks_in_window) VALUES (?, ?, ?, ?, ?, ?, 1) "
    "ON DUPLICATE KEY UPDATE updated_at = VALUES(updated_at), version = version + 1, "
    "visitor_name = COALESCE(VALUES(visitor_name), visitor_name), "
    "visitor_email = COALESCE(VALUES(visitor_email), visitor_email)";

// Both messages of an exchange in one round trip; RETURNING (MariaDB 10.5+) gives their ids.
const std::string kInsertExchange =
    "INSERT INTO chat_messages (session_id, sender, message, created_at, response_time_ms, source) "
    "VALUES (?, 'visitor', ?, ?, NULL, NULL), (?, 'bot', ?, ?, ?, ?) RETURNING id, sender";

// The versions of some sessions; the IN list comes from sql_in_list.h.
const std::string kSessionVersionsOf = "SELECT id, version FROM chat_sessions WHERE id IN ";

const std::string kPing = "SELECT 1";

const std::string kRecentMessages =
    "SELECT id, sender, message, created_at, response_time_ms, source FROM chat_messages "
    "WHERE session_id = ? ORDER BY id DESC LIMIT ?";

// Assignments run left to right: the count is set while ask_window_start still holds the old
// window. Matches no row when the window is open and full.
const std::string kAdmitAsk =
    "UPDATE chat_sessions SET"
    " asks_in_window = IF(ask_window_start IS NULL OR ask_window_start <= ?, 1, asks_in_window + 1),"
    " ask_window_start = IF(ask_window_start IS NULL OR ask_window_start <= ?, ?, ask_window_start)"
    " WHERE id = ? AND (ask_window_start IS NULL OR ask_window_start <= ? OR asks_in_window < ?)";

// Inserts the client's first start, or counts one more while there is room, or opens a new
// window once the last closed. A full window is left as it was: MySQL then reports 0 rows
// affected (1 for an insert, 2 for a changed row).
const std::string kAdmitSessionStart =
    "INSERT INTO session_starts (client_network, window_start, starts) VALUES (?, ?, 1) "
    "ON DUPLICATE KEY UPDATE"
    " starts = IF(window_start <= ?, 1, IF(starts < ?, starts + 1, starts)),"
    " window_start = IF(window_start <= ?, VALUES(window_start), window_start)";

const std::string kCachedAnswer =
    "SELECT answer FROM answer_cache WHERE question_hash = ? AND expires_at > ?";

const std::string kIsBotMessageOf =
    "SELECT 1 FROM chat_messages WHERE id = ? AND session_id = ? AND sender = 'bot'";

const std::string kRateAnswer =
    "INSERT INTO message_feedback (message_id, rating, comment, created_at) VALUES (?, ?, ?, ?) "
    "ON DUPLICATE KEY UPDATE rating = VALUES(rating), comment = VALUES(comment), created_at = VALUES(created_at)";

// The session is kept only when it exists (a visitor may write before ever asking); the lead is
// due for delivery at once.
const std::string kRecordLead =
    "INSERT INTO leads (session_id, name, email, message, created_at, next_attempt_at) "
    "VALUES ((SELECT id FROM chat_sessions WHERE id = ?), ?, ?, ?, ?, ?)";
const std::string kLastInsertId = "SELECT LAST_INSERT_ID()";

// A lead or a rating is activity: the conversation is kept as long after it as after a message.
// Its version moves too: a cached transcript (which shows updated_at) is read again.
const std::string kTouchSession =
    "UPDATE chat_sessions SET updated_at = GREATEST(updated_at, ?), version = version + 1 WHERE id = ?";

constexpr int kErrorNoReferencedRow = 1452;  // ER_NO_REFERENCED_ROW_2: the message was erased meanwhile

const std::string kCacheAnswer =
    "INSERT INTO answer_cache (question_hash, session_id, question, answer, created_at, expires_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE session_id = VALUES(session_id), "
    "question = VALUES(question), answer = VALUES(answer), "
    "created_at = VALUES(created_at), expires_at = VALUES(expires_at)";

// Inserts the question and the answer; returns the answer's id.
void touch_session(MysqlConnection& connection, const std::string& session_id,
                   std::chrono::system_clock::time_point at) {
  auto& touch = connection.statement(kTouchSession);
  touch.setString(1, to_mysql_datetime(at));
  touch.setString(2, session_id);
  touch.executeUpdate();
}

std::int64_t insert_messages(MysqlConnection& connection, const Exchange& exchange) {
  auto& statement = connection.statement(kInsertExchange);
  statement.setString(1, exchange.session_id);
  statement.setString(2, exchange.question);
  statement.setString(3, to_mysql_datetime(exchange.asked_at));
  statement.setString(4, exchange.session_id);
  statement.setString(5, exchange.answer);
  statement.setString(6, to_mysql_datetime(exchange.answered_at));
  statement.setInt64(7, exchange.response_time_ms);
  statement.setString(8, std::string(to_string(exchange.source)));
  std::unique_ptr<sql::ResultSet> ids(statement.executeQuery());
  while (ids->next()) {
    const bool answer = parse_sender(std::string(ids->getString(2))) == Sender::bot;
    if (answer) return static_cast<std::int64_t>(ids->getUInt64(1));
  }
  throw std::runtime_error("INSERT ... RETURNING gave no id for the answer");
}

void upsert_session(MysqlConnection& connection, const std::string& session_id, const VisitorInfo& visitor,
                    std::chrono::system_clock::time_point created_at,
                    std::chrono::system_clock::time_point updated_at) {
  auto& session = connection.statement(kUpsertSession);
  session.setString(1, session_id);
  session.setString(2, to_mysql_datetime(created_at));
  session.setString(3, to_mysql_datetime(updated_at));
  set_optional_string(session, 4, visitor.name);
  set_optional_string(session, 5, visitor.email);
  session.setString(6, to_mysql_datetime(created_at));
  session.executeUpdate();
}

}  // namespace

// Runs `work` on a borrowed connection; if the connection turns out to be lost, once more on a
// fresh one (every caller's work is safe to repeat: reads and upserts).
template <typename Work>
auto MysqlStore::on_connection(MysqlConnectionPool& pool, Work&& work) {
  const auto connection = pool.borrow();
  return connection->run([&] { return work(*connection); }, /*retry_on_loss=*/true);
}

bool MysqlStore::session_exists(const std::string& session_id) {
  return on_connection(pool_, [&](MysqlConnection& connection) {
        auto& statement = connection.statement(kSessionExists);
        statement.setString(1, session_id);
        std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
        return rows->next();
      });
}

void MysqlStore::create_session(const std::string& session_id, const VisitorInfo& visitor,
                                std::chrono::system_clock::time_point at) {
  on_connection(pool_, [&](MysqlConnection& connection) { upsert_session(connection, session_id, visitor, at, at); });
}

// Stores both messages in one transaction (run again when the server rolled it back over a
// conflict: a deadlock, or a Galera certification failure). A connection lost before COMMIT was
// sent rolled the transaction back on the server, so it is retried once on a new connection (on
// the next server of the list when its server is gone); a loss during COMMIT is not retried (the
// outcome is unknown) and surfaces as StoreUnavailable.
StoredExchange MysqlStore::record_exchange(const Exchange& exchange) {
  const auto lease = pool_.borrow();
  MysqlConnection& connection = *lease;
  const auto store_both = [&] {
    upsert_session(connection, exchange.session_id, exchange.visitor, exchange.asked_at, exchange.answered_at);
    return StoredExchange{insert_messages(connection, exchange)};
  };
  for (int attempt = 0;; ++attempt) {
    bool commit_sent = false;
    try {
      return in_transaction(connection, store_both, {.commit_sent = &commit_sent});
    } catch (const sql::SQLException& error) {
      if (!is_connection_error(error)) throw;
      connection.reset();
      if (commit_sent || attempt > 0) throw StoreUnavailable(error.what());
    }
  }
}

std::optional<Transcript> MysqlStore::transcript(const std::string& session_id) {
  const auto connection = reads_.borrow();
  return query_transcript(*connection, session_id);
}

SessionVersions MysqlStore::session_versions(const std::vector<std::string>& session_ids) {
  if (session_ids.empty()) return {};
  if (session_ids.size() > SessionVersionBatch::kMaxIds) throw std::invalid_argument("too many session ids");
  return on_connection(reads_, [&](MysqlConnection& connection) {
        auto& statement = connection.statement(kSessionVersionsOf + in_list_placeholders(session_ids.size()));
        unsigned int place = 0;
        bind_in_list(session_ids.size(), [&](std::optional<std::size_t> i) {
          statement.setString(++place, i ? session_ids[*i] : "");  // "": no session's id
        });
        std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
        SessionVersions versions;
        while (rows->next()) versions[rows->getString(1)] = rows->getInt64(2);
        return versions;
      });
}

std::vector<StoredMessage> MysqlStore::recent_messages(const std::string& session_id, int limit) {
  return on_connection(pool_, [&](MysqlConnection& connection) {
        auto& statement = connection.statement(kRecentMessages);
        statement.setString(1, session_id);
        statement.setInt(2, limit);
        std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
        std::vector<StoredMessage> messages;
        while (rows->next()) messages.push_back(read_message_columns(*rows, 1));
        std::reverse(messages.begin(), messages.end());
        return messages;
      });
}

bool MysqlStore::admit_ask(const std::string& session_id, int limit, std::chrono::system_clock::time_point now) {
  const std::string closed = to_mysql_datetime(now - std::chrono::hours(1));  // a window opened by then is over
  const auto connection = pool_.borrow();
  // Not retried on a lost connection: the count may have been taken already.
  return connection->run([&] {
    auto& statement = connection->statement(kAdmitAsk);
    statement.setString(1, closed);
    statement.setString(2, closed);
    statement.setString(3, to_mysql_datetime(now));
    statement.setString(4, session_id);
    statement.setString(5, closed);
    statement.setInt(6, limit);
    return statement.executeUpdate() == 1;
  }, /*retry_on_loss=*/false);
}

bool MysqlStore::admit_session_start(const std::string& client_network, int limit,
                                     std::chrono::system_clock::time_point now) {
  const std::string closed = to_mysql_datetime(now - std::chrono::hours(1));
  const auto connection = pool_.borrow();
  return connection->run([&] {  // not retried on a lost connection, as admit_ask
    auto& statement = connection->statement(kAdmitSessionStart);
    statement.setString(1, client_network);
    statement.setString(2, to_mysql_datetime(now));
    statement.setString(3, closed);
    statement.setInt(4, limit);
    statement.setString(5, closed);
    return statement.executeUpdate() > 0;
  }, /*retry_on_loss=*/false);
}

std::optional<std::string> MysqlStore::cached_answer(const std::string& question_hash) {
  return on_connection(pool_,
      [&](MysqlConnection& connection) -> std::optional<std::string> {
        auto& statement = connection.statement(kCachedAnswer);
        statement.setString(1, question_hash);
        statement.setString(2, to_mysql_datetime(std::chrono::system_clock::now()));
        std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
        if (!rows->next()) return std::nullopt;
        return std::string(rows->getString(1));
      });
}

void MysqlStore::cache_answer(const std::string& session_id, const std::string& question_hash,
                              const std::string& question, const std::string& answer, std::chrono::seconds ttl) {
  const auto now = std::chrono::system_clock::now();
  on_connection(pool_,
      [&](MysqlConnection& connection) {
        auto& statement = connection.statement(kCacheAnswer);
        statement.setString(1, question_hash);
        statement.setString(2, session_id);
        statement.setString(3, question);
        statement.setString(4, answer);
        statement.setString(5, to_mysql_datetime(now));
        statement.setString(6, to_mysql_datetime(now + ttl));
        statement.executeUpdate();
      });  // an upsert: running it twice is harmless
}

bool MysqlStore::rate_answer(const Feedback& feedback) {
  return on_connection(pool_, [&](MysqlConnection& connection) {  // an upsert: safe to run again
    auto& check = connection.statement(kIsBotMessageOf);
    check.setInt64(1, feedback.message_id);
    check.setString(2, feedback.session_id);
    if (!std::unique_ptr<sql::ResultSet>(check.executeQuery())->next()) return false;
    auto& rate = connection.statement(kRateAnswer);
    rate.setInt64(1, feedback.message_id);
    rate.setString(2, to_string(feedback.rating));
    if (feedback.comment) {
      rate.setString(3, *feedback.comment);
    } else {
      rate.setNull(3, sql::DataType::VARCHAR);
    }
    rate.setString(4, to_mysql_datetime(feedback.at));
    try {
      rate.executeUpdate();
    } catch (const sql::SQLException& error) {
      if (error.getErrorCode() == kErrorNoReferencedRow) return false;
      throw;
    }
    touch_session(connection, feedback.session_id, feedback.at);
    return true;
  });
}

std::int64_t MysqlStore::record_lead(const Lead& lead) {
  const auto connection = pool_.borrow();
  // One transaction, so a conflict over the session's row (Galera) runs both again rather than
  // leaving the lead stored and the request failed; not run again on a lost connection: the
  // lead may be stored.
  return connection->run([&] { return in_transaction(*connection, [&] {
    auto& insert = connection->statement(kRecordLead);
    if (lead.session_id) {
      insert.setString(1, *lead.session_id);
    } else {
      insert.setNull(1, sql::DataType::CHAR);
    }
    insert.setString(2, lead.name);
    insert.setString(3, lead.email);
    insert.setString(4, lead.message);
    insert.setString(5, to_mysql_datetime(lead.at));
    insert.setString(6, to_mysql_datetime(lead.at));
    insert.executeUpdate();
    std::unique_ptr<sql::ResultSet> id(connection->statement(kLastInsertId).executeQuery());
    id->next();
    const auto lead_id = static_cast<std::int64_t>(id->getInt64(1));
    if (lead.session_id) touch_session(*connection, *lead.session_id, lead.at);
    return lead_id;
  }); }, /*retry_on_loss=*/false);
}

void MysqlStore::ping() {
  const auto connection = health_.borrow();
  connection->run(
      [&] {
        std::unique_ptr<sql::ResultSet> rows(connection->statement(kPing).executeQuery());
        rows->next();
      },
      /*retry_on_loss=*/true);
}

}  // namespace chat
