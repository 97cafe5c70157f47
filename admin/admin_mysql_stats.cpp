// The admin statistics on MySQL with per-day rollups (see the header).
#include "admin_mysql_stats.h"

#include <cppconn/resultset.h>

#include <functional>
#include <map>
#include <memory>
#include <set>

#include "mysql/mysql_transaction.h"
#include "clock.h"
#include "log.h"

namespace chat {
namespace {

// --- aggregates straight from the messages, over DATETIME bounds -----------------------------
const std::string kSessionsPerDay =
    "SELECT DATE(created_at), COUNT(*) FROM chat_sessions "
    "WHERE created_at BETWEEN ? AND ? GROUP BY DATE(created_at)";
const std::string kMessagesPerDay =
    "SELECT DATE(created_at), sender, source, COUNT(*) FROM chat_messages "
    "WHERE created_at BETWEEN ? AND ? GROUP BY DATE(created_at), sender, source";
const std::string kResponseTimes =
    "SELECT response_time_ms, COUNT(*) FROM chat_messages "
    "WHERE created_at BETWEEN ? AND ? AND sender = 'bot' AND response_time_ms IS NOT NULL "
    "GROUP BY response_time_ms";

// --- rollups, over days --------------------------------------------------------------------
const std::string kFirstDataDay =
    "SELECT DATE(LEAST(COALESCE((SELECT MIN(created_at) FROM chat_sessions), '9999-12-31'), "
    "COALESCE((SELECT MIN(created_at) FROM chat_messages), '9999-12-31')))";
const std::string kRolledUpDays = "SELECT day FROM chat_stats_daily WHERE day BETWEEN ? AND ?";
const std::string kRolledUpDayCount = "SELECT COUNT(*) FROM chat_stats_daily WHERE day BETWEEN ? AND ?";
const std::string kClearResponseTimeRollups =
    "DELETE FROM chat_stats_response_times WHERE day BETWEEN ? AND ?";
const std::string kRollUpResponseTimes =
    "INSERT INTO chat_stats_response_times (day, response_time_ms, answers) "
    "SELECT DATE(created_at), response_time_ms, COUNT(*) FROM chat_messages "
    "WHERE created_at BETWEEN ? AND ? AND sender = 'bot' AND response_time_ms IS NOT NULL "
    "GROUP BY DATE(created_at), response_time_ms";
const std::string kStoreDailyRollup =
    "REPLACE INTO chat_stats_daily (day, sessions, visitor_messages, bot_messages, model, knowledge, "
    "fallback, cache, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
const std::string kDailyRollups =
    "SELECT day, sessions, visitor_messages, bot_messages, model, knowledge, fallback, cache "
    "FROM chat_stats_daily WHERE day BETWEEN ? AND ?";
const std::string kResponseTimeRollupsByDay =
    "SELECT response_time_ms, SUM(answers) FROM chat_stats_response_times "
    "WHERE day BETWEEN ? AND ? GROUP BY response_time_ms";
const std::string kResponseTimeRollupsByValue =
    "SELECT response_time_ms, SUM(answers) FROM chat_stats_response_times "
    "FORCE INDEX (idx_stats_response_times_value) WHERE day BETWEEN ? AND ? GROUP BY response_time_ms";

// --- forgetting rollups ----------------------------------------------------------------------
const std::string kForgetSessionDays =
    "DELETE FROM chat_stats_daily WHERE day IN "
    "(SELECT DATE(created_at) FROM chat_messages WHERE session_id = ?) "
    "OR day = (SELECT DATE(created_at) FROM chat_sessions WHERE id = ?)";
const std::string kForgetSessionResponseTimes =
    "DELETE FROM chat_stats_response_times WHERE day IN "
    "(SELECT DATE(created_at) FROM chat_messages WHERE session_id = ? AND sender = 'bot')";
const std::string kForgetDailyThrough = "DELETE FROM chat_stats_daily WHERE day <= ?";
const std::string kForgetResponseTimesThrough = "DELETE FROM chat_stats_response_times WHERE day <= ?";

using Day = std::chrono::sys_days;

std::string day_text(Day day) { return format_date(std::chrono::year_month_day(day)); }
std::string first_instant(Day day) { return day_text(day).append(" 00:00:00.000"); }
std::string last_instant(Day day) { return day_text(day).append(" 23:59:59.999"); }

// What the statistics add up from, per day and in total.
struct Aggregates {
  std::map<std::string, std::int64_t> sessions_per_day;
  std::map<std::string, std::int64_t> messages_per_day;
  AdminStats totals;
  std::map<std::int64_t, std::int64_t> response_times;  // milliseconds -> answers

  Aggregates() {
    for (const Source source : kAllSources) totals.sources[source] = 0;
  }

  void add_sessions(const std::string& day, std::int64_t count) {
    if (count == 0) return;
    sessions_per_day[day] += count;
    totals.sessions += count;
  }

  void add_messages(const std::string& day, bool bot, std::int64_t count) {
    if (count == 0) return;
    messages_per_day[day] += count;
    totals.messages += count;
    (bot ? totals.bot_messages : totals.visitor_messages) += count;
  }

  AdminStats result() && {
    std::int64_t answers = 0;
    for (const auto& [value, count] : response_times) answers += count;
    ResponseTimeScan scan(answers);
    for (const auto& [value, count] : response_times) scan.add(value, count);
    AdminStats stats = std::move(totals);
    stats.response_time = scan.result();
    stats.per_day = fill_days(sessions_per_day, messages_per_day);
    return stats;
  }
};

// Per-day counts of one day of rollup.
struct DayCounts {
  std::int64_t sessions = 0, visitor = 0, bot = 0;
  std::map<Source, std::int64_t> sources;
};

void bind_range(sql::PreparedStatement& statement, const std::string& first, const std::string& last) {
  statement.setString(1, first);
  statement.setString(2, last);
}

// Per-day counts from the messages between two DATETIME bounds.
std::map<std::string, DayCounts> count_per_day(MysqlConnection& connection, const std::string& first,
                                               const std::string& last) {
  std::map<std::string, DayCounts> days;
  auto& sessions = connection.statement(kSessionsPerDay);
  bind_range(sessions, first, last);
  std::unique_ptr<sql::ResultSet> session_rows(sessions.executeQuery());
  while (session_rows->next()) days[session_rows->getString(1)].sessions += session_rows->getInt64(2);
  auto& messages = connection.statement(kMessagesPerDay);
  bind_range(messages, first, last);
  std::unique_ptr<sql::ResultSet> rows(messages.executeQuery());
  while (rows->next()) {
    DayCounts& day = days[rows->getString(1)];
    const std::int64_t count = rows->getInt64(4);
    (parse_sender(std::string(rows->getString(2))) == Sender::bot ? day.bot : day.visitor) += count;
    if (!rows->isNull(3)) {
      if (const auto source = parse_source(std::string(rows->getString(3)))) day.sources[*source] += count;
    }
  }
  return days;
}

void add_counts(Aggregates& aggregates, const std::map<std::string, DayCounts>& days) {
  for (const auto& [day, counts] : days) {
    aggregates.add_sessions(day, counts.sessions);
    aggregates.add_messages(day, false, counts.visitor);
    aggregates.add_messages(day, true, counts.bot);
    for (const auto& [source, count] : counts.sources) aggregates.totals.sources[source] += count;
  }
}

void add_response_times(Aggregates& aggregates, sql::PreparedStatement& statement) {
  std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
  while (rows->next()) aggregates.response_times[rows->getInt64(1)] += rows->getInt64(2);
}

// Everything between two DATETIME bounds, from the messages.
void aggregate_messages(MysqlConnection& connection, const std::string& first, const std::string& last,
                        Aggregates& aggregates) {
  add_counts(aggregates, count_per_day(connection, first, last));
  auto& times = connection.statement(kResponseTimes);
  bind_range(times, first, last);
  add_response_times(aggregates, times);
}

std::optional<Day> first_data_day(MysqlConnection& connection) {
  std::unique_ptr<sql::ResultSet> rows(connection.statement(kFirstDataDay).executeQuery());
  if (!rows->next() || rows->isNull(1)) return std::nullopt;
  const auto date = parse_date(std::string(rows->getString(1)));
  if (!date || date->year() == std::chrono::year(kLatestYear)) return std::nullopt;
  return Day(*date);
}

// Whether every day from `first` to `last` has its rollup.
bool all_rolled_up(MysqlConnection& primary, Day first, Day last) {
  auto& known = primary.statement(kRolledUpDayCount);
  bind_range(known, day_text(first), day_text(last));
  std::unique_ptr<sql::ResultSet> rows(known.executeQuery());
  return rows->next() && rows->getInt64(1) == (last - first).count() + 1;
}

// Computes and stores the rollups of every day from `first` to `last`, in one transaction, unless
// another process (a request, chat-admin's background refresh) has just done it.
void roll_up(MysqlConnection& primary, Day first, Day last, std::chrono::system_clock::time_point now) {
  const RollupLock lock(primary);
  if (all_rolled_up(primary, first, last)) return;
  // READ COMMITTED: asks are never held up by a rollup.
  in_transaction(primary, [&] {
    const auto days = count_per_day(primary, first_instant(first), last_instant(last));
    auto& clear = primary.statement(kClearResponseTimeRollups);
    bind_range(clear, day_text(first), day_text(last));
    clear.executeUpdate();
    auto& times = primary.statement(kRollUpResponseTimes);
    bind_range(times, first_instant(first), last_instant(last));
    times.executeUpdate();
    auto& store = primary.statement(kStoreDailyRollup);
    for (Day day = first; day <= last; day += std::chrono::days(1)) {
      const auto it = days.find(day_text(day));
      const DayCounts counts = it == days.end() ? DayCounts() : it->second;
      store.setString(1, day_text(day));
      store.setInt64(2, counts.sessions);
      store.setInt64(3, counts.visitor);
      store.setInt64(4, counts.bot);
      int column = 5;
      for (const Source source : kAllSources) {
        const auto found = counts.sources.find(source);
        store.setInt64(column++, found == counts.sources.end() ? 0 : found->second);
      }
      store.setString(9, to_mysql_datetime(now));
      store.executeUpdate();
    }
  }, {.read_committed = true});
}

// Rolls up the days from `first` to `last` that have no rollup yet, a chunk at a time; returns
// how many there were.
int roll_up_missing(MysqlConnection& primary, Day first, Day last, std::chrono::system_clock::time_point now,
                    const std::function<bool()>& stop = {}) {
  int missing = 0;
  std::set<std::string> rolled_up;
  auto& known = primary.statement(kRolledUpDays);
  bind_range(known, day_text(first), day_text(last));
  std::unique_ptr<sql::ResultSet> rows(known.executeQuery());
  while (rows->next()) rolled_up.insert(rows->getString(1));
  std::optional<Day> chunk_first;
  for (Day day = first; day <= last; day += std::chrono::days(1)) {
    if (rolled_up.contains(day_text(day))) continue;
    ++missing;
    if (!chunk_first) chunk_first = day;
    if (day == last || day - *chunk_first == std::chrono::days(kRollupChunkDays - 1) ||
        rolled_up.contains(day_text(day + std::chrono::days(1)))) {
      if (stop && stop()) return missing;
      roll_up(primary, *chunk_first, day, now);
      chunk_first.reset();
    }
  }
  return missing;
}

// The first day that is still open at `now`: it may still receive messages.
Day first_open_day(std::chrono::system_clock::time_point now) {
  return std::chrono::floor<std::chrono::days>(now - kLateWriteMargin);
}

// The closed days from `first` to `last` from their rollups, rolling up those missing first.
void aggregate_rollups(MysqlConnection& primary, Day first, Day last, std::chrono::system_clock::time_point now,
                       Aggregates& aggregates) {
  roll_up_missing(primary, first, last, now);

  auto& daily = primary.statement(kDailyRollups);
  bind_range(daily, day_text(first), day_text(last));
  std::unique_ptr<sql::ResultSet> days(daily.executeQuery());
  while (days->next()) {
    const std::string day = days->getString(1);
    aggregates.add_sessions(day, days->getInt64(2));
    aggregates.add_messages(day, false, days->getInt64(3));
    aggregates.add_messages(day, true, days->getInt64(4));
    for (std::size_t i = 0; i < kAllSources.size(); ++i) {
      aggregates.totals.sources[kAllSources[i]] += days->getInt64(static_cast<int>(5 + i));
    }
  }
  const bool by_day = last - first < std::chrono::days(kMaxDaysReadByDay);
  auto& times = primary.statement(by_day ? kResponseTimeRollupsByDay : kResponseTimeRollupsByValue);
  bind_range(times, day_text(first), day_text(last));
  add_response_times(aggregates, times);
}

}  // namespace

AdminStats MysqlStats::stats(const DateRange& range, std::chrono::system_clock::time_point now) {
  const Day first_open = first_open_day(now);
  const Day range_first = range.from ? Day(*range.from) : Day::min();
  const Day range_last = range.to ? Day(*range.to) : Day::max();
  Aggregates aggregates;
  bool rolled_up = false;
  try {
    primary_.run(
        [&] {
          Aggregates closed;
          const auto data_first = first_data_day(primary_);
          const Day closed_first = data_first ? std::max(range_first, *data_first) : first_open;
          const Day closed_last = std::min(range_last, first_open - std::chrono::days(1));
          if (closed_first <= closed_last) aggregate_rollups(primary_, closed_first, closed_last, now, closed);
          aggregates = std::move(closed);
        },
        /*retry_on_loss=*/true);
    rolled_up = true;
  } catch (const StoreUnavailable& error) {
    Json::Value fields(Json::objectValue);
    fields["detail"] = error.what();
    log::warn("stats: the primary is unavailable, aggregating every message on the read connection", fields);
  }
  if (rolled_up && range_last < first_open) return std::move(aggregates).result();
  // The open days (or, without rollups, the whole range) from the messages.
  const DateRange rest =
      rolled_up ? DateRange{std::chrono::year_month_day(std::max(range_first, first_open)), range.to} : range;
  reads_.run([&] { aggregate_messages(reads_, rest.first_instant(), rest.last_instant(), aggregates); },
             /*retry_on_loss=*/true);
  return std::move(aggregates).result();
}

int roll_up_closed_days(MysqlConnection& primary, std::chrono::system_clock::time_point now,
                        const std::function<bool()>& stop, std::optional<std::chrono::year_month_day> from) {
  return primary.run(
      [&] {
        const auto data_first = from ? std::optional(Day(*from)) : first_data_day(primary);
        const Day closed_last = first_open_day(now) - std::chrono::days(1);
        return data_first && *data_first <= closed_last ? roll_up_missing(primary, *data_first, closed_last, now, stop) : 0;
      },
      /*retry_on_loss=*/true);
}

RollupLock::RollupLock(MysqlConnection& primary) : lock_(primary, "chat_stats_rollups", kRollupLockWait) {
  if (!lock_.held()) throw StoreUnavailable("the statistics rollups are busy (lock chat_stats_rollups)");
}

void forget_session_rollups(MysqlConnection& primary, const std::string& session_id) {
  auto& days = primary.statement(kForgetSessionDays);
  days.setString(1, session_id);
  days.setString(2, session_id);
  days.executeUpdate();
  auto& times = primary.statement(kForgetSessionResponseTimes);
  times.setString(1, session_id);
  times.executeUpdate();
}

void forget_rollups_through(MysqlConnection& primary, const std::string& last_day) {
  for (const std::string* query : {&kForgetDailyThrough, &kForgetResponseTimesThrough}) {
    auto& statement = primary.statement(*query);
    statement.setString(1, last_day);
    statement.executeUpdate();
  }
}

}  // namespace chat
