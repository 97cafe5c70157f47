// Time helpers: a monotonic stopwatch and ISO 8601 UTC formatting.
#include "clock.h"

#include <cstdio>
#include <ctime>

namespace chat {

std::int64_t Stopwatch::elapsed_ms() const {
  const auto elapsed = std::chrono::steady_clock::now() - start_;
  return std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
}

std::string to_mysql_datetime(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char out[80];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d %02d:%02d:%02d.%03d", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return out;
}

std::string utc_now_iso8601() {
  return mysql_datetime_to_iso8601(to_mysql_datetime(std::chrono::system_clock::now()));
}

std::string mysql_datetime_to_iso8601(std::string_view datetime) {
  constexpr std::size_t kSecondsLength = 19;       // "2026-11-25 21:00:00"
  constexpr std::size_t kMillisecondsLength = 23;  // "2026-11-25 21:00:00.123"
  std::string out(datetime.substr(0, kMillisecondsLength));
  if (out.size() > 10 && out[10] == ' ') out[10] = 'T';
  // The driver leaves out a zero fraction ("...:00") and may shorten one ("...:00.1").
  if (out.size() == kSecondsLength) out.push_back('.');
  if (out.size() > kSecondsLength) out.resize(kMillisecondsLength, '0');
  out.push_back('Z');
  return out;
}

}  // namespace chat
