// Coalesces the session-version lookups of a worker process's concurrent transcript reads (see
// transcript_cache.h) into one query, as group commit does for writes: the first read to arrive
// becomes the leader and queries (on a connection from the pool) for itself and every read that queued
// meanwhile; the next queued read leads the next query. Nothing waits on a timer: alone, a read
// queries at once. A read is only ever answered by a query that started after it arrived, so it
// sees every exchange committed before it, whichever worker or host stored it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/store.h"

namespace chat {

class SessionVersionBatch {
 public:
  // The most ids one query asks for; reads beyond them wait for the next query.
  static constexpr std::size_t kMaxIds = 32;

  using Lookup = std::function<SessionVersions(const std::vector<std::string>& session_ids)>;

  // The session's current version, or nullopt when it does not exist. `lookup` runs the query
  // when this call leads a batch; what it throws is thrown to every read of that batch.
  std::optional<std::int64_t> version(const std::string& session_id, const Lookup& lookup);

 private:
  struct Waiter;

  void lead(Waiter& self, const Lookup& lookup);

  std::mutex mutex_;
  bool leading_ = false;           // a query is running or about to
  std::deque<Waiter*> queued_;     // reads waiting for the next query
};

}  // namespace chat
