// When each of chat-admin's background jobs last succeeded, for its metrics: a job's lag is the
// time since then (since the process started, for a job that has not succeeded yet), so a job
// that keeps failing shows a lag that grows past its interval.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace chat {

enum class BackgroundJob { rollups, expired_rows, search_index, lead_delivery };
inline constexpr std::array<BackgroundJob, 4> kAllBackgroundJobs = {
    BackgroundJob::rollups, BackgroundJob::expired_rows, BackgroundJob::search_index, BackgroundJob::lead_delivery};

inline std::string_view background_job_name(BackgroundJob job) {
  switch (job) {
    case BackgroundJob::rollups: return "stats_rollups";
    case BackgroundJob::expired_rows: return "expired_rows";
    case BackgroundJob::search_index: return "search_index";
    case BackgroundJob::lead_delivery: return "lead_delivery";
  }
  return "unknown";
}

class BackgroundLag {
 public:
  using Clock = std::chrono::steady_clock;

  BackgroundLag() {
    for (auto& at : succeeded_at_) at.store(now_us(), std::memory_order_relaxed);
  }

  void succeeded(BackgroundJob job) { succeeded_at_[index(job)].store(now_us(), std::memory_order_relaxed); }

  double seconds_since_success(BackgroundJob job) const {
    return static_cast<double>(now_us() - succeeded_at_[index(job)].load(std::memory_order_relaxed)) / 1e6;
  }

 private:
  static std::size_t index(BackgroundJob job) { return static_cast<std::size_t>(job); }
  static std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
  }

  std::array<std::atomic<std::int64_t>, kAllBackgroundJobs.size()> succeeded_at_;
};

}  // namespace chat
