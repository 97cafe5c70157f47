// Settings of chat-admin, read from the environment (see the header). Only the admin's own
// variables are read: the worker's model settings and keys are none of its business.
#include "admin_config.h"

#include "admin_auth.h"

namespace chat {
namespace {

bool fail(std::string* error, std::string_view variable, std::string_view reason) {
  if (error) error->assign(variable).append(": ").append(reason);
  return false;
}

bool read_url(const EnvLookup& env, const char* name, DatabaseUrl& out, std::string* error) {
  const char* url = env(name);
  if (!url || !*url) return true;
  std::string reason;
  const auto parsed = parse_database_url(url, &reason);
  if (!parsed) return fail(error, name, reason);
  out = *parsed;
  return true;
}

}  // namespace

std::optional<AdminConfig> load_admin_config(const EnvLookup& env, std::string* error) {
  AdminConfig config;
  const char* primary = env("CHAT_DATABASE_URL");
  if (!primary || !*primary) {
    fail(error, "CHAT_DATABASE_URL", "is not set");
    return std::nullopt;
  }
  if (!read_url(env, "CHAT_DATABASE_URL", config.database, error)) return std::nullopt;
  config.read_database = config.database;
  if (!read_url(env, "CHAT_ADMIN_DATABASE_URL", config.read_database, error)) return std::nullopt;

  if (const char* token = env("CHAT_ADMIN_TOKEN"); token && *token) {
    if (!is_acceptable_admin_token(token)) {
      fail(error, "CHAT_ADMIN_TOKEN",
           "must be at least " + std::to_string(kMinAdminTokenChars) +
               " characters of letters, digits and -._~+/ (for example: openssl rand -hex 32)");
      return std::nullopt;
    }
    config.token = token;
  }
  return config;
}

}  // namespace chat
