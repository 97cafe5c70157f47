// chat-admin's GET /metrics, in Prometheus's text format: the lead delivery queue by state (read
// from the primary at each scrape) and the lag of each background job. nginx serves it under
// /metrics with chat-worker's, to an allowlist only: no token is asked for here.
#pragma once

#include <string_view>

#include "admin_store.h"
#include "background_lag.h"
#include "http/http.h"

namespace chat {

inline constexpr std::string_view kAdminMetricsPath = "/metrics";

struct AdminMetricsSources {
  AdminStore& store;
  const BackgroundLag& lag;
  bool lead_delivery = false;  // CHAT_LEAD_WEBHOOK_URL is set: the job runs
};

// The metrics' text; the queue's lines are left out (and the failure logged) when the database
// cannot be read.
Response handle_admin_metrics(const Request& request, const AdminMetricsSources& sources);

}  // namespace chat
