// The admin API's query parameters (contract section 4): dates, paging, search text and sender,
// validated per endpoint. A bad, repeated or unknown parameter is a BadInput naming it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "admin_limits.h"
#include "transcript/transcript.h"

namespace chat {

inline constexpr int kEarliestYear = 1000;  // MySQL's DATETIME range: years 1000 to 9999
inline constexpr int kLatestYear = 9999;

// An inclusive range of UTC days; an end not given is open.
struct DateRange {
  std::optional<std::chrono::year_month_day> from;
  std::optional<std::chrono::year_month_day> to;

  // The range as DATETIME(3) bounds for `created_at BETWEEN ? AND ?`, open ends as the
  // earliest and latest DATETIME: "2026-11-01 00:00:00.000" and "2026-11-30 23:59:59.999".
  std::string first_instant() const;
  std::string last_instant() const;
};

struct Page {
  int limit = kDefaultPageLimit;
  std::int64_t offset = 0;
};

// GET /admin/api/sessions
struct SessionQuery {
  DateRange range;
  Page page;
  std::optional<std::string> search;  // a full-text boolean query (see admin_fulltext.h)
};

// GET /admin/api/messages
struct MessageQuery {
  DateRange range;
  Page page;
  std::optional<std::string> search;
  std::optional<Sender> sender;
};

// GET /admin/api/leads
struct LeadQuery {
  DateRange range;
  Page page;
};

// GET /admin/api/feedback
struct FeedbackQuery {
  DateRange range;
  Page page;
  std::optional<std::string> rating;  // "up" or "down"
};

// GET /admin/api/top-questions
struct TopQuestionsQuery {
  DateRange range;
  int limit = kDefaultTopQuestions;
};

// "2026-11-25" as a valid calendar date in years 1000 to 9999, else nullopt.
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);
std::string format_date(std::chrono::year_month_day date);

// Each parses a raw query string (without '?') for one endpoint. An empty value counts as not
// given. Throws BadInput.
DateRange parse_range_query(std::string_view query);  // stats and export: from, to
SessionQuery parse_session_query(std::string_view query);
MessageQuery parse_message_query(std::string_view query);
LeadQuery parse_lead_query(std::string_view query);
FeedbackQuery parse_feedback_query(std::string_view query);
TopQuestionsQuery parse_top_questions_query(std::string_view query);

}  // namespace chat
