// Settings of chat-worker, read from the environment (contract section 2).
#include "worker_config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include "worker_limits.h"

namespace chat {
namespace {

// Mistral's chat template has no system role: fold the system text into the first user turn.
bool model_needs_folded_system(const std::string& model) {
  std::string lower = model;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("mistral") != std::string::npos || lower.find("mixtral") != std::string::npos;
}

bool read_model_url(const EnvLookup& env, ModelSettings& model, std::string* error) {
  const char* url = env("CHAT_LLM_URL");
  if (!url || !*url) return true;
  const std::string_view text(url);
  if (!text.starts_with("https://") || text.size() <= 8 || text.find_first_of(" \t\r\n") != std::string_view::npos) {
    return setting_error(error, "CHAT_LLM_URL", "must be an https:// URL (TLS is always verified)");
  }
  model.url = std::string(text);
  while (model.url.size() > 8 && model.url.back() == '/') model.url.pop_back();
  return true;
}

bool read_model(const EnvLookup& env, ModelSettings& model, std::string* error) {
  if (const char* key = env("HUGGINGFACE_API_KEY")) model.api_key = key;
  if (const char* name = env("CHAT_MODEL"); name && *name) model.model = name;
  if (const char* ca = env("CHAT_CA_FILE"); ca && *ca) {
    if (::access(ca, R_OK) != 0) return setting_error(error, "CHAT_CA_FILE", std::string("cannot read ") + ca);
    model.ca_file = ca;
  }
  int api = static_cast<int>(model.api);
  int role = model_needs_folded_system(model.model) ? 2 : 1;
  long max_tokens = model.max_tokens, history = static_cast<long>(model.history_chars);
  if (!read_model_url(env, model, error) ||
      !read_choice(env, "CHAT_LLM_API", {"chat", "text-generation"}, api, error) ||
      !read_choice(env, "CHAT_LLM_SYSTEM_ROLE", {"auto", "system", "fold"}, role, error) ||
      !read_bounded(env, "CHAT_LLM_TIMEOUT_MS", 100, 600000, model.timeout_ms, error) ||
      !read_bounded(env, "CHAT_LLM_MAX_TOKENS", 1, 8192, max_tokens, error) ||
      !read_bounded(env, "CHAT_HISTORY_CHARS", 0, 100000, history, error) ||
      !read_double(env, "CHAT_LLM_TEMPERATURE", 0.0, 2.0, model.temperature, error) ||
      !read_double(env, "CHAT_LLM_TOP_P", 0.01, 1.0, model.top_p, error) ||
      !read_double(env, "CHAT_LLM_REPETITION_PENALTY", 0.5, 3.0, model.repetition_penalty, error)) {
    return false;
  }
  if (role == 0) role = model_needs_folded_system(model.model) ? 2 : 1;
  model.api = static_cast<ModelApi>(api);
  model.system_role = role == 2 ? SystemRole::fold_into_user : SystemRole::system_message;
  model.max_tokens = static_cast<int>(max_tokens);
  model.history_chars = static_cast<std::size_t>(history);
  return true;
}

}  // namespace

std::optional<Config> load_config(const EnvLookup& env, std::string* error) {
  Config config;
  if (!read_database_url(env, "CHAT_DATABASE_URL", /*required=*/true, config.database, error)) return std::nullopt;
  if (const char* path = env("CHAT_KNOWLEDGE_FILE"); path && *path) config.knowledge_file = path;

  long max_chars = static_cast<long>(config.max_message_chars);
  long threads = config.worker_threads;
  long asks_per_hour = config.session_asks_per_hour;
  long starts_per_hour = config.session_starts_per_hour;
  long rate_per_min = 30;  // nginx's; 0 turns every per-IP limit off, this one too
  long asks_in_flight = config.max_asks_in_flight;
  long processes = config.worker_processes;
  if (!read_bounded(env, "CHAT_MAX_MESSAGE_CHARS", 1, kMaxMessageCharsCeiling, max_chars, error) ||
      !read_bounded(env, "CHAT_WORKER_THREADS", 1, kMaxWorkerThreads, threads, error) ||
      !read_bounded(env, "CHAT_WORKER_PROCESSES", 1, 256, processes, error) ||
      !read_bounded(env, "CHAT_WORKER_MAX_REQUESTS", 0, 1000000000, config.worker_max_requests, error) ||
      !read_bounded(env, "CHAT_STOP_TIMEOUT_SECONDS", 1, 3600, config.stop_timeout_seconds, error) ||
      !read_bounded(env, "CHAT_SESSION_ASKS_PER_HOUR", 0, 100000, asks_per_hour, error) ||
      !read_bounded(env, "CHAT_SESSION_STARTS_PER_HOUR", 0, 100000, starts_per_hour, error) ||
      !read_bounded(env, "CHAT_RATE_PER_MIN", 0, 1000000, rate_per_min, error) ||
      !read_bounded(env, "CHAT_CACHE_TTL_SECONDS", 0, 31536000, config.cache_ttl_seconds, error) ||
      !read_bounded(env, "CHAT_DB_POOL_SIZE", 1, kMaxDatabasePoolSize, config.database_pool_size, error) ||
      !read_bounded(env, "CHAT_DB_POOL_WAIT_MS", 1, kMaxDatabasePoolWaitMs, config.database_pool_wait_ms, error) ||
      !read_bounded(env, "CHAT_MAX_ASKS_IN_FLIGHT", 1, kMaxAsksInFlight, asks_in_flight, error) ||
      !read_peer_allowlist(env, "CHAT_FASTCGI_ALLOWED_PEERS", config.fastcgi_peers, error) ||
      !read_model(env, config.model, error)) {
    return std::nullopt;
  }
  // On stop, answers under way finish: they must fit in the time the process is given.
  if (config.model.enabled() && config.stop_timeout_seconds * 1000 < config.model.timeout_ms + kStopMarginMs) {
    setting_error(error, "CHAT_STOP_TIMEOUT_SECONDS",
                  "must be at least CHAT_LLM_TIMEOUT_MS plus " + std::to_string(kStopMarginMs / 1000) +
                      " s, so that answers under way finish on stop");
    return std::nullopt;
  }
  config.max_message_chars = static_cast<std::size_t>(max_chars);
  config.worker_threads = static_cast<int>(threads);
  config.session_asks_per_hour = static_cast<int>(asks_per_hour);
  config.session_starts_per_hour = rate_per_min == 0 ? 0 : static_cast<int>(starts_per_hour);
  config.worker_processes = static_cast<int>(processes);
  config.max_asks_in_flight = static_cast<int>(asks_in_flight);
  return config;
}

}  // namespace chat
