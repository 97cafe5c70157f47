// Tests of the statistics computed from database aggregates: nearest-rank percentiles from a
// response-time histogram, and the per-day series with empty days filled in.
#include "admin_stats.h"

#include <gtest/gtest.h>

TEST(ResponseTimeScanTest, NearestRankPercentilesMeanAndMax) {
  // 100 answers: 1..100 ms once each.
  chat::ResponseTimeScan scan(100);
  for (int value = 1; value <= 100; ++value) scan.add(value, 1);
  const auto stats = scan.result();
  EXPECT_EQ(stats.p50, 50);
  EXPECT_EQ(stats.p95, 95);
  EXPECT_EQ(stats.max, 100);
  EXPECT_EQ(stats.avg, 51);  // 50.5 rounds half away from zero
}

TEST(ResponseTimeScanTest, CountsWeighTheirValues) {
  chat::ResponseTimeScan scan(20);
  scan.add(100, 18);  // 90% of answers at 100 ms
  scan.add(900, 1);
  scan.add(5000, 1);
  const auto stats = scan.result();
  EXPECT_EQ(stats.p50, 100);
  EXPECT_EQ(stats.p95, 900);  // rank 19 of 20
  EXPECT_EQ(stats.max, 5000);
  EXPECT_EQ(stats.avg, (18 * 100 + 900 + 5000) / 20);
}

TEST(ResponseTimeScanTest, SingleAnswerAndNone) {
  chat::ResponseTimeScan one(1);
  one.add(42, 1);
  EXPECT_EQ(one.result().p50, 42);
  EXPECT_EQ(one.result().p95, 42);
  const auto none = chat::ResponseTimeScan(0).result();
  EXPECT_FALSE(none.avg);
  EXPECT_FALSE(none.p50);
  EXPECT_FALSE(none.max);
}

TEST(FillDaysTest, EmptyDaysBetweenAreZero) {
  const auto days = chat::fill_days({{"2026-02-27", 2}, {"2026-03-02", 1}}, {{"2026-02-28", 7}});
  ASSERT_EQ(days.size(), 4u);  // 27, 28 February, 1 and 2 March
  EXPECT_EQ(days[0].date, "2026-02-27");
  EXPECT_EQ(days[0].sessions, 2);
  EXPECT_EQ(days[0].messages, 0);
  EXPECT_EQ(days[1].messages, 7);
  EXPECT_EQ(days[2].date, "2026-03-01");
  EXPECT_EQ(days[2].sessions + days[2].messages, 0);
  EXPECT_EQ(days[3].date, "2026-03-02");
  EXPECT_EQ(days[3].sessions, 1);
}

TEST(FillDaysTest, NoDataNoDays) { EXPECT_TRUE(chat::fill_days({}, {}).empty()); }
