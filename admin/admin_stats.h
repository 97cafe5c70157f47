// The admin statistics and the two computations over database aggregates they need:
// percentiles from a response-time histogram read in one ordered pass, and the per-day series.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "transcript/transcript.h"

namespace chat {

struct ResponseTimeStats {
  std::optional<std::int64_t> avg;  // rounded to whole milliseconds; absent without bot answers
  std::optional<std::int64_t> p50;
  std::optional<std::int64_t> p95;
  std::optional<std::int64_t> max;
};

struct DayCount {
  std::string date;  // YYYY-MM-DD
  std::int64_t sessions = 0;
  std::int64_t messages = 0;
};

// The ratings given on one day.
struct DayRatings {
  std::string date;  // YYYY-MM-DD
  std::int64_t up = 0;
  std::int64_t down = 0;
};

struct AdminStats {
  std::int64_t sessions = 0;
  std::int64_t messages = 0;
  std::int64_t visitor_messages = 0;
  std::int64_t bot_messages = 0;
  ResponseTimeStats response_time;
  std::map<Source, std::int64_t> sources;  // every Source, 0 when none
  std::vector<DayCount> per_day;                // every day from the first to the last with data
  std::int64_t feedback_up = 0;                 // ratings given in the range
  std::int64_t feedback_down = 0;
  std::vector<DayRatings> feedback_per_day;     // the days with ratings, in order
  std::int64_t leads = 0;                       // requests to talk to a person in the range
};

// Nearest-rank percentiles (the smallest value with at least p% of the values at or below it),
// the mean and the maximum, from (value, count) pairs given in ascending value order. The total
// count must be known before the first pair (the query computes it alongside).
class ResponseTimeScan {
 public:
  explicit ResponseTimeScan(std::int64_t total) : total_(total) {}
  void add(std::int64_t value, std::int64_t count);
  ResponseTimeStats result() const;

 private:
  std::int64_t total_;
  std::int64_t seen_ = 0;
  double sum_ = 0;
  std::optional<std::int64_t> p50_, p95_, max_;
};

// The per-day series from per-day counts ("YYYY-MM-DD" keys), with zero days filled in between
// the first and the last day that has any.
std::vector<DayCount> fill_days(const std::map<std::string, std::int64_t>& sessions_per_day,
                                const std::map<std::string, std::int64_t>& messages_per_day);

}  // namespace chat
