// What the visitor API needs from storage, independent of the database behind it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store_unavailable.h"
#include "transcript/transcript.h"

namespace chat {

// One question and its answer, stored together or not at all.
struct Exchange {
  std::string session_id;  // existing or newly generated; the session is created if missing
  VisitorInfo visitor;     // fields given here replace the stored ones
  std::string question;
  std::chrono::system_clock::time_point asked_at;
  std::string answer;
  std::chrono::system_clock::time_point answered_at;
  std::int64_t response_time_ms = 0;
  Source source = Source::model;
};

enum class Rating { up, down };
inline const char* to_string(Rating rating) { return rating == Rating::up ? "up" : "down"; }

// A visitor's rating of one answer.
struct Feedback {
  std::string session_id;
  std::int64_t message_id = 0;         // a bot message of that session
  Rating rating = Rating::up;
  std::optional<std::string> comment;
  std::chrono::system_clock::time_point at;
};

// A visitor's request to talk to a person (a lead).
struct Lead {
  std::optional<std::string> session_id;  // kept when that session exists
  std::string name;
  std::string email;
  std::string message;
  std::chrono::system_clock::time_point at;
};

// Session id -> version (Transcript::version).
using SessionVersions = std::unordered_map<std::string, std::int64_t>;

struct StoredExchange {
  std::int64_t bot_message_id = 0;  // the answer's id; the question's is smaller
};

// Every method throws StoreUnavailable when the database cannot be reached; other failures
// throw other exceptions. Implementations are used by one thread at a time.
class Store {
 public:
  virtual ~Store() = default;
  virtual bool session_exists(const std::string& session_id) = 0;
  // Stores an empty session (a streamed first answer's, so a reload mid-stream finds it).
  virtual void create_session(const std::string& session_id, const VisitorInfo& visitor,
                              std::chrono::system_clock::time_point at) = 0;
  virtual StoredExchange record_exchange(const Exchange& exchange) = 0;
  virtual std::optional<Transcript> transcript(const std::string& session_id) = 0;
  // The sessions' versions (Transcript::version); sessions that do not exist are left out. At
  // most SessionVersionBatch::kMaxIds ids, which may repeat.
  virtual SessionVersions session_versions(const std::vector<std::string>& session_ids) = 0;
  // The session's last `limit` messages, oldest first.
  virtual std::vector<StoredMessage> recent_messages(const std::string& session_id, int limit) = 0;
  // Counts an ask against the conversation's hourly limit, atomically (two asks at once never
  // both take the last place): false when `limit` asks were admitted in its current window. A
  // window opens at the first ask after the last one closed and lasts an hour.
  virtual bool admit_ask(const std::string& session_id, int limit, std::chrono::system_clock::time_point now) = 0;
  // Counts a conversation started by `client_network` (client_network()) against its hourly
  // bound, atomically in the same way: false when it started `limit` in its current window.
  virtual bool admit_session_start(const std::string& client_network, int limit,
                                   std::chrono::system_clock::time_point now) = 0;
  // The cached answer for a question hash, unless expired.
  virtual std::optional<std::string> cached_answer(const std::string& question_hash) = 0;
  // Caches the answer to the first question of `session_id`, the row's owner: erasing that session
  // erases the row (the question is the visitor's text).
  virtual void cache_answer(const std::string& session_id, const std::string& question_hash,
                            const std::string& question, const std::string& answer, std::chrono::seconds ttl) = 0;
  // Rates a bot message of the session; rating it again replaces the rating and comment. False
  // when the session has no such bot message.
  virtual bool rate_answer(const Feedback& feedback) = 0;
  // Stores a lead, due for delivery at once (chat-admin delivers it where a webhook is set);
  // returns its id.
  virtual std::int64_t record_lead(const Lead& lead) = 0;
  // Throws StoreUnavailable unless the database answers.
  virtual void ping() = 0;
};

}  // namespace chat
