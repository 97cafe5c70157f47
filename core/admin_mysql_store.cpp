// The AdminStore on MySQL/MariaDB. Every statement is built from named constant pieces and every
// value is bound. No query returns a row per message except the paged lists and the export,
// which reads in keyset-paged batches; the statistics are in admin_mysql_stats.
#include "admin_mysql_store.h"

#include <cppconn/resultset.h>

#include <memory>

#include "admin_mysql_stats.h"
#include "admin_transaction.h"
#include "clock.h"

namespace chat {
namespace {

constexpr int kExportBatchRows = 2000;

// --- sessions ------------------------------------------------------------------------------
// A page is chosen on the index first (ids only), then only its sessions are filled in, so deep
// offsets do not run the per-session subqueries for every skipped row.
const std::string kSessionPageOf =
    "SELECT s.id, s.created_at, s.updated_at, s.visitor_name, s.visitor_email, "
    "(SELECT COUNT(*) FROM chat_messages c WHERE c.session_id = s.id), "
    "(SELECT l.message FROM chat_messages l WHERE l.session_id = s.id ORDER BY l.id DESC LIMIT 1) "
    "FROM (";
const std::string kSessionPageEnd =
    ") page JOIN chat_sessions s ON s.id = page.id ORDER BY s.created_at DESC, s.id DESC";
const std::string kSessionIds = "SELECT s.id ";
const std::string kSessionCount = "SELECT COUNT(*) ";
const std::string kSessionsInRange = "FROM chat_sessions s WHERE s.created_at BETWEEN ? AND ? ";
// Sessions whose visitor name or email, or any message, matches: each full-text index once.
const std::string kMatchingSessionsInRange =
    "FROM (SELECT id FROM chat_sessions WHERE MATCH(visitor_name, visitor_email) AGAINST (? IN BOOLEAN MODE) "
    "UNION SELECT session_id FROM chat_messages WHERE MATCH(message) AGAINST (? IN BOOLEAN MODE)) hit "
    "JOIN chat_sessions s ON s.id = hit.id WHERE s.created_at BETWEEN ? AND ? ";
const std::string kSessionOrder = "ORDER BY s.created_at DESC, s.id DESC LIMIT ? OFFSET ?";

// --- messages ------------------------------------------------------------------------------
const std::string kMessageRows =
    "SELECT m.id, m.session_id, m.sender, m.message, m.created_at, m.response_time_ms, m.source "
    "FROM chat_messages m ";
const std::string kMessageCount = "SELECT COUNT(*) FROM chat_messages m ";
const std::string kMessageInRange = "WHERE m.created_at BETWEEN ? AND ? ";
const std::string kMessageFromSender = "AND m.sender = ? ";
const std::string kMessageMatches = "AND MATCH(m.message) AGAINST (? IN BOOLEAN MODE) ";
const std::string kMessagePage = "ORDER BY m.created_at DESC, m.id DESC LIMIT ? OFFSET ?";

// --- export and erase ----------------------------------------------------------------------
// The next batch after the cursor (created_at, id), in the order of idx_messages_created_at.
const std::string kExportBatch =
    "SELECT m.id, m.session_id, m.sender, m.message, m.created_at, m.response_time_ms, m.source, "
    "s.visitor_name, s.visitor_email "
    "FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id "
    "WHERE m.created_at BETWEEN ? AND ? AND (m.created_at > ? OR (m.created_at = ? AND m.id > ?)) "
    "ORDER BY m.created_at, m.id LIMIT ?";
// The messages go with it through ON DELETE CASCADE, in the same transaction as the rollups of
// its days (forget_session_rollups).
const std::string kEraseSession = "DELETE FROM chat_sessions WHERE id = ?";

// Binds parameters in order.
class Binder {
 public:
  explicit Binder(sql::PreparedStatement& statement) : statement_(statement) {}
  Binder& text(const std::string& value) {
    statement_.setString(++index_, value);
    return *this;
  }
  Binder& number(std::int64_t value) {
    statement_.setInt64(++index_, value);
    return *this;
  }
  Binder& range(const DateRange& range) { return text(range.first_instant()).text(range.last_instant()); }

 private:
  sql::PreparedStatement& statement_;
  int index_ = 0;
};

std::optional<std::string> optional_string(sql::ResultSet& row, int column) {
  if (row.isNull(column)) return std::nullopt;
  return std::string(row.getString(column));
}

std::string iso8601(sql::ResultSet& row, int column) {
  return mysql_datetime_to_iso8601(std::string(row.getString(column)));
}

// Reads columns id, session_id, sender, message, created_at, response_time_ms, source.
AdminMessage read_admin_message(sql::ResultSet& row) {
  AdminMessage out;
  out.message.id = static_cast<std::int64_t>(row.getUInt64(1));
  out.session_id = row.getString(2);
  out.message.sender = row.getString(3);
  out.message.text = row.getString(4);
  out.message.created_at = iso8601(row, 5);
  if (!row.isNull(6)) out.message.response_time_ms = row.getInt64(6);
  out.message.source = optional_string(row, 7);
  return out;
}

std::int64_t single_count(sql::PreparedStatement& statement) {
  std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
  return rows->next() ? rows->getInt64(1) : 0;
}

}  // namespace

AdminStats MysqlAdminStore::stats(const DateRange& range) {
  return MysqlStats(reads_, writes_).stats(range, std::chrono::system_clock::now());
}

SessionPage MysqlAdminStore::sessions(const SessionQuery& query) {
  const std::string& filter = query.search ? kMatchingSessionsInRange : kSessionsInRange;
  const auto bind_filter = [&](sql::PreparedStatement& statement) {
    Binder binder(statement);
    if (query.search) binder.text(*query.search).text(*query.search);
    binder.range(query.range);
    return binder;
  };
  return reads_.run(
      [&] {
        SessionPage page;
        auto& count = reads_.statement(kSessionCount + filter);
        bind_filter(count);
        page.total = single_count(count);
        auto& statement = reads_.statement(kSessionPageOf + kSessionIds + filter + kSessionOrder + kSessionPageEnd);
        bind_filter(statement).number(query.page.limit).number(query.page.offset);
        std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
        while (rows->next()) {
          SessionSummary session;
          session.session_id = rows->getString(1);
          session.created_at = iso8601(*rows, 2);
          session.updated_at = iso8601(*rows, 3);
          session.visitor = {optional_string(*rows, 4), optional_string(*rows, 5)};
          session.message_count = rows->getInt64(6);
          session.last_message = optional_string(*rows, 7);
          page.sessions.push_back(std::move(session));
        }
        return page;
      },
      /*retry_on_loss=*/true);
}

MessagePage MysqlAdminStore::messages(const MessageQuery& query) {
  std::string filter = kMessageInRange;
  if (query.sender) filter.append(kMessageFromSender);
  if (query.search) filter.append(kMessageMatches);
  const auto bind_filter = [&](sql::PreparedStatement& statement) {
    Binder binder(statement);
    binder.range(query.range);
    if (query.sender) binder.text(*query.sender);
    if (query.search) binder.text(*query.search);
    return binder;
  };
  return reads_.run(
      [&] {
        MessagePage page;
        auto& count = reads_.statement(kMessageCount + filter);
        bind_filter(count);
        page.total = single_count(count);
        auto& statement = reads_.statement(kMessageRows + filter + kMessagePage);
        bind_filter(statement).number(query.page.limit).number(query.page.offset);
        std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
        while (rows->next()) page.messages.push_back(read_admin_message(*rows));
        return page;
      },
      /*retry_on_loss=*/true);
}

std::optional<Transcript> MysqlAdminStore::transcript(const std::string& session_id) {
  return transcripts_.transcript(session_id);
}

// Keyset paging over (created_at, id): each batch is one short query that starts where the last
// one ended, so memory stays at one batch and no query stays open while the client reads.
void MysqlAdminStore::export_messages(const DateRange& range, const ExportSink& sink) {
  std::string cursor_time = range.first_instant();  // as MySQL writes it, for the next batch
  std::int64_t cursor_id = 0;
  for (;;) {
    std::string last_time;
    const std::vector<ExportedMessage> batch = reads_.run(
        [&] {
          auto& statement = reads_.statement(kExportBatch);
          Binder(statement).range(range).text(cursor_time).text(cursor_time).number(cursor_id).number(
              kExportBatchRows);
          std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
          std::vector<ExportedMessage> out;
          while (rows->next()) {
            out.push_back({read_admin_message(*rows), {optional_string(*rows, 8), optional_string(*rows, 9)}});
            last_time = rows->getString(5);
          }
          return out;
        },
        /*retry_on_loss=*/true);
    if (batch.empty()) return;
    cursor_time = last_time;
    cursor_id = batch.back().message.message.id;
    if (!sink(batch) || batch.size() < static_cast<std::size_t>(kExportBatchRows)) return;
  }
}

bool MysqlAdminStore::erase_session(const std::string& session_id) {
  return writes_.run(
      [&] {
        const RollupLock lock(writes_);
        return in_transaction(writes_, [&] {
          forget_session_rollups(writes_, session_id);
          auto& statement = writes_.statement(kEraseSession);
          statement.setString(1, session_id);
          return statement.executeUpdate() > 0;
        });
      },
      /*retry_on_loss=*/true);
}

}  // namespace chat
