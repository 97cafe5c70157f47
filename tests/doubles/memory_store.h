// An in-memory Store for handler unit tests. It can be switched "down" to act like an
// unreachable database. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <vector>

#include "store/store.h"

namespace chat {

class MemoryStore final : public Store {
 public:
  bool session_exists(const std::string& session_id) override;
  void create_session(const std::string& session_id, const VisitorInfo& visitor,
                      std::chrono::system_clock::time_point at) override;
  StoredExchange record_exchange(const Exchange& exchange) override;
  std::optional<Transcript> transcript(const std::string& session_id) override;
  SessionVersions session_versions(const std::vector<std::string>& session_ids) override;
  std::vector<StoredMessage> recent_messages(const std::string& session_id, int limit) override;
  bool admit_ask(const std::string& session_id, int limit, std::chrono::system_clock::time_point now) override;
  bool admit_session_start(const std::string& client_network, int limit,
                           std::chrono::system_clock::time_point now) override;
  std::optional<std::string> cached_answer(const std::string& question_hash) override;
  void cache_answer(const std::string& session_id, const std::string& question_hash, const std::string& question,
                    const std::string& answer, std::chrono::seconds ttl) override;
  bool rate_answer(const Feedback& feedback) override;
  std::int64_t record_lead(const Lead& lead) override;
  void ping() override;

  void set_available(bool available);
  std::size_t message_count() const;
  std::size_t session_count() const;

 private:
  void check_available() const;

  mutable std::mutex mutex_;
  bool available_ = true;
  std::int64_t next_message_id_ = 1;
  std::map<std::string, Transcript> sessions_;
  struct CachedAnswer {
    std::string answer;
    std::chrono::system_clock::time_point expires_at;
  };
  std::map<std::string, CachedAnswer> cache_;
  struct AskWindow {
    std::chrono::system_clock::time_point start;
    int asks = 0;
    bool take_place(int limit, std::chrono::system_clock::time_point now);
  };
  std::map<std::string, AskWindow> ask_windows_;    // by session, as chat_sessions' columns
  std::map<std::string, AskWindow> start_windows_;  // by client network, as session_starts
  std::map<std::int64_t, Feedback> feedback_;       // by message id
  std::vector<Lead> leads_;                         // id: position + 1
};

}  // namespace chat
