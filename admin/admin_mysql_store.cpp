// The AdminStore on MySQL/MariaDB. Every statement is built from named constant pieces and every
// value is bound. No query returns a row per message except the paged lists, the search scans
// (a window of keys at a time) and the export, which reads in keyset-paged batches; the
// statistics are in admin_mysql_stats.
#include "admin_mysql_store.h"

#include <cppconn/resultset.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>

#include "admin_limits.h"
#include "admin_mysql_stats.h"
#include "mysql/mysql_transaction.h"
#include "statement_binder.h"
#include "clock.h"
#include "log.h"
#include "mysql/result_row.h"
#include "mysql/sql_in_list.h"
#include "search/admin_fulltext.h"
#include "search/admin_search_scan.h"
#include "search/message_search_index.h"
#include "transcript/transcript_query.h"

namespace chat {
namespace {

// One search text: its full-text query and the per-row condition's values.
class Search {
 public:
  explicit Search(const std::string& boolean_query)
      : query_(boolean_query), values_(words_condition_values(fulltext_words(boolean_query))) {}
  const std::string& query() const { return query_; }
  // The condition that the SQL expression `text` has every word (its placeholders: bind_words).
  std::string matches(const std::string& text) const { return words_condition(text, values_.size() / 2); }
  Binder& bind_words(Binder& binder) const {
    for (const auto& value : values_) binder.text(value);
    return binder;
  }

 private:
  std::string query_;
  std::vector<std::string> values_;
};

// The matches of a scan on the page [offset, offset + limit).
std::vector<ScanKey> page_of(const std::vector<ScanKey>& matches, const Page& page) {
  const auto first = std::min(matches.size(), static_cast<std::size_t>(page.offset));
  const auto last = std::min(matches.size(), first + static_cast<std::size_t>(page.limit));
  return {matches.begin() + static_cast<std::ptrdiff_t>(first), matches.begin() + static_cast<std::ptrdiff_t>(last)};
}

// total and total_capped from a count of at most kSearchCountCap + 1 matches.
template <typename ListPage>
void set_capped_total(ListPage& page, std::int64_t counted) {
  const auto cap = static_cast<std::int64_t>(kSearchCountCap);
  page.total = std::min(counted, cap);
  page.total_capped = counted > cap;
}

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
const std::string kSessionOrder = "ORDER BY s.created_at DESC, s.id DESC LIMIT ? OFFSET ?";
const std::string kSessionsWithIds = "SELECT s.id FROM chat_sessions s WHERE s.id IN ";
// A search matches a session when its visitor's name and email, or one of its messages, have
// every word. The scan reads the next sessions after a key, each with whether it matches.
const std::string kVisitorText = "CONCAT_WS(' ', s.visitor_name, s.visitor_email)";
const std::string kSessionsAfter =
    "AND (s.created_at < ? OR (s.created_at = ? AND s.id < ?)) ORDER BY s.created_at DESC, s.id DESC LIMIT ?";
const std::string kSessionKeyBeforeAll = "~";  // after every UUID in ascii_bin order
const std::string kCappedCountOf = "SELECT COUNT(*) FROM (SELECT 1 ";
const std::string kCappedCountEnd = "LIMIT ?) capped";

std::string session_scan_window(const Search& search) {
  return "SELECT s.id, s.created_at, " + search.matches(kVisitorText) +
         " OR EXISTS (SELECT 1 FROM chat_messages c WHERE c.session_id = s.id AND " + search.matches("c.message") +
         ") " + kSessionsInRange + kSessionsAfter;
}

// The sessions a search matches, with the FULLTEXT indexes: each index once, and each of their
// hits checked with the scan's condition too, so that both ways find the same sessions.
std::string matching_sessions_in_range(const Search& search) {
  return "FROM (SELECT s.id FROM chat_sessions s "
         "WHERE MATCH(s.visitor_name, s.visitor_email) AGAINST (? IN BOOLEAN MODE) AND " +
         search.matches(kVisitorText) +
         " UNION SELECT c.session_id FROM chat_message_search f JOIN chat_messages c ON c.id = f.message_id "
         "WHERE MATCH(f.message) AGAINST (? IN BOOLEAN MODE) AND " +
         search.matches("c.message") + ") hit JOIN chat_sessions s ON s.id = hit.id WHERE s.created_at BETWEEN ? AND ? ";
}

// --- messages ------------------------------------------------------------------------------
const std::string kMessageRows =
    "SELECT m.session_id, m.id, m.sender, m.message, m.created_at, m.response_time_ms, m.source "
    "FROM chat_messages m ";
const std::string kMessageCount = "SELECT COUNT(*) FROM chat_messages m ";
const std::string kMessageInRange = "WHERE m.created_at BETWEEN ? AND ? ";
const std::string kMessageFromSender = "AND m.sender = ? ";
const std::string kMessageMatches =
    "AND m.id IN (SELECT message_id FROM chat_message_search WHERE MATCH(message) AGAINST (? IN BOOLEAN MODE)) AND ";
const std::string kMessagePage = "ORDER BY m.created_at DESC, m.id DESC LIMIT ? OFFSET ?";
const std::string kMessagesWithIds = "WHERE m.id IN ";
const std::string kMessagesNewestFirst = " ORDER BY m.created_at DESC, m.id DESC";
const std::string kMessagesAfter =
    "AND (m.created_at < ? OR (m.created_at = ? AND m.id < ?)) ORDER BY m.created_at DESC, m.id DESC LIMIT ?";
const std::string kMessageKeyBeforeAll = std::to_string(std::numeric_limits<std::int64_t>::max());

// Scans read this many rows a query, and at most this many in all (sessions: with their messages).
constexpr ScanLimits kMessageScan{2000, 20000};
constexpr ScanLimits kSessionScan{500, 5000};

// --- export and erase ----------------------------------------------------------------------
// The next batch after the cursor (created_at, id), in the order of idx_messages_created_at.
const std::string kExportBatch =
    "SELECT m.session_id, m.id, m.sender, m.message, m.created_at, m.response_time_ms, m.source, "
    "s.visitor_name, s.visitor_email "
    "FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id "
    "WHERE m.created_at BETWEEN ? AND ? AND (m.created_at > ? OR (m.created_at = ? AND m.id > ?)) "
    "ORDER BY m.created_at, m.id LIMIT ?";
// The messages go with it through ON DELETE CASCADE, in the same transaction as the rollups of
// its days (forget_session_rollups).
const std::string kEraseSession = "DELETE FROM chat_sessions WHERE id = ?";

// Reads columns session_id, id, sender, message, created_at, response_time_ms, source.
AdminMessage read_admin_message(sql::ResultSet& row) {
  return {row.getString(1), read_message_columns(row, 2)};
}

// Reads the rows of a kSessionPageOf query.
std::vector<SessionSummary> read_sessions(sql::PreparedStatement& statement) {
  std::vector<SessionSummary> sessions;
  std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
  while (rows->next()) {
    SessionSummary session;
    session.session_id = rows->getString(1);
    session.created_at = iso8601_column(*rows, 2);
    session.updated_at = iso8601_column(*rows, 3);
    session.visitor = {optional_string(*rows, 4), optional_string(*rows, 5)};
    session.message_count = rows->getInt64(6);
    session.last_message = optional_string(*rows, 7);
    sessions.push_back(std::move(session));
  }
  return sessions;
}

// Reads the rows (key, whether it matches) of a scan window query.
std::vector<ScanRow> read_scan_rows(sql::PreparedStatement& statement) {
  std::vector<ScanRow> out;
  std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
  while (rows->next()) out.push_back({{rows->getString(2), rows->getString(1)}, rows->getInt(3) != 0});
  return out;
}

std::int64_t single_count(sql::PreparedStatement& statement) {
  std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
  return rows->next() ? rows->getInt64(1) : 0;
}

}  // namespace

AdminStats MysqlAdminStore::stats(const DateRange& range) {
  AdminStats stats = MysqlStats(reads_, writes_).stats(range, std::chrono::system_clock::now());
  count_engagement(range, stats);
  return stats;
}

SessionPage MysqlAdminStore::sessions(const SessionQuery& query) {
  if (query.search) return reads_.run([&] { return search_sessions(query); }, /*retry_on_loss=*/true);
  return reads_.run(
      [&] {
        SessionPage page;
        auto& count = reads_.statement(kSessionCount + kSessionsInRange);
        Binder(count).range(query.range);
        page.total = single_count(count);
        auto& statement = reads_.statement(kSessionPageOf + kSessionIds + kSessionsInRange + kSessionOrder + kSessionPageEnd);
        Binder(statement).range(query.range).number(query.page.limit).number(query.page.offset);
        page.sessions = read_sessions(statement);
        return page;
      },
      /*retry_on_loss=*/true);
}

// The FULLTEXT path reads chat_message_search, which chat-admin fills in the background: first
// copy in what was stored since its last pass. Failing that, the search runs a moment behind.
void MysqlAdminStore::catch_up_search_index() {
  constexpr std::chrono::seconds kLockWait{10};
  std::string detail = "another pass held the index for over 10 s";
  try {
    if (index_new_messages(writes_, kLockWait)) return;
  } catch (const std::exception& error) {
    detail = error.what();
  }
  Json::Value fields(Json::objectValue);
  fields["detail"] = detail;
  log::warn("search: could not bring the message search index up to date", fields);
}

// Newest sessions first by scanning, else with the FULLTEXT indexes (admin_search_scan.h).
SessionPage MysqlAdminStore::search_sessions(const SessionQuery& query) {
  const Search search(*query.search);
  const auto window = [&](const ScanKey& after, std::size_t rows) {
    auto& statement = reads_.statement(session_scan_window(search));
    Binder binder(statement);
    search.bind_words(binder);
    search.bind_words(binder).range(query.range).text(after.created_at).text(after.created_at).text(after.id).number(
        static_cast<std::int64_t>(rows));
    return read_scan_rows(statement);
  };
  const ScanResult scan = scan_newest(window, {query.range.last_instant(), kSessionKeyBeforeAll},
                                      static_cast<std::size_t>(query.page.offset + query.page.limit),
                                      kSearchCountCap + 1, kSessionScan);
  if (!scan.count_known || !scan.page_known) catch_up_search_index();
  const std::string filter = matching_sessions_in_range(search);
  const auto bind_filter = [&](sql::PreparedStatement& statement) {
    Binder binder(statement);
    search.bind_words(binder.text(search.query()));
    search.bind_words(binder.text(search.query()));
    return binder.range(query.range);
  };
  SessionPage page;
  if (scan.count_known) {
    set_capped_total(page, static_cast<std::int64_t>(scan.matches.size()));
  } else {
    auto& count = reads_.statement(kCappedCountOf + filter + kCappedCountEnd);
    bind_filter(count).number(static_cast<std::int64_t>(kSearchCountCap + 1));
    set_capped_total(page, single_count(count));
  }
  if (!scan.page_known) {
    auto& statement = reads_.statement(kSessionPageOf + kSessionIds + filter + kSessionOrder + kSessionPageEnd);
    bind_filter(statement).number(query.page.limit).number(query.page.offset);
    page.sessions = read_sessions(statement);
    return page;
  }
  const std::vector<ScanKey> keys = page_of(scan.matches, query.page);
  if (keys.empty()) return page;
  auto& statement = reads_.statement(kSessionPageOf + kSessionsWithIds + in_list_placeholders(keys.size()) + kSessionPageEnd);
  Binder binder(statement);
  bind_in_list(keys.size(), [&](std::optional<std::size_t> i) { binder.text(i ? keys[*i].id : ""); });
  page.sessions = read_sessions(statement);
  return page;
}

MessagePage MysqlAdminStore::messages(const MessageQuery& query) {
  if (query.search) return reads_.run([&] { return search_messages(query); }, /*retry_on_loss=*/true);
  const std::string filter = query.sender ? kMessageInRange + kMessageFromSender : kMessageInRange;
  const auto bind_filter = [&](sql::PreparedStatement& statement) {
    Binder binder(statement);
    binder.range(query.range);
    if (query.sender) binder.text(std::string(to_string(*query.sender)));
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

// Newest messages first by scanning, else with the FULLTEXT index (admin_search_scan.h).
MessagePage MysqlAdminStore::search_messages(const MessageQuery& query) {
  const Search search(*query.search);
  const std::string in_range = query.sender ? kMessageInRange + kMessageFromSender : kMessageInRange;
  const auto bind_range = [&](Binder& binder) -> Binder& {
    binder.range(query.range);
    if (query.sender) binder.text(std::string(to_string(*query.sender)));
    return binder;
  };
  const auto window = [&](const ScanKey& after, std::size_t rows) {
    auto& statement =
        reads_.statement("SELECT m.id, m.created_at, " + search.matches("m.message") + " FROM chat_messages m " +
                         in_range + kMessagesAfter);
    Binder binder(statement);
    bind_range(search.bind_words(binder))
        .text(after.created_at)
        .text(after.created_at)
        .number(std::stoll(after.id))
        .number(static_cast<std::int64_t>(rows));
    return read_scan_rows(statement);
  };
  const ScanResult scan = scan_newest(window, {query.range.last_instant(), kMessageKeyBeforeAll},
                                      static_cast<std::size_t>(query.page.offset + query.page.limit),
                                      kSearchCountCap + 1, kMessageScan);
  if (!scan.count_known || !scan.page_known) catch_up_search_index();
  const std::string filter = in_range + kMessageMatches + search.matches("m.message") + " ";
  const auto bind_filter = [&](sql::PreparedStatement& statement) {
    Binder binder(statement);
    return search.bind_words(bind_range(binder).text(search.query()));
  };
  MessagePage page;
  if (scan.count_known) {
    set_capped_total(page, static_cast<std::int64_t>(scan.matches.size()));
  } else {
    auto& count = reads_.statement(kCappedCountOf + "FROM chat_messages m " + filter + kCappedCountEnd);
    bind_filter(count).number(static_cast<std::int64_t>(kSearchCountCap + 1));
    set_capped_total(page, single_count(count));
  }
  const std::vector<ScanKey> keys = page_of(scan.matches, query.page);
  sql::PreparedStatement* statement = nullptr;
  if (!scan.page_known) {
    statement = &reads_.statement(kMessageRows + filter + kMessagePage);
    bind_filter(*statement).number(query.page.limit).number(query.page.offset);
  } else if (!keys.empty()) {
    statement = &reads_.statement(kMessageRows + kMessagesWithIds + in_list_placeholders(keys.size()) + kMessagesNewestFirst);
    Binder binder(*statement);
    bind_in_list(keys.size(), [&](std::optional<std::size_t> i) { binder.number(i ? std::stoll(keys[*i].id) : 0); });
  }
  if (!statement) return page;
  std::unique_ptr<sql::ResultSet> rows(statement->executeQuery());
  while (rows->next()) page.messages.push_back(read_admin_message(*rows));
  return page;
}

std::optional<Transcript> MysqlAdminStore::transcript(const std::string& session_id) {
  return query_transcript(reads_, session_id);
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
