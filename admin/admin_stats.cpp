// Percentiles from a histogram in one ordered pass, and the per-day series (see the header).
#include "admin_stats.h"

#include <chrono>
#include <cmath>

#include "admin_params.h"

namespace chat {
namespace {

// The 1-based rank of the nearest-rank percentile p (0 < p <= 100) among `total` values.
std::int64_t rank_of(int percent, std::int64_t total) { return (total * percent + 99) / 100; }

}  // namespace

void ResponseTimeScan::add(std::int64_t value, std::int64_t count) {
  const std::int64_t before = seen_;
  seen_ += count;
  sum_ += static_cast<double>(value) * static_cast<double>(count);
  if (!p50_ && before < rank_of(50, total_) && seen_ >= rank_of(50, total_)) p50_ = value;
  if (!p95_ && before < rank_of(95, total_) && seen_ >= rank_of(95, total_)) p95_ = value;
  max_ = value;
}

ResponseTimeStats ResponseTimeScan::result() const {
  ResponseTimeStats stats;
  if (seen_ == 0) return stats;
  stats.avg = std::llround(sum_ / static_cast<double>(seen_));
  stats.p50 = p50_;
  stats.p95 = p95_;
  stats.max = max_;
  return stats;
}

std::vector<DayCount> fill_days(const std::map<std::string, std::int64_t>& sessions_per_day,
                                const std::map<std::string, std::int64_t>& messages_per_day) {
  std::optional<std::chrono::sys_days> first, last;
  for (const auto* counts : {&sessions_per_day, &messages_per_day}) {
    if (counts->empty()) continue;
    const auto low = parse_date(counts->begin()->first);
    const auto high = parse_date(counts->rbegin()->first);
    if (!low || !high) continue;
    if (!first || std::chrono::sys_days(*low) < *first) first = std::chrono::sys_days(*low);
    if (!last || std::chrono::sys_days(*high) > *last) last = std::chrono::sys_days(*high);
  }
  std::vector<DayCount> days;
  if (!first) return days;
  const auto count_on = [](const std::map<std::string, std::int64_t>& counts, const std::string& day) {
    const auto it = counts.find(day);
    return it == counts.end() ? std::int64_t{0} : it->second;
  };
  for (auto day = *first; day <= *last; day += std::chrono::days(1)) {
    const std::string date = format_date(std::chrono::year_month_day(day));
    days.push_back({date, count_on(sessions_per_day, date), count_on(messages_per_day, date)});
  }
  return days;
}

}  // namespace chat
