// The delivery of leads to the webhook (see the header).
#include "leads/lead_delivery.h"

#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>

#include "admin_limits.h"
#include "mysql/mysql_transaction.h"
#include "json_writer.h"
#include "log.h"
#include "mysql/result_row.h"

namespace chat {
namespace {

// Every time is the database's (UTC_TIMESTAMP), so that the hosts' clocks never decide who holds
// a lead. An attempt's number fences its writes: a pass that stalled past its lease, while another
// took the lead over, changes nothing when it wakes, and a delivered lead is never made due again.
const std::string kDueLead =
    "SELECT id, session_id, name, email, message, created_at, delivery_attempts + 1, "
    "created_at < UTC_TIMESTAMP(3) - INTERVAL ? HOUR FROM leads "
    "WHERE next_attempt_at <= UTC_TIMESTAMP(3) AND delivered_at IS NULL "
    "ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED";
const std::string kClaimLead =
    "UPDATE leads SET delivery_attempts = delivery_attempts + 1, "
    "next_attempt_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND WHERE id = ?";
const std::string kFence = " WHERE id = ? AND delivery_attempts = ? AND delivered_at IS NULL";
const std::string kDelivered = "UPDATE leads SET delivered_at = UTC_TIMESTAMP(3), next_attempt_at = NULL" + kFence;
const std::string kDueAgain = "UPDATE leads SET next_attempt_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND" + kFence;
const std::string kGiveUp = "UPDATE leads SET next_attempt_at = NULL" + kFence;

struct Claimed {
  DueLead lead;
  bool too_old = false;  // past kLeadGiveUpAfter: given up instead of posted
};

// Claims the lead due first, if any: its attempt is counted and it is due again only once the
// lease is over, so no other pass takes it while this one posts it (one at a time: the lease
// outlasts one post, kWebhookConnectTimeout and kWebhookTimeout included).
std::optional<Claimed> claim_due_lead(MysqlConnection& connection) {
  return in_transaction(connection, [&]() -> std::optional<Claimed> {
    auto& due = connection.statement(kDueLead);
    due.setInt(1, static_cast<int>(kLeadGiveUpAfter.count()));
    std::unique_ptr<sql::ResultSet> rows(due.executeQuery());
    if (!rows->next()) return std::nullopt;
    Claimed claimed{{rows->getInt64(1), optional_string(*rows, 2), rows->getString(3), rows->getString(4),
                     rows->getString(5), iso8601_column(*rows, 6), rows->getInt(7)},
                    rows->getBoolean(8)};
    auto& claim = connection.statement(kClaimLead);
    claim.setInt(1, static_cast<int>(kLeadDeliveryLease.count()));
    claim.setInt64(2, claimed.lead.id);
    claim.executeUpdate();
    return claimed;
  });
}

// Records what came of the lead's attempt, unless another pass took the lead over meanwhile.
void record(MysqlConnection& connection, const std::string& query, const DueLead& lead,
            std::optional<std::chrono::seconds> due_in = std::nullopt) {
  auto& statement = connection.statement(query);
  int index = 0;
  if (due_in) statement.setInt(++index, static_cast<int>(due_in->count()));
  statement.setInt64(++index, lead.id);
  statement.setInt(++index, lead.attempts);
  statement.executeUpdate();
}

void log_attempt(const char* message, const DueLead& lead, const std::string& detail) {
  Json::Value fields(Json::objectValue);
  fields["lead_id"] = Json::Int64(lead.id);
  fields["attempts"] = lead.attempts;
  if (!detail.empty()) fields["detail"] = detail;
  log::warn(message, fields);
}

// Posts one claimed lead and records what came of it; true when delivered.
bool deliver(MysqlConnection& connection, const WebhookTarget& target, const Claimed& claimed) {
  const DueLead& lead = claimed.lead;
  if (claimed.too_old) {
    record(connection, kGiveUp, lead);
    log_attempt("lead delivery given up: the webhook did not take it within a day", lead, "");
    return false;
  }
  const WebhookReply reply = post_to_webhook(target, lead_payload(lead), "lead-" + std::to_string(lead.id));
  if (reply.acknowledged) {
    record(connection, kDelivered, lead);
    Json::Value fields(Json::objectValue);
    fields["lead_id"] = Json::Int64(lead.id);
    fields["attempts"] = lead.attempts;
    log::info("lead delivered to the webhook", fields);
    return true;
  }
  record(connection, kDueAgain, lead, lead_retry_delay(lead.attempts));
  log_attempt("lead delivery failed, trying again later", lead, reply.detail);
  return false;
}

// Slack's escaping of the text it formats (https://api.slack.com/reference/surfaces/formatting):
// a visitor's "<!channel>" or "<https://x|Verify>" stays text.
std::string slack_escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

}  // namespace

std::string lead_payload(const DueLead& lead) {
  const std::string text = "New lead #" + std::to_string(lead.id) + " from " + slack_escaped(lead.name) + " &lt;" +
                           slack_escaped(lead.email) + "&gt;: " + slack_escaped(lead.message);
  JsonWriter out;
  out.begin_object()
      .field("lead_id", lead.id)
      .field("session_id", lead.session_id)
      .field("name", lead.name)
      .field("email", lead.email)
      .field("message", lead.message)
      .field("created_at", lead.created_at)
      .field("text", text)
      .end_object();
  return out.take();
}

std::chrono::seconds lead_retry_delay(int attempts) {
  std::chrono::seconds delay = kLeadFirstRetry;
  for (int i = 1; i < attempts && delay < kLeadLongestRetry; ++i) delay *= 2;
  return std::min(delay, kLeadLongestRetry);
}

int deliver_due_leads(MysqlConnection& connection, const WebhookTarget& target,
                      const std::function<bool()>& stopping) {
  int delivered = 0;
  for (int i = 0; i < kLeadDeliveryBatch && !stopping(); ++i) {
    const std::optional<Claimed> claimed = claim_due_lead(connection);
    if (!claimed) break;
    if (deliver(connection, target, *claimed)) ++delivered;
  }
  return delivered;
}

LeadDelivery::LeadDelivery(DatabaseUrl primary, WebhookTarget target, BackgroundLag& lag)
    : lag_(lag), thread_([this, primary = std::move(primary), target = std::move(target)] { run(primary, target); }) {}

bool LeadDelivery::stopping() {
  const std::lock_guard lock(mutex_);
  return stopping_;
}

LeadDelivery::~LeadDelivery() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void LeadDelivery::run(const DatabaseUrl& primary, const WebhookTarget& target) {
  const MysqlThreadScope thread;
  MysqlConnection connection(primary);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      connection.run([&] { deliver_due_leads(connection, target, [this] { return stopping(); }); },
                     /*retry_on_loss=*/false);
      lag_.succeeded(BackgroundJob::lead_delivery);
    } catch (const std::exception& error) {
      Json::Value fields(Json::objectValue);
      fields["detail"] = error.what();
      log::warn("lead delivery: the queue could not be read, trying again later", fields);
    }
    lock.lock();
    wake_.wait_for(lock, kLeadDeliveryInterval, [this] { return stopping_; });
  }
}

}  // namespace chat
