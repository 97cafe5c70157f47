// The layout of chat-worker's metrics, in one block of memory that the master maps shared before
// it forks, so that every child adds to the same counters: a child that dies or is recycled
// loses nothing, and no counter ever goes backwards. Gauges (asks in flight, database
// connections) live in a slot of the child's own, which the master zeroes when the child ends,
// so a killed child leaves no phantom behind. Lock-free atomics only: a child killed in the
// middle of an update leaves nothing locked.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "api/routes.h"
#include "model/model_failure.h"
#include "transcript/transcript.h"

namespace chat {

static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "counters shared between processes");
static_assert(std::atomic<std::int64_t>::is_always_lock_free, "gauges shared between processes");

using Counter = std::atomic<std::uint64_t>;
using Gauge = std::atomic<std::int64_t>;

// HTTP statuses are counted in an array indexed by the status itself.
inline constexpr int kHttpStatusLimit = 600;
// Each child holds one slot; a reload runs the old generation beside the new one, hence twice
// the highest CHAT_WORKER_PROCESSES.
inline constexpr int kMetricsChildSlots = 512;

// The upper bounds of the histograms' buckets, in microseconds.
inline constexpr std::array<std::uint64_t, 12> kRequestBucketsUs = {
    5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000, 30'000'000};
inline constexpr std::array<std::uint64_t, 9> kModelCallBucketsUs = {
    250'000, 500'000, 1'000'000, 2'000'000, 4'000'000, 8'000'000, 15'000'000, 30'000'000, 60'000'000};

// Observations counted in fixed buckets (the last above every bound) and their sum.
template <const auto& BoundsUs>
struct AtomicHistogram {
  std::array<Counter, BoundsUs.size() + 1> counts{};
  Counter sum_us{0};

  void observe(std::uint64_t micros) {
    std::size_t bucket = 0;
    while (bucket < BoundsUs.size() && micros > BoundsUs[bucket]) ++bucket;
    counts[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_us.fetch_add(micros, std::memory_order_relaxed);
  }
};

enum class ModelOutcome { ok, failed, cancelled };  // cancelled: the visitor left first
inline constexpr std::array<ModelOutcome, 3> kAllModelOutcomes = {ModelOutcome::ok, ModelOutcome::failed,
                                                                  ModelOutcome::cancelled};
inline constexpr std::size_t kModelFailureClasses = static_cast<std::size_t>(ModelFailure::internal) + 1;

// The database pools of a worker process (worker/main.cpp).
enum class PoolKind { asks, reads, health };
inline constexpr std::array<PoolKind, 3> kAllPools = {PoolKind::asks, PoolKind::reads, PoolKind::health};

// Why a child was replaced: it died (a crash, kill -9), or it reached CHAT_WORKER_MAX_REQUESTS.
enum class ChildRestart { died, recycled };
inline constexpr std::array<ChildRestart, 2> kAllChildRestarts = {ChildRestart::died, ChildRestart::recycled};

// One child's gauges.
struct ChildSlot {
  Gauge live{0};  // 1 while a child holds the slot
  Gauge asks_in_flight{0};
  std::array<Gauge, kAllPools.size()> pool_in_use{};
  std::array<Gauge, kAllPools.size()> pool_size{};
};

struct MetricsBlock {
  std::array<std::array<Counter, kHttpStatusLimit>, kAllRoutes.size()> requests{};
  std::array<AtomicHistogram<kRequestBucketsUs>, kAllRoutes.size()> request_duration{};
  std::array<Counter, kAllSources.size()> answers{};
  std::array<Counter, kAllModelOutcomes.size()> model_calls{};
  std::array<Counter, kModelFailureClasses> model_failures{};
  AtomicHistogram<kModelCallBucketsUs> model_call_duration{};
  std::array<Counter, kAllPools.size()> pool_waits{};
  std::array<Counter, kAllPools.size()> pool_timeouts{};
  std::array<Counter, kAllChildRestarts.size()> child_restarts{};
  std::array<ChildSlot, kMetricsChildSlots> slots{};
};

template <typename Enum>
constexpr std::size_t index_of(Enum value) {
  return static_cast<std::size_t>(value);
}

// A zeroed block in memory shared with the processes this one forks from now on; it lives as
// long as the process. Throws std::system_error when the memory cannot be mapped.
MetricsBlock& map_shared_metrics_block();

// In the master, once a child ended: its slot's gauges zeroed (it is free for the next child),
// and a restart counted unless it left because of a reload or a stop (`restart` empty).
void child_ended(MetricsBlock& block, int slot, std::optional<ChildRestart> restart);

}  // namespace chat
