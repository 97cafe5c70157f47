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

// Connector/C++ writes a DATETIME(3) whose fraction is zero without a fraction (or with fewer
// digits): the contract's times always have milliseconds.
TEST(ClockTest, AWholeSecondStillHasMilliseconds) {
  EXPECT_EQ(chat::mysql_datetime_to_iso8601("2026-11-25 21:00:00"), "2026-11-25T21:00:00.000Z");
  EXPECT_EQ(chat::mysql_datetime_to_iso8601("2026-11-25 21:00:00.1"), "2026-11-25T21:00:00.100Z");
  EXPECT_EQ(chat::mysql_datetime_to_iso8601("2026-11-25 21:00:00.12"), "2026-11-25T21:00:00.120Z");
  const auto whole = std::chrono::system_clock::time_point(std::chrono::seconds(1764108000));
  EXPECT_EQ(chat::mysql_datetime_to_iso8601(chat::to_mysql_datetime(whole)), "2025-11-25T22:00:00.000Z");
}

TEST(ClockTest, NowIsIso8601Utc) {
  const std::string now = chat::utc_now_iso8601();
  ASSERT_EQ(now.size(), 24u) << now;
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now.back(), 'Z');
}
