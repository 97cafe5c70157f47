// A worker process's cache of transcript responses (see the header).
#include "store/transcript_cache.h"

namespace chat {

std::optional<TranscriptCache::Entry> TranscriptCache::find(const std::string& session_id) {
  const std::lock_guard lock(mutex_);
  drop_expired_locked();
  const auto it = slots_.find(session_id);
  if (it == slots_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second.position);
  return it->second.entry;
}

void TranscriptCache::put(const std::string& session_id, std::int64_t version, std::string body) {
  if (body.size() > max_bytes_) return;
  const std::lock_guard lock(mutex_);
  drop_expired_locked();
  if (const auto it = slots_.find(session_id); it != slots_.end()) erase_locked(it);
  while (bytes_ + body.size() > max_bytes_ && !order_.empty()) erase_locked(slots_.find(order_.back()));
  order_.push_front(session_id);
  bytes_ += body.size();
  slots_.emplace(session_id, Slot{{version, std::move(body)}, order_.begin(), std::chrono::steady_clock::now()});
}

void TranscriptCache::erase(const std::string& session_id) {
  const std::lock_guard lock(mutex_);
  if (const auto it = slots_.find(session_id); it != slots_.end()) erase_locked(it);
}

std::size_t TranscriptCache::bytes() const {
  const std::lock_guard lock(mutex_);
  return bytes_;
}

void TranscriptCache::drop_expired_locked() {
  const auto oldest_kept = std::chrono::steady_clock::now() - max_age_;
  while (!order_.empty()) {
    const auto it = slots_.find(order_.back());
    if (it->second.stored_at >= oldest_kept) return;
    erase_locked(it);
  }
}

void TranscriptCache::erase_locked(std::unordered_map<std::string, Slot>::iterator it) {
  bytes_ -= it->second.entry.body.size();
  order_.erase(it->second.position);
  slots_.erase(it);
}

}  // namespace chat
