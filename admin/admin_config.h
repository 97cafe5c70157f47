// Settings of chat-admin, read from the environment (contract section 2).
#pragma once

#include <optional>
#include <string>

#include "leads/lead_webhook.h"
#include "mysql/database_url.h"
#include "settings.h"

namespace chat {

struct AdminConfig {
  DatabaseUrl database;                // CHAT_DATABASE_URL: the primary; erase and purge write here
  DatabaseUrl read_database;           // CHAT_ADMIN_DATABASE_URL (default CHAT_DATABASE_URL): reports
  std::optional<std::string> token;    // CHAT_ADMIN_TOKEN; unset or empty: every request gets 401
  // CHAT_FASTCGI_ALLOWED_PEERS: who may connect when listening on TCP (default: loopback)
  PeerAllowlist fastcgi_peers = PeerAllowlist::loopback();
  // CHAT_LEAD_WEBHOOK_URL (https only; a secret, as Slack's are: never logged) and CHAT_CA_FILE;
  // unset: leads wait in the table, shown to admins.
  std::optional<WebhookTarget> lead_webhook;
};

// Reads and validates the settings; on a bad value returns nullopt and one line naming the
// variable in *error (never a secret's value).
std::optional<AdminConfig> load_admin_config(const EnvLookup& env, std::string* error);

}  // namespace chat
