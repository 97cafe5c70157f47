// The Prometheus text exposition format 0.0.4, written by chat-worker and chat-admin for
// GET /metrics: a family's "# HELP" and "# TYPE" lines, samples with escaped label values, and
// histograms as cumulative `_bucket{le="..."}` lines with `_sum` and `_count`.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace chat {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

struct MetricLabel {
  std::string_view name;
  std::string_view value;
};
using MetricLabels = std::initializer_list<MetricLabel>;

// A histogram as counted: `counts[i]` observations at most `upper_bounds[i]` (and above the one
// before), the last count above every bound; the sum in the family's unit.
struct HistogramCounts {
  std::span<const double> upper_bounds;
  std::span<const std::uint64_t> counts;  // upper_bounds.size() + 1
  double sum = 0;
};

class Exposition {
 public:
  // Starts a family: `type` is "counter", "gauge" or "histogram".
  Exposition& family(std::string_view name, std::string_view help, std::string_view type);
  Exposition& sample(std::string_view name, MetricLabels labels, std::uint64_t value);
  Exposition& sample(std::string_view name, MetricLabels labels, std::int64_t value);
  Exposition& sample(std::string_view name, MetricLabels labels, double value);
  // NAME_bucket (cumulative, le="+Inf" last), NAME_sum and NAME_count.
  Exposition& histogram(std::string_view name, MetricLabels labels, const HistogramCounts& histogram);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void begin_sample(std::string_view name, std::string_view suffix, MetricLabels labels,
                    std::string_view le = {});
  void append_number(double value);

  std::string out_;
};

}  // namespace chat
