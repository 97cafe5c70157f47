// Settings of chat-worker, read from the environment (contract section 2).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "model/model_settings.h"
#include "mysql/database_url.h"
#include "settings.h"

namespace chat {

struct Config {
  DatabaseUrl database;                  // CHAT_DATABASE_URL (required by the processes)
  std::string knowledge_file = "config/knowledge.md";  // CHAT_KNOWLEDGE_FILE
  std::size_t max_message_chars = 2000;  // CHAT_MAX_MESSAGE_CHARS
  int worker_threads = 64;               // CHAT_WORKER_THREADS: requests served at once per process
  int worker_processes = 2;              // CHAT_WORKER_PROCESSES: children of the master
  long worker_max_requests = 0;          // CHAT_WORKER_MAX_REQUESTS: a child's requests before it is replaced (0: never)
  long stop_timeout_seconds = 40;        // CHAT_STOP_TIMEOUT_SECONDS: requests in flight get this long on stop
  int session_asks_per_hour = 60;        // CHAT_SESSION_ASKS_PER_HOUR: then 429 (0: no limit)
  int session_starts_per_hour = 60;      // CHAT_SESSION_STARTS_PER_HOUR: per client, then 429 (0: no limit)
  long cache_ttl_seconds = 86400;        // CHAT_CACHE_TTL_SECONDS: life of a cached first answer
  long database_pool_size = 8;           // CHAT_DB_POOL_SIZE: MySQL connections per process
  long database_pool_wait_ms = 2000;     // CHAT_DB_POOL_WAIT_MS: then 503
  // CHAT_MAX_ASKS_IN_FLIGHT: asks that wait on the model at once per process, then 503. They
  // wait on the event loop, not on a thread, so this bounds memory, not threads.
  int max_asks_in_flight = 6144;  // about 40 KB each: 250 MB at most per process
  // CHAT_FASTCGI_ALLOWED_PEERS: who may connect when listening on TCP (default: loopback)
  PeerAllowlist fastcgi_peers = PeerAllowlist::loopback();
  ModelSettings model;
};

// Reads and validates every setting. On a bad value returns nullopt and one line naming the
// variable in *error (never a secret's value).
std::optional<Config> load_config(const EnvLookup& env, std::string* error);

}  // namespace chat
