// Time helpers: a monotonic stopwatch and ISO 8601 UTC formatting.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace chat {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  std::int64_t elapsed_ms() const;

 private:
  std::chrono::steady_clock::time_point start_;
};

// A time point as a MySQL DATETIME(3) literal in UTC ("2026-11-25 21:00:00.123").
std::string to_mysql_datetime(std::chrono::system_clock::time_point time);

// Now, as "2026-11-25T21:00:00.123Z".
std::string utc_now_iso8601();

// A MySQL DATETIME string ("2026-11-25 21:00:00.123", extra fraction digits cut) as ISO 8601
// UTC with milliseconds and a 'Z'.
std::string mysql_datetime_to_iso8601(std::string_view datetime);

}  // namespace chat
