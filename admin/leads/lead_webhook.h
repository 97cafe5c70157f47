// Posting one lead to CHAT_LEAD_WEBHOOK_URL over HTTPS (libcurl; the peer and host name always
// verified, against CHAT_CA_FILE when set): a 2xx reply acknowledges it, anything else is a
// failure to try again later. Blocking: it runs on the delivery thread only.
#pragma once

#include <optional>
#include <string>

namespace chat {

struct WebhookTarget {
  std::string url;                     // https://...
  std::optional<std::string> ca_file;  // trusted CAs (PEM); the system's when unset
};

struct WebhookReply {
  bool acknowledged = false;  // the receiver answered 2xx
  long http_status = 0;       // 0: no HTTP reply (connection, TLS or timeout)
  std::string detail;         // for the log: libcurl's error or the status
};

// Posts `json` with Content-Type: application/json and Idempotency-Key: `idempotency_key`, so a
// receiver can drop the rare repeat (a delivery acknowledged just before a crash is sent again).
WebhookReply post_to_webhook(const WebhookTarget& target, const std::string& json, const std::string& idempotency_key);

}  // namespace chat
