// Tests of time formatting.
#include "clock.h"

#include <gtest/gtest.h>

TEST(ClockTest, FormatsMysqlDatetimeWithMilliseconds) {
  const auto time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764108000123));
  EXPECT_EQ(chat::to_mysql_datetime(time), "2025-11-25 22:00:00.123");
}

TEST(ClockTest, ConvertsMysqlDatetimeToIso8601) {
  EXPECT_EQ(chat::mysql_datetime_to_iso8601("2026-11-25 21:00:00.123"), "2026-11-25T21:00:00.123Z");
  EXPECT_EQ(chat::mysql_datetime_to_iso8601("2026-11-25 21:00:00.123000"), "2026-11-25T21:00:00.123Z");
}

TEST(ClockTest, NowIsIso8601Utc) {
  const std::string now = chat::utc_now_iso8601();
  ASSERT_EQ(now.size(), 24u) << now;
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now.back(), 'Z');
}
