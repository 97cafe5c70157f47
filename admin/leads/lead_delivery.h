// The delivery of leads to CHAT_LEAD_WEBHOOK_URL, from chat-admin, never on a visitor's request
// path. The queue is the leads table itself (sql/010): a lead is due at next_attempt_at.
//
// A pass takes up to kLeadDeliveryBatch due leads one at a time: each is claimed in one short
// transaction (SELECT ... FOR UPDATE SKIP LOCKED, so that several chat-admin processes never
// claim the same lead) that counts the attempt and moves next_attempt_at a lease ahead, then
// posted. A 2xx marks it delivered
// (next_attempt_at NULL); a failure makes it due again after a backoff that doubles from
// kLeadFirstRetry up to kLeadLongestRetry; a lead older than kLeadGiveUpAfter is given up
// (next_attempt_at NULL, delivered_at NULL) with a warning. Times are the database's; each write
// is fenced by the attempt's number, so a pass that stalled past its lease changes nothing once
// another took over. A lead acknowledged by the receiver is posted again only if its process
// could not record that (it died, or the database failed, in between) or stalled past the lease
// while posting; the Idempotency-Key lets the receiver drop such a repeat.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "background_lag.h"
#include "leads/lead_webhook.h"
#include "mysql/database_url.h"
#include "mysql/mysql_connection.h"

namespace chat {

struct DueLead {
  std::int64_t id = 0;
  std::optional<std::string> session_id;
  std::string name;
  std::string email;
  std::string message;
  std::string created_at;  // ISO 8601 UTC
  int attempts = 0;        // this one included
};

// The webhook's JSON: the contract's fields and, for Slack-style receivers, "text".
std::string lead_payload(const DueLead& lead);

// When a lead that failed its attempt'th attempt is due again.
std::chrono::seconds lead_retry_delay(int attempts);

// One pass over the queue on `connection`, until it is empty, kLeadDeliveryBatch leads were
// taken, or `stopping` says so (checked between leads); returns how many it delivered.
int deliver_due_leads(MysqlConnection& connection, const WebhookTarget& target, const std::function<bool()>& stopping);

// Runs deliver_due_leads every kLeadDeliveryInterval on a thread of its own, with its own
// connection to the primary, until destroyed; each pass that read the queue is noted in `lag`.
class LeadDelivery {
 public:
  LeadDelivery(DatabaseUrl primary, WebhookTarget target, BackgroundLag& lag);
  ~LeadDelivery();
  LeadDelivery(const LeadDelivery&) = delete;
  LeadDelivery& operator=(const LeadDelivery&) = delete;

 private:
  void run(const DatabaseUrl& primary, const WebhookTarget& target);
  bool stopping();

  BackgroundLag& lag_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace chat
