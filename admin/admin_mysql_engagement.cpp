// The admin's reports of engagement on MySQL/MariaDB (contract section 6): visitors' requests
// to talk to a person (leads), their ratings of answers with the answers, the questions asked
// most, and the counts the statistics add. Every read goes to the read connection; each list is
// a page chosen on an index of created_at.
#include <cppconn/resultset.h>

#include <memory>

#include "admin_mysql_store.h"
#include "mysql/result_row.h"
#include "statement_binder.h"

namespace chat {
namespace {

const std::string kLeadCount = "SELECT COUNT(*) FROM leads WHERE created_at BETWEEN ? AND ?";
const std::string kLeadPage =
    "SELECT id, session_id, name, email, message, created_at, delivered_at IS NOT NULL FROM leads "
    "WHERE created_at BETWEEN ? AND ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?";

// The rating filter is one of two fixed pieces, never the caller's text.
const std::string kFeedbackInRange = " FROM message_feedback f WHERE f.created_at BETWEEN ? AND ?";
const std::string kRatedUp = " AND f.rating = 'up'";
const std::string kRatedDown = " AND f.rating = 'down'";
const std::string kFeedbackRows =
    "SELECT f.message_id, m.session_id, f.rating, f.comment, f.created_at, m.message FROM ("
    "SELECT f.message_id, f.created_at";
const std::string kFeedbackPageEnd =
    " ORDER BY f.created_at DESC, f.message_id DESC LIMIT ? OFFSET ?) page "
    "JOIN message_feedback f ON f.message_id = page.message_id JOIN chat_messages m ON m.id = f.message_id "
    "ORDER BY page.created_at DESC, page.message_id DESC";

// Questions told apart without case (the column's collation), punctuation or spacing; each is
// shown in its shortest wording.
const std::string kTopQuestions =
    "SELECT MIN(TRIM(message)), COUNT(*) AS asked FROM chat_messages "
    "WHERE sender = 'visitor' AND created_at BETWEEN ? AND ? "
    "GROUP BY TRIM(REGEXP_REPLACE(message, '[[:punct:][:space:]]+', ' ')) "
    "ORDER BY asked DESC, 1 LIMIT ?";

const std::string kEngagementCounts =
    "SELECT (SELECT COUNT(*) FROM message_feedback WHERE rating = 'up' AND created_at BETWEEN ? AND ?), "
    "(SELECT COUNT(*) FROM message_feedback WHERE rating = 'down' AND created_at BETWEEN ? AND ?), "
    "(SELECT COUNT(*) FROM leads WHERE created_at BETWEEN ? AND ?)";

const std::string kRatingsPerDay =
    "SELECT DATE(created_at) AS day, SUM(rating = 'up'), SUM(rating = 'down') FROM message_feedback "
    "WHERE created_at BETWEEN ? AND ? GROUP BY day ORDER BY day";

std::int64_t count_of(sql::PreparedStatement& statement) {
  std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
  rows->next();
  return rows->getInt64(1);
}

// The queue by state, and the age of its oldest lead still to be delivered (the database's
// clock, as lead delivery's).
const std::string kLeadQueue =
    "SELECT COALESCE(SUM(delivered_at IS NULL AND next_attempt_at <= UTC_TIMESTAMP(3)), 0), "
    "COALESCE(SUM(delivered_at IS NULL AND next_attempt_at > UTC_TIMESTAMP(3)), 0), "
    "COALESCE(SUM(delivered_at IS NOT NULL), 0), "
    "COALESCE(SUM(delivered_at IS NULL AND next_attempt_at IS NULL), 0), "
    "TIMESTAMPDIFF(MICROSECOND, MIN(IF(delivered_at IS NULL AND next_attempt_at IS NOT NULL, created_at, NULL)), "
    "UTC_TIMESTAMP(3)) FROM leads";

const std::string& rating_filter(const FeedbackQuery& query) {
  static const std::string none;
  if (!query.rating) return none;
  return *query.rating == "up" ? kRatedUp : kRatedDown;
}

}  // namespace

LeadPage MysqlAdminStore::leads(const LeadQuery& query) {
  return reads_.run(
      [&] {
        LeadPage page;
        auto& count = reads_.statement(kLeadCount);
        Binder(count).range(query.range);
        page.total = count_of(count);
        auto& list = reads_.statement(kLeadPage);
        Binder(list).range(query.range).number(query.page.limit).number(query.page.offset);
        std::unique_ptr<sql::ResultSet> rows(list.executeQuery());
        while (rows->next()) {
          page.leads.push_back({rows->getInt64(1), optional_string(*rows, 2), rows->getString(3), rows->getString(4),
                                rows->getString(5), iso8601_column(*rows, 6), rows->getBoolean(7)});
        }
        return page;
      },
      /*retry_on_loss=*/true);
}

LeadQueue MysqlAdminStore::lead_queue() {
  return writes_.run(
      [&] {
        std::unique_ptr<sql::ResultSet> rows(writes_.statement(kLeadQueue).executeQuery());
        rows->next();
        LeadQueue queue{rows->getInt64(1), rows->getInt64(2), rows->getInt64(3), rows->getInt64(4), std::nullopt};
        if (!rows->isNull(5)) queue.oldest_waiting_seconds = static_cast<double>(rows->getInt64(5)) / 1e6;
        return queue;
      },
      /*retry_on_loss=*/true);
}

FeedbackPage MysqlAdminStore::feedback(const FeedbackQuery& query) {
  const std::string& filter = rating_filter(query);
  return reads_.run(
      [&] {
        FeedbackPage page;
        auto& count = reads_.statement("SELECT COUNT(*)" + kFeedbackInRange + filter);
        Binder(count).range(query.range);
        page.total = count_of(count);
        auto& list = reads_.statement(kFeedbackRows + kFeedbackInRange + filter + kFeedbackPageEnd);
        Binder(list).range(query.range).number(query.page.limit).number(query.page.offset);
        std::unique_ptr<sql::ResultSet> rows(list.executeQuery());
        while (rows->next()) {
          page.feedback.push_back({rows->getInt64(1), rows->getString(2), rows->getString(3),
                                   optional_string(*rows, 4), iso8601_column(*rows, 5), rows->getString(6)});
        }
        return page;
      },
      /*retry_on_loss=*/true);
}

std::vector<QuestionCount> MysqlAdminStore::top_questions(const TopQuestionsQuery& query) {
  return reads_.run(
      [&] {
        std::vector<QuestionCount> questions;
        auto& top = reads_.statement(kTopQuestions);
        Binder(top).range(query.range).number(query.limit);
        std::unique_ptr<sql::ResultSet> rows(top.executeQuery());
        while (rows->next()) questions.push_back({rows->getString(1), rows->getInt64(2)});
        return questions;
      },
      /*retry_on_loss=*/true);
}

// On the read connection, or on the primary when that one cannot be reached (as the statistics'
// closed days are).
void MysqlAdminStore::count_engagement(const DateRange& range, AdminStats& stats) {
  try {
    count_engagement_on(reads_, range, stats);
  } catch (const StoreUnavailable&) {
    count_engagement_on(writes_, range, stats);
  }
}

void MysqlAdminStore::count_engagement_on(MysqlConnection& connection, const DateRange& range, AdminStats& stats) {
  connection.run(
      [&] {
        stats.feedback_per_day.clear();  // a run again after a lost connection starts afresh
        auto& counts = connection.statement(kEngagementCounts);
        Binder(counts).range(range).range(range).range(range);
        std::unique_ptr<sql::ResultSet> rows(counts.executeQuery());
        rows->next();
        stats.feedback_up = rows->getInt64(1);
        stats.feedback_down = rows->getInt64(2);
        stats.leads = rows->getInt64(3);
        auto& per_day = connection.statement(kRatingsPerDay);
        Binder(per_day).range(range);
        std::unique_ptr<sql::ResultSet> days(per_day.executeQuery());
        while (days->next()) stats.feedback_per_day.push_back({days->getString(1), days->getInt64(2), days->getInt64(3)});
      },
      /*retry_on_loss=*/true);
}

}  // namespace chat
