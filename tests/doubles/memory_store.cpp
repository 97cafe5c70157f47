// An in-memory Store for handler unit tests.
#include "memory_store.h"

#include <algorithm>

#include "clock.h"

namespace chat {
namespace {

std::string iso(std::chrono::system_clock::time_point time) {
  return mysql_datetime_to_iso8601(to_mysql_datetime(time));
}

}  // namespace

void MemoryStore::check_available() const {
  if (!available_) throw StoreUnavailable("memory store switched off");
}

bool MemoryStore::session_exists(const std::string& session_id) {
  std::lock_guard lock(mutex_);
  check_available();
  return sessions_.count(session_id) != 0;
}

void MemoryStore::create_session(const std::string& session_id, const VisitorInfo& visitor,
                                 std::chrono::system_clock::time_point at) {
  std::lock_guard lock(mutex_);
  check_available();
  // As MysqlStore's upsert: a session opened again keeps its start and what was known of its
  // visitor, filling in only what is new.
  auto [it, created] = sessions_.try_emplace(session_id);
  Transcript& session = it->second;
  if (created) {
    session.session_id = session_id;
    session.created_at = iso(at);
  }
  session.updated_at = iso(at);
  if (visitor.name) session.visitor.name = visitor.name;
  if (visitor.email) session.visitor.email = visitor.email;
  ++session.version;
  ask_windows_.try_emplace(session_id, AskWindow{at, 1});  // its first ask opens the window
}

StoredExchange MemoryStore::record_exchange(const Exchange& exchange) {
  std::lock_guard lock(mutex_);
  check_available();
  auto [it, created] = sessions_.try_emplace(exchange.session_id);
  Transcript& session = it->second;
  if (created) {
    session.session_id = exchange.session_id;
    session.created_at = iso(exchange.asked_at);
    ask_windows_.try_emplace(exchange.session_id, AskWindow{exchange.asked_at, 1});
  }
  session.updated_at = iso(exchange.answered_at);
  ++session.version;
  if (exchange.visitor.name) session.visitor.name = exchange.visitor.name;
  if (exchange.visitor.email) session.visitor.email = exchange.visitor.email;

  const std::int64_t visitor_message_id = next_message_id_;
  const StoredExchange stored{next_message_id_ + 1};
  next_message_id_ += 2;
  session.messages.push_back({visitor_message_id, Sender::visitor, exchange.question,
                              iso(exchange.asked_at), std::nullopt, std::nullopt});
  session.messages.push_back({stored.bot_message_id, Sender::bot, exchange.answer,
                              iso(exchange.answered_at), exchange.response_time_ms, exchange.source});
  return stored;
}

std::optional<Transcript> MemoryStore::transcript(const std::string& session_id) {
  std::lock_guard lock(mutex_);
  check_available();
  const auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

SessionVersions MemoryStore::session_versions(const std::vector<std::string>& session_ids) {
  std::lock_guard lock(mutex_);
  check_available();
  SessionVersions versions;
  for (const auto& id : session_ids) {
    const auto it = sessions_.find(id);
    if (it != sessions_.end()) versions[id] = it->second.version;
  }
  return versions;
}

std::vector<StoredMessage> MemoryStore::recent_messages(const std::string& session_id, int limit) {
  std::lock_guard lock(mutex_);
  check_available();
  const auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return {};
  const auto& messages = it->second.messages;
  const std::size_t keep = std::min(messages.size(), static_cast<std::size_t>(std::max(limit, 0)));
  return {messages.end() - static_cast<long>(keep), messages.end()};
}

// As kAdmitAsk and kAdmitSessionStart: a new window an hour after the last opened, else one
// more place while there is room.
bool MemoryStore::AskWindow::take_place(int limit, std::chrono::system_clock::time_point now) {
  if (asks == 0 || start <= now - std::chrono::hours(1)) {
    *this = {now, 1};
    return true;
  }
  if (asks >= limit) return false;
  ++asks;
  return true;
}

bool MemoryStore::admit_ask(const std::string& session_id, int limit, std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mutex_);
  check_available();
  if (sessions_.count(session_id) == 0) return false;
  return ask_windows_[session_id].take_place(limit, now);
}

bool MemoryStore::admit_session_start(const std::string& client_network, int limit,
                                      std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mutex_);
  check_available();
  return start_windows_[client_network].take_place(limit, now);
}

std::optional<std::string> MemoryStore::cached_answer(const std::string& question_hash) {
  std::lock_guard lock(mutex_);
  check_available();
  const auto it = cache_.find(question_hash);
  if (it == cache_.end() || it->second.expires_at <= std::chrono::system_clock::now()) return std::nullopt;
  return it->second.answer;
}

void MemoryStore::cache_answer(const std::string&, const std::string& question_hash, const std::string&,
                               const std::string& answer, std::chrono::seconds ttl) {
  std::lock_guard lock(mutex_);
  check_available();
  cache_[question_hash] = {answer, std::chrono::system_clock::now() + ttl};
}

bool MemoryStore::rate_answer(const Feedback& feedback) {
  std::lock_guard lock(mutex_);
  check_available();
  const auto session = sessions_.find(feedback.session_id);
  if (session == sessions_.end()) return false;
  for (const StoredMessage& message : session->second.messages) {
    if (message.id == feedback.message_id && message.sender == Sender::bot) {
      feedback_[feedback.message_id] = feedback;
      return true;
    }
  }
  return false;
}

std::int64_t MemoryStore::record_lead(const Lead& lead) {
  std::lock_guard lock(mutex_);
  check_available();
  Lead stored = lead;
  if (stored.session_id && !sessions_.contains(*stored.session_id)) stored.session_id.reset();
  leads_.push_back(std::move(stored));
  return static_cast<std::int64_t>(leads_.size());
}

void MemoryStore::ping() {
  std::lock_guard lock(mutex_);
  check_available();
}

void MemoryStore::set_available(bool available) {
  std::lock_guard lock(mutex_);
  available_ = available;
}

std::size_t MemoryStore::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::size_t MemoryStore::message_count() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [id, session] : sessions_) count += session.messages.size();
  return count;
}

}  // namespace chat
