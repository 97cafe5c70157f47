// A worker process's cache of transcript responses (the JSON of GET session), shared by its
// threads. An entry is served only after the database confirms that the session's version
// (bumped with every stored exchange, sql/005) is still the one the entry was made from: a
// primary-key lookup instead of the join over every message (shared by concurrent reads:
// session_version_batch.h). So it is never stale, whichever worker or host stored the newer
// messages. Least recently used entries go first when the entries' bodies would pass the byte
// budget, and once older than the maximum age: so the transcript of a session erased through the
// admin API (never served again: it has no version) leaves the process's memory soon after.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace chat {

class TranscriptCache {
 public:
  TranscriptCache(std::size_t max_bytes, std::chrono::steady_clock::duration max_age)
      : max_bytes_(max_bytes), max_age_(max_age) {}

  struct Entry {
    std::int64_t version = 0;
    std::string body;
  };

  std::optional<Entry> find(const std::string& session_id);
  void put(const std::string& session_id, std::int64_t version, std::string body);
  void erase(const std::string& session_id);
  std::size_t bytes() const;

 private:
  using Order = std::list<std::string>;  // session ids, most recently used first
  struct Slot {
    Entry entry;
    Order::iterator position;
    std::chrono::steady_clock::time_point stored_at;
  };

  void erase_locked(std::unordered_map<std::string, Slot>::iterator it);
  // Drops the least recently used entries while they are older than the maximum age.
  void drop_expired_locked();

  const std::size_t max_bytes_;
  const std::chrono::steady_clock::duration max_age_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Slot> slots_;
  Order order_;
  std::size_t bytes_ = 0;
};

}  // namespace chat
