// A worker process's counts into the shared metrics (see the header).
#include "metrics/worker_metrics.h"

namespace chat {
namespace {

void add_one(Counter& counter) { counter.fetch_add(1, std::memory_order_relaxed); }

std::uint64_t micros_of(std::chrono::microseconds took) {
  return took.count() > 0 ? static_cast<std::uint64_t>(took.count()) : 0;
}

}  // namespace

WorkerMetrics::WorkerMetrics(MetricsBlock& block, int slot)
    : block_(block),
      slot_(slot >= 0 && slot < kMetricsChildSlots ? block.slots[static_cast<std::size_t>(slot)] : unseen_slot_) {
  slot_.live.store(1, std::memory_order_relaxed);
}

void WorkerMetrics::served(std::string_view path, int status, std::chrono::microseconds took) {
  const std::size_t route = index_of(route_of(path));
  if (status >= 0 && status < kHttpStatusLimit) add_one(block_.requests[route][static_cast<std::size_t>(status)]);
  block_.request_duration[route].observe(micros_of(took));
}

void WorkerMetrics::answered(Source source) { add_one(block_.answers[index_of(source)]); }

void WorkerMetrics::model_call_ended(ModelOutcome outcome, ModelFailure failure, std::chrono::microseconds took) {
  add_one(block_.model_calls[index_of(outcome)]);
  if (outcome == ModelOutcome::failed) add_one(block_.model_failures[index_of(failure)]);
  block_.model_call_duration.observe(micros_of(took));
}

PoolCounters WorkerMetrics::pool(PoolKind kind, std::size_t size) {
  const std::size_t index = index_of(kind);
  slot_.pool_size[index].store(static_cast<std::int64_t>(size), std::memory_order_relaxed);
  return {&slot_.pool_in_use[index], &block_.pool_waits[index], &block_.pool_timeouts[index]};
}

}  // namespace chat
