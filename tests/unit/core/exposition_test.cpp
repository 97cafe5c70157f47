// The Prometheus text format as chat-worker and chat-admin write it: HELP and TYPE lines, label
// values escaped, histograms cumulative with +Inf, _sum and _count.
#include "metrics/exposition.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace {

using chat::Exposition;

TEST(ExpositionTest, WritesAFamilyWithItsHelpTypeAndSamples) {
  Exposition out;
  out.family("chat_answers_total", "Answers by source.", "counter")
      .sample("chat_answers_total", {{"source", "model"}}, std::uint64_t{3})
      .sample("chat_answers_total", {{"source", "cache"}}, std::uint64_t{0});
  EXPECT_EQ(out.str(),
            "# HELP chat_answers_total Answers by source.\n"
            "# TYPE chat_answers_total counter\n"
            "chat_answers_total{source=\"model\"} 3\n"
            "chat_answers_total{source=\"cache\"} 0\n");
}

TEST(ExpositionTest, WritesSamplesWithoutLabelsAndNegativeAndFractionalValues) {
  Exposition out;
  out.sample("chat_up", {}, std::int64_t{-2}).sample("chat_lag_seconds", {}, 1.5).sample("chat_two", {{"a", "x"}, {"b", "y"}}, 0.25);
  EXPECT_EQ(out.str(), "chat_up -2\nchat_lag_seconds 1.5\nchat_two{a=\"x\",b=\"y\"} 0.25\n");
}

TEST(ExpositionTest, EscapesLabelValuesAndHelpText) {
  Exposition out;
  out.family("chat_x", "a \\ back\nslash", "gauge").sample("chat_x", {{"path", "a\"b\\c\nd"}}, std::int64_t{1});
  EXPECT_EQ(out.str(),
            "# HELP chat_x a \\\\ back\\nslash\n"
            "# TYPE chat_x gauge\n"
            "chat_x{path=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(ExpositionTest, WritesAHistogramWithCumulativeBucketsSumAndCount) {
  const std::array<double, 2> bounds = {0.1, 2.5};
  const std::array<std::uint64_t, 3> counts = {2, 0, 1};  // two at most 0.1 s, one above 2.5 s
  Exposition out;
  out.histogram("chat_d_seconds", {{"route", "ask"}}, {bounds, counts, 3.75});
  EXPECT_EQ(out.str(),
            "chat_d_seconds_bucket{route=\"ask\",le=\"0.1\"} 2\n"
            "chat_d_seconds_bucket{route=\"ask\",le=\"2.5\"} 2\n"
            "chat_d_seconds_bucket{route=\"ask\",le=\"+Inf\"} 3\n"
            "chat_d_seconds_sum{route=\"ask\"} 3.75\n"
            "chat_d_seconds_count{route=\"ask\"} 3\n");
}

TEST(ExpositionTest, WritesAHistogramWithoutLabels) {
  const std::array<double, 1> bounds = {1};
  const std::array<std::uint64_t, 2> counts = {0, 0};
  Exposition out;
  out.histogram("chat_m_seconds", {}, {bounds, counts, 0});
  EXPECT_EQ(out.str(),
            "chat_m_seconds_bucket{le=\"1\"} 0\n"
            "chat_m_seconds_bucket{le=\"+Inf\"} 0\n"
            "chat_m_seconds_sum 0\n"
            "chat_m_seconds_count 0\n");
}

}  // namespace
