// The admin API's query parameters, validated per endpoint (see the header).
#include "admin_params.h"

#include <charconv>
#include <cstdio>
#include <initializer_list>
#include <map>

#include "admin_query_string.h"
#include "bad_input.h"
#include "search/admin_fulltext.h"

namespace chat {
namespace {

// The non-empty parameters of `query` among `allowed`; any other name, or a name given twice,
// is a client error.
std::map<std::string, std::string> known_parameters(std::string_view query,
                                                    std::initializer_list<std::string_view> allowed) {
  std::map<std::string, std::string> found;
  for (auto& [name, value] : parse_query_string(query)) {
    bool known = false;
    for (const auto candidate : allowed) known = known || candidate == name;
    if (!known) throw BadInput("unknown parameter '" + name + "'");
    if (found.contains(name)) throw BadInput("parameter '" + name + "' is given twice");
    if (!value.empty()) found.emplace(name, std::move(value));
  }
  return found;
}

const std::string* find(const std::map<std::string, std::string>& parameters, const std::string& name) {
  const auto it = parameters.find(name);
  return it == parameters.end() ? nullptr : &it->second;
}

std::optional<std::int64_t> parse_whole_number(std::string_view text, std::int64_t low, std::int64_t high) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::chrono::year_month_day> date_parameter(
    const std::map<std::string, std::string>& parameters, const std::string& name) {
  const std::string* text = find(parameters, name);
  if (!text) return std::nullopt;
  const auto date = parse_date(*text);
  if (!date) throw BadInput(name + " must be a date YYYY-MM-DD");
  return date;
}

DateRange range_from(const std::map<std::string, std::string>& parameters) {
  DateRange range{date_parameter(parameters, "from"), date_parameter(parameters, "to")};
  if (range.from && range.to && std::chrono::sys_days(*range.from) > std::chrono::sys_days(*range.to)) {
    throw BadInput("from must not be after to");
  }
  return range;
}

Page page_from(const std::map<std::string, std::string>& parameters) {
  Page page;
  if (const std::string* limit = find(parameters, "limit")) {
    const auto value = parse_whole_number(*limit, 1, kMaxPageLimit);
    if (!value) throw BadInput("limit must be a whole number from 1 to " + std::to_string(kMaxPageLimit));
    page.limit = static_cast<int>(*value);
  }
  if (const std::string* offset = find(parameters, "offset")) {
    const auto value = parse_whole_number(*offset, 0, kMaxPageOffset);
    if (!value) throw BadInput("offset must be a whole number from 0 to " + std::to_string(kMaxPageOffset));
    page.offset = *value;
  }
  return page;
}

std::optional<std::string> search_from(const std::map<std::string, std::string>& parameters) {
  const std::string* q = find(parameters, "q");
  if (!q) return std::nullopt;
  return fulltext_boolean_query(*q);
}

std::string two_digits(unsigned value) {
  char out[3];
  std::snprintf(out, sizeof out, "%02u", value % 100);
  return out;
}

}  // namespace

std::optional<std::chrono::year_month_day> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto year = parse_whole_number(text.substr(0, 4), kEarliestYear, kLatestYear);
  const auto month = parse_whole_number(text.substr(5, 2), 1, 12);
  const auto day = parse_whole_number(text.substr(8, 2), 1, 31);
  if (!year || !month || !day) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(*year)),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::string format_date(std::chrono::year_month_day date) {
  std::string out = std::to_string(static_cast<int>(date.year()));
  out.append("-").append(two_digits(static_cast<unsigned>(date.month())));
  out.append("-").append(two_digits(static_cast<unsigned>(date.day())));
  return out;
}

std::string DateRange::first_instant() const {
  std::string out = from ? format_date(*from) : std::to_string(kEarliestYear).append("-01-01");
  return out.append(" 00:00:00.000");
}

std::string DateRange::last_instant() const {
  std::string out = to ? format_date(*to) : std::to_string(kLatestYear).append("-12-31");
  return out.append(" 23:59:59.999");
}

DateRange parse_range_query(std::string_view query) {
  return range_from(known_parameters(query, {"from", "to"}));
}

SessionQuery parse_session_query(std::string_view query) {
  const auto parameters = known_parameters(query, {"q", "from", "to", "limit", "offset"});
  return {range_from(parameters), page_from(parameters), search_from(parameters)};
}

MessageQuery parse_message_query(std::string_view query) {
  const auto parameters = known_parameters(query, {"q", "sender", "from", "to", "limit", "offset"});
  MessageQuery result{range_from(parameters), page_from(parameters), search_from(parameters), {}};
  if (const std::string* sender = find(parameters, "sender")) {
    result.sender = parse_sender(*sender);
    if (!result.sender) throw BadInput("sender must be visitor or bot");
  }
  return result;
}

LeadQuery parse_lead_query(std::string_view query) {
  const auto parameters = known_parameters(query, {"from", "to", "limit", "offset"});
  return {range_from(parameters), page_from(parameters)};
}

FeedbackQuery parse_feedback_query(std::string_view query) {
  const auto parameters = known_parameters(query, {"rating", "from", "to", "limit", "offset"});
  FeedbackQuery result{range_from(parameters), page_from(parameters), {}};
  if (const std::string* rating = find(parameters, "rating")) {
    if (*rating != "up" && *rating != "down") throw BadInput("rating must be up or down");
    result.rating = *rating;
  }
  return result;
}

TopQuestionsQuery parse_top_questions_query(std::string_view query) {
  const auto parameters = known_parameters(query, {"from", "to", "limit"});
  TopQuestionsQuery result{range_from(parameters)};
  if (const std::string* limit = find(parameters, "limit")) {
    const auto value = parse_whole_number(*limit, 1, kMaxTopQuestions);
    if (!value) throw BadInput("limit must be a whole number from 1 to " + std::to_string(kMaxTopQuestions));
    result.limit = static_cast<int>(*value);
  }
  return result;
}

}  // namespace chat
