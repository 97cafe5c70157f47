// chat-admin's metrics (see the header).
#include "admin_metrics.h"

#include <optional>

#include "log.h"
#include "metrics/exposition.h"

namespace chat {
namespace {

std::optional<LeadQueue> read_queue(AdminStore& store, const Request& request) {
  try {
    return store.lead_queue();
  } catch (const std::exception& error) {
    Json::Value fields(Json::objectValue);
    fields["request_id"] = request.request_id;
    fields["detail"] = error.what();
    log::warn("metrics: the lead delivery queue could not be read", fields);
    return std::nullopt;
  }
}

void write_queue(Exposition& out, const LeadQueue& queue) {
  out.family("chat_lead_delivery_queue",
             "Leads by delivery state: due, scheduled (a retry or a delivery under way), delivered, given_up.",
             "gauge");
  out.sample("chat_lead_delivery_queue", {{"state", "due"}}, queue.due);
  out.sample("chat_lead_delivery_queue", {{"state", "scheduled"}}, queue.scheduled);
  out.sample("chat_lead_delivery_queue", {{"state", "delivered"}}, queue.delivered);
  out.sample("chat_lead_delivery_queue", {{"state", "given_up"}}, queue.given_up);
  out.family("chat_lead_delivery_oldest_waiting_seconds",
             "How long the oldest lead still to be delivered has waited (0: none waits).", "gauge");
  out.sample("chat_lead_delivery_oldest_waiting_seconds", {}, queue.oldest_waiting_seconds.value_or(0.0));
}

void write_lag(Exposition& out, const AdminMetricsSources& sources) {
  out.family("chat_background_job_lag_seconds",
             "Seconds since each of chat-admin's background jobs last succeeded (since its start, before).", "gauge");
  for (const BackgroundJob job : kAllBackgroundJobs) {
    if (job == BackgroundJob::lead_delivery && !sources.lead_delivery) continue;
    out.sample("chat_background_job_lag_seconds", {{"job", background_job_name(job)}},
               sources.lag.seconds_since_success(job));
  }
}

}  // namespace

Response handle_admin_metrics(const Request& request, const AdminMetricsSources& sources) {
  if (request.method != "GET" && request.method != "HEAD") return Response::method_not_allowed(request.method, "GET, HEAD");
  Exposition out;
  out.family("chat_admin_up", "1 when chat-admin answered this scrape (nginx says 0 when it did not).", "gauge");
  out.sample("chat_admin_up", {}, std::int64_t{1});
  if (const auto queue = read_queue(sources.store, request)) write_queue(out, *queue);
  write_lag(out, sources);
  return Response::metrics(out.take());
}

}  // namespace chat
