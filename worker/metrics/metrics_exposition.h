// chat-worker's GET /metrics: the shared metrics block of every worker process, in Prometheus's
// text format (names prefixed chat_, base units, _total on counters).
#pragma once

#include <string>

#include "metrics/metrics_block.h"

namespace chat {

std::string render_worker_metrics(const MetricsBlock& block);

}  // namespace chat
