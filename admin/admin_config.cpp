// Settings of chat-admin, read from the environment (see the header). Only the admin's own
// variables are read: the worker's model settings and keys are none of its business.
#include "admin_config.h"

#include <unistd.h>

#include <string_view>

#include "admin_auth.h"

namespace chat {

std::optional<AdminConfig> load_admin_config(const EnvLookup& env, std::string* error) {
  AdminConfig config;
  if (!read_database_url(env, "CHAT_DATABASE_URL", /*required=*/true, config.database, error)) return std::nullopt;
  config.read_database = config.database;
  if (!read_database_url(env, "CHAT_ADMIN_DATABASE_URL", /*required=*/false, config.read_database, error) ||
      !read_peer_allowlist(env, "CHAT_FASTCGI_ALLOWED_PEERS", config.fastcgi_peers, error)) {
    return std::nullopt;
  }
  if (const char* token = env("CHAT_ADMIN_TOKEN"); token && *token) {
    if (!is_acceptable_admin_token(token)) {
      setting_error(error, "CHAT_ADMIN_TOKEN",
                    "must be at least " + std::to_string(kMinAdminTokenChars) +
                        " characters of letters, digits and -._~+/ (for example: openssl rand -hex 32)");
      return std::nullopt;
    }
    config.token = token;
  }
  if (const char* url = env("CHAT_LEAD_WEBHOOK_URL"); url && *url) {
    if (!std::string_view(url).starts_with("https://") || std::string_view(url).size() <= 8) {
      setting_error(error, "CHAT_LEAD_WEBHOOK_URL", "must be an HTTPS URL");
      return std::nullopt;
    }
    config.lead_webhook = WebhookTarget{url, std::nullopt};
    if (const char* ca = env("CHAT_CA_FILE"); ca && *ca) {
      if (::access(ca, R_OK) != 0) {
        setting_error(error, "CHAT_CA_FILE", std::string("cannot read ") + ca);
        return std::nullopt;
      }
      config.lead_webhook->ca_file = ca;
    }
  }
  return config;
}

}  // namespace chat
