// Settings of the chat processes, read from the environment (contract section 2).
#include "config.h"

#include <charconv>
#include <string_view>

namespace chat {
namespace {

constexpr long kMaxMessageCharsCeiling = 100000;
constexpr long kMaxWorkerThreads = 4096;

// An integer in [low, high], or nullopt.
std::optional<long> parse_bounded(std::string_view text, long low, long high) {
  long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    return std::nullopt;
  }
  return value;
}

bool fail(std::string* error, const std::string& variable, const std::string& reason) {
  if (error) *error = variable + ": " + reason;
  return false;
}

bool read_bounded(const EnvLookup& env, const char* name, long low, long high, long& out,
                  std::string* error) {
  const char* text = env(name);
  if (!text) return true;
  const auto value = parse_bounded(text, low, high);
  if (!value) {
    return fail(error, name,
                "must be an integer from " + std::to_string(low) + " to " + std::to_string(high));
  }
  out = *value;
  return true;
}

bool read_database(const EnvLookup& env, Config& config, std::string* error) {
  const char* url = env("CHAT_DATABASE_URL");
  if (!url || !*url) return fail(error, "CHAT_DATABASE_URL", "is not set");
  std::string reason;
  const auto parsed = parse_database_url(url, &reason);
  if (!parsed) return fail(error, "CHAT_DATABASE_URL", reason);
  config.database = *parsed;
  return true;
}

}  // namespace

std::optional<Config> load_config(const EnvLookup& env, std::string* error) {
  Config config;
  if (!read_database(env, config, error)) return std::nullopt;
  if (const char* path = env("CHAT_KNOWLEDGE_FILE"); path && *path) config.knowledge_file = path;

  long max_chars = static_cast<long>(config.max_message_chars);
  long threads = config.worker_threads;
  if (!read_bounded(env, "CHAT_MAX_MESSAGE_CHARS", 1, kMaxMessageCharsCeiling, max_chars, error) ||
      !read_bounded(env, "CHAT_WORKER_THREADS", 1, kMaxWorkerThreads, threads, error)) {
    return std::nullopt;
  }
  config.max_message_chars = static_cast<std::size_t>(max_chars);
  config.worker_threads = static_cast<int>(threads);
  return config;
}

}  // namespace chat
