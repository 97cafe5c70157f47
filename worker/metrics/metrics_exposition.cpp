// chat-worker's metrics in Prometheus's text format (see the header).
#include "metrics/metrics_exposition.h"

#include <string_view>
#include <vector>

#include "metrics/exposition.h"

namespace chat {
namespace {

std::uint64_t read(const Counter& counter) { return counter.load(std::memory_order_relaxed); }

std::string_view outcome_name(ModelOutcome outcome) {
  switch (outcome) {
    case ModelOutcome::ok: return "ok";
    case ModelOutcome::failed: return "failed";
    case ModelOutcome::cancelled: return "cancelled";
  }
  return "failed";
}

std::string_view pool_name(PoolKind pool) {
  switch (pool) {
    case PoolKind::asks: return "asks";
    case PoolKind::reads: return "reads";
    case PoolKind::health: return "health";
  }
  return "asks";
}

std::string_view restart_name(ChildRestart restart) {
  return restart == ChildRestart::died ? "died" : "recycled";
}

// Renders a histogram whose bounds are in microseconds, in seconds.
template <const auto& BoundsUs>
void write_histogram(Exposition& out, std::string_view name, MetricLabels labels,
                     const AtomicHistogram<BoundsUs>& histogram) {
  std::vector<double> bounds;
  for (const std::uint64_t bound : BoundsUs) bounds.push_back(static_cast<double>(bound) / 1e6);
  std::vector<std::uint64_t> counts;
  for (const Counter& count : histogram.counts) counts.push_back(read(count));
  out.histogram(name, labels, {bounds, counts, static_cast<double>(read(histogram.sum_us)) / 1e6});
}

// Only the route and status pairs seen: a few of the 600 statuses each route could have.
void write_requests(Exposition& out, const MetricsBlock& block) {
  out.family("chat_http_requests_total", "Requests answered by chat-worker, by route and HTTP status.", "counter");
  for (const Route route : kAllRoutes) {
    const auto& statuses = block.requests[index_of(route)];
    for (int status = 0; status < kHttpStatusLimit; ++status) {
      const std::uint64_t count = read(statuses[static_cast<std::size_t>(status)]);
      if (count == 0) continue;
      const std::string code = std::to_string(status);
      out.sample("chat_http_requests_total", {{"route", route_name(route)}, {"status", code}}, count);
    }
  }
  out.family("chat_http_request_duration_seconds",
             "Time from a request's arrival to the end of its response (a streamed answer's whole stream).",
             "histogram");
  for (const Route route : kAllRoutes) {
    write_histogram(out, "chat_http_request_duration_seconds", {{"route", route_name(route)}},
                    block.request_duration[index_of(route)]);
  }
}

void write_answers(Exposition& out, const MetricsBlock& block) {
  out.family("chat_answers_total", "Answers stored and sent, by source (model, knowledge, fallback, cache).",
             "counter");
  for (const Source source : kAllSources) {
    out.sample("chat_answers_total", {{"source", to_string(source)}}, read(block.answers[index_of(source)]));
  }
}

void write_model_calls(Exposition& out, const MetricsBlock& block) {
  out.family("chat_model_calls_total",
             "Model calls ended, by outcome (ok, failed: answered by the fallback, cancelled: the visitor left).",
             "counter");
  for (const ModelOutcome outcome : kAllModelOutcomes) {
    out.sample("chat_model_calls_total", {{"outcome", outcome_name(outcome)}},
               read(block.model_calls[index_of(outcome)]));
  }
  out.family("chat_model_call_failures_total", "Failed model calls, by failure class (as in the worker's log).",
             "counter");
  for (std::size_t failure = 1; failure < kModelFailureClasses; ++failure) {
    out.sample("chat_model_call_failures_total", {{"failure", failure_name(static_cast<ModelFailure>(failure))}},
               read(block.model_failures[failure]));
  }
  out.family("chat_model_call_duration_seconds", "Duration of model calls, retries included.", "histogram");
  write_histogram(out, "chat_model_call_duration_seconds", {}, block.model_call_duration);
}

// The sum over the children's slots of one of their gauges.
template <typename Read>
std::int64_t sum_of_slots(const MetricsBlock& block, Read read_gauge) {
  std::int64_t sum = 0;
  for (const ChildSlot& slot : block.slots) sum += read_gauge(slot).load(std::memory_order_relaxed);
  return sum;
}

void write_gauges(Exposition& out, const MetricsBlock& block) {
  out.family("chat_asks_in_flight", "Asks being answered now, over every worker process.", "gauge");
  out.sample("chat_asks_in_flight", {},
             sum_of_slots(block, [](const ChildSlot& slot) -> const Gauge& { return slot.asks_in_flight; }));
  out.family("chat_worker_processes", "Worker processes serving now (the master's children).", "gauge");
  out.sample("chat_worker_processes", {}, sum_of_slots(block, [](const ChildSlot& slot) -> const Gauge& { return slot.live; }));
}

void write_pools(Exposition& out, const MetricsBlock& block) {
  out.family("chat_database_pool_connections", "Database connections the worker processes' pools may hold.",
             "gauge");
  for (const PoolKind pool : kAllPools) {
    out.sample("chat_database_pool_connections", {{"pool", pool_name(pool)}},
               sum_of_slots(block, [&](const ChildSlot& slot) -> const Gauge& { return slot.pool_size[index_of(pool)]; }));
  }
  out.family("chat_database_pool_in_use", "Database connections lent out now.", "gauge");
  for (const PoolKind pool : kAllPools) {
    out.sample("chat_database_pool_in_use", {{"pool", pool_name(pool)}},
               sum_of_slots(block, [&](const ChildSlot& slot) -> const Gauge& { return slot.pool_in_use[index_of(pool)]; }));
  }
  out.family("chat_database_pool_waits_total", "Borrows that found no connection free and waited.", "counter");
  for (const PoolKind pool : kAllPools) {
    out.sample("chat_database_pool_waits_total", {{"pool", pool_name(pool)}}, read(block.pool_waits[index_of(pool)]));
  }
  out.family("chat_database_pool_timeouts_total",
             "Borrows that found no connection within CHAT_DB_POOL_WAIT_MS (answered 503).", "counter");
  for (const PoolKind pool : kAllPools) {
    out.sample("chat_database_pool_timeouts_total", {{"pool", pool_name(pool)}},
               read(block.pool_timeouts[index_of(pool)]));
  }
}

void write_restarts(Exposition& out, const MetricsBlock& block) {
  out.family("chat_worker_child_restarts_total",
             "Worker processes replaced by the master: died (a crash, a kill) or recycled (CHAT_WORKER_MAX_REQUESTS).",
             "counter");
  for (const ChildRestart restart : kAllChildRestarts) {
    out.sample("chat_worker_child_restarts_total", {{"reason", restart_name(restart)}},
               read(block.child_restarts[index_of(restart)]));
  }
}

}  // namespace

std::string render_worker_metrics(const MetricsBlock& block) {
  Exposition out;
  out.family("chat_worker_up", "1 when chat-worker answered this scrape (nginx says 0 when it did not).", "gauge");
  out.sample("chat_worker_up", {}, std::int64_t{1});
  write_requests(out, block);
  write_answers(out, block);
  write_model_calls(out, block);
  write_gauges(out, block);
  write_pools(out, block);
  write_restarts(out, block);
  return out.take();
}

}  // namespace chat
