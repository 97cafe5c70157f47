// chat-worker's metrics: what each count adds to the shared block, how the block renders, and
// children (forked processes, as the master's) adding to the same counters, a dead child's gauges
// zeroed by the master and its restart counted.
#include "metrics/worker_metrics.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "metrics/metrics_exposition.h"
#include "store_unavailable.h"

namespace {

using chat::MetricsBlock;
using chat::WorkerMetrics;
using std::chrono::microseconds;
using std::chrono::milliseconds;

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

// Runs `work` in a child process, as the master's children do, and waits for it to end.
template <typename Work>
void in_child_process(Work work) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    work();
    ::_exit(0);
  }
  ASSERT_GT(pid, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
}

TEST(WorkerMetricsTest, RendersOnlyTheRouteAndStatusPairsSeenWithTheDurationHistogram) {
  MetricsBlock& block = chat::map_shared_metrics_block();
  WorkerMetrics metrics(block, 0);
  metrics.served("/api/chatbot/ask/", 200, milliseconds(30));
  metrics.served("/api/chatbot/ask", 200, milliseconds(3));
  metrics.served("/api/chatbot/session/8c1d/", 404, milliseconds(1));
  metrics.served("/nowhere", chat::kClientClosedRequest, microseconds(10));
  const std::string text = chat::render_worker_metrics(block);
  EXPECT_TRUE(has_line(text, "# TYPE chat_http_requests_total counter"));
  EXPECT_TRUE(has_line(text, "chat_http_requests_total{route=\"ask\",status=\"200\"} 2"));
  EXPECT_TRUE(has_line(text, "chat_http_requests_total{route=\"session\",status=\"404\"} 1"));
  EXPECT_TRUE(has_line(text, "chat_http_requests_total{route=\"other\",status=\"499\"} 1"));
  EXPECT_EQ(text.find("chat_http_requests_total{route=\"healthz\""), std::string::npos);
  EXPECT_TRUE(has_line(text, "# TYPE chat_http_request_duration_seconds histogram"));
  EXPECT_TRUE(has_line(text, "chat_http_request_duration_seconds_bucket{route=\"ask\",le=\"0.005\"} 1"));
  EXPECT_TRUE(has_line(text, "chat_http_request_duration_seconds_bucket{route=\"ask\",le=\"0.025\"} 1"));
  EXPECT_TRUE(has_line(text, "chat_http_request_duration_seconds_bucket{route=\"ask\",le=\"0.05\"} 2"));
  EXPECT_TRUE(has_line(text, "chat_http_request_duration_seconds_bucket{route=\"ask\",le=\"+Inf\"} 2"));
  EXPECT_TRUE(has_line(text, "chat_http_request_duration_seconds_sum{route=\"ask\"} 0.033"));
  EXPECT_TRUE(has_line(text, "chat_http_request_duration_seconds_count{route=\"ask\"} 2"));
}

TEST(WorkerMetricsTest, CountsAnswersModelCallsAndAsksInFlight) {
  MetricsBlock& block = chat::map_shared_metrics_block();
  WorkerMetrics metrics(block, 3);
  metrics.answered(chat::Source::fallback);
  metrics.answered(chat::Source::cache);
  metrics.answered(chat::Source::cache);
  metrics.model_call_ended(chat::ModelOutcome::ok, chat::ModelFailure::none, milliseconds(700));
  metrics.model_call_ended(chat::ModelOutcome::failed, chat::ModelFailure::rate_limited, milliseconds(90));
  metrics.model_call_ended(chat::ModelOutcome::cancelled, chat::ModelFailure::none, milliseconds(5));
  chat::GaugeHold first = metrics.ask_in_flight();
  std::string text;
  {
    chat::GaugeHold second = metrics.ask_in_flight();
    text = chat::render_worker_metrics(block);
  }
  EXPECT_TRUE(has_line(text, "chat_answers_total{source=\"model\"} 0"));
  EXPECT_TRUE(has_line(text, "chat_answers_total{source=\"fallback\"} 1"));
  EXPECT_TRUE(has_line(text, "chat_answers_total{source=\"cache\"} 2"));
  EXPECT_TRUE(has_line(text, "chat_model_calls_total{outcome=\"ok\"} 1"));
  EXPECT_TRUE(has_line(text, "chat_model_calls_total{outcome=\"failed\"} 1"));
  EXPECT_TRUE(has_line(text, "chat_model_calls_total{outcome=\"cancelled\"} 1"));
  EXPECT_TRUE(has_line(text, "chat_model_call_failures_total{failure=\"rate_limited\"} 1"));
  EXPECT_TRUE(has_line(text, "chat_model_call_failures_total{failure=\"timeout\"} 0"));
  EXPECT_TRUE(has_line(text, "chat_model_call_duration_seconds_count 3"));
  EXPECT_TRUE(has_line(text, "chat_asks_in_flight 2"));
  EXPECT_TRUE(has_line(chat::render_worker_metrics(block), "chat_asks_in_flight 1"));
}

// Every borrow of an empty pool waits and times out: counted without a database.
TEST(WorkerMetricsTest, CountsThePoolsSizesWaitsAndTimeouts) {
  MetricsBlock& block = chat::map_shared_metrics_block();
  WorkerMetrics metrics(block, 0);
  metrics.pool(chat::PoolKind::asks, 8);
  chat::MysqlConnectionPool empty(chat::DatabaseUrl{}, 0, milliseconds(1), metrics.pool(chat::PoolKind::reads, 0));
  EXPECT_THROW(empty.borrow(), chat::StoreUnavailable);
  const std::string text = chat::render_worker_metrics(block);
  EXPECT_TRUE(has_line(text, "chat_database_pool_connections{pool=\"asks\"} 8"));
  EXPECT_TRUE(has_line(text, "chat_database_pool_waits_total{pool=\"reads\"} 1"));
  EXPECT_TRUE(has_line(text, "chat_database_pool_timeouts_total{pool=\"reads\"} 1"));
  EXPECT_TRUE(has_line(text, "chat_database_pool_in_use{pool=\"reads\"} 0"));
}

// The master maps the block, forks; each child counts into it; one dies holding an ask in flight.
TEST(WorkerMetricsTest, ChildrenAddToTheSameCountersAndADeadChildLeavesNoPhantom) {
  MetricsBlock& block = chat::map_shared_metrics_block();
  for (int slot = 0; slot < 2; ++slot) {
    in_child_process([&block, slot] {
      WorkerMetrics metrics(block, slot);
      for (int i = 0; i < 50; ++i) metrics.served("/healthz", 200, milliseconds(1));
      metrics.answered(chat::Source::knowledge);
      if (slot == 1) {
        chat::GaugeHold held = metrics.ask_in_flight();
        metrics.pool(chat::PoolKind::asks, 8);
        ::_exit(9);  // killed with the ask in flight: no destructor runs
      }
    });
  }
  std::string text = chat::render_worker_metrics(block);
  EXPECT_TRUE(has_line(text, "chat_http_requests_total{route=\"healthz\",status=\"200\"} 100"));
  EXPECT_TRUE(has_line(text, "chat_answers_total{source=\"knowledge\"} 2"));
  EXPECT_TRUE(has_line(text, "chat_asks_in_flight 1"));  // the dead child's, until the master says
  EXPECT_TRUE(has_line(text, "chat_worker_processes 2"));

  chat::child_ended(block, 0, std::nullopt);                     // retired by a reload
  chat::child_ended(block, 1, chat::ChildRestart::died);         // killed
  text = chat::render_worker_metrics(block);
  EXPECT_TRUE(has_line(text, "chat_asks_in_flight 0"));
  EXPECT_TRUE(has_line(text, "chat_worker_processes 0"));
  EXPECT_TRUE(has_line(text, "chat_database_pool_connections{pool=\"asks\"} 0"));
  EXPECT_TRUE(has_line(text, "chat_worker_child_restarts_total{reason=\"died\"} 1"));
  EXPECT_TRUE(has_line(text, "chat_worker_child_restarts_total{reason=\"recycled\"} 0"));
  EXPECT_TRUE(has_line(text, "chat_http_requests_total{route=\"healthz\",status=\"200\"} 100"));  // kept
}

TEST(WorkerMetricsTest, AChildWithoutASlotCountsButShowsNoGauges) {
  MetricsBlock& block = chat::map_shared_metrics_block();
  WorkerMetrics metrics(block, -1);
  chat::GaugeHold held = metrics.ask_in_flight();
  metrics.answered(chat::Source::model);
  const std::string text = chat::render_worker_metrics(block);
  EXPECT_TRUE(has_line(text, "chat_asks_in_flight 0"));
  EXPECT_TRUE(has_line(text, "chat_answers_total{source=\"model\"} 1"));
}

}  // namespace
