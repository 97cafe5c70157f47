// A worker process's view of the shared metrics (metrics/metrics_block.h): what its serving
// layer, ask path, model calls and database pools count. Every count is one relaxed atomic
// operation, cheap enough for the hot path.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "http/fcgi_server.h"
#include "metrics/metrics_block.h"
#include "mysql/connection_pool.h"

namespace chat {

// One more in a gauge until it goes (an ask in flight).
class GaugeHold {
 public:
  explicit GaugeHold(Gauge* gauge) : gauge_(gauge) {
    if (gauge_) gauge_->fetch_add(1, std::memory_order_relaxed);
  }
  GaugeHold(GaugeHold&& other) noexcept : gauge_(other.gauge_) { other.gauge_ = nullptr; }
  GaugeHold& operator=(GaugeHold&&) = delete;
  ~GaugeHold() {
    if (gauge_) gauge_->fetch_sub(1, std::memory_order_relaxed);
  }

 private:
  Gauge* gauge_;
};

class WorkerMetrics final : public RequestObserver {
 public:
  // `slot`: this child's, given by the master; -1 (none was free) keeps its gauges to itself,
  // unseen, rather than in another child's slot.
  WorkerMetrics(MetricsBlock& block, int slot);

  const MetricsBlock& block() const { return block_; }

  void served(std::string_view path, int status, std::chrono::microseconds took) override;
  void answered(Source source);
  void model_call_ended(ModelOutcome outcome, ModelFailure failure, std::chrono::microseconds took);
  GaugeHold ask_in_flight() { return GaugeHold(&slot_.asks_in_flight); }
  // The counters of this process's pool `kind`, of `size` connections.
  PoolCounters pool(PoolKind kind, std::size_t size);

 private:
  MetricsBlock& block_;
  ChildSlot unseen_slot_;
  ChildSlot& slot_;
};

}  // namespace chat
