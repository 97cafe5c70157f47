// The Store on MySQL/MariaDB: the visitor API's queries, each on a connection borrowed for that
// call only. Three pools: the asks' (sessions, history, storing answers), the transcript reads'
// (so that a read never waits behind asks) and the health check's (so that a busy pool never
// reads as a database that is down). Safe to share between threads.
#pragma once

#include <algorithm>

#include "mysql/connection_pool.h"
#include "store/store.h"

namespace chat {

// The transcript reads' pool beside an asks' pool of `asks_pool` connections.
inline std::size_t read_pool_size(std::size_t asks_pool) { return std::max<std::size_t>(2, asks_pool / 2); }

class MysqlStore final : public Store {
 public:
  MysqlStore(MysqlConnectionPool& pool, MysqlConnectionPool& reads, MysqlConnectionPool& health)
      : pool_(pool), reads_(reads), health_(health) {}

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

 private:
  template <typename Work>
  auto on_connection(MysqlConnectionPool& pool, Work&& work);

  MysqlConnectionPool& pool_;
  MysqlConnectionPool& reads_;
  MysqlConnectionPool& health_;
};

}  // namespace chat
