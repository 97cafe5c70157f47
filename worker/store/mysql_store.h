// The Store on MySQL/MariaDB: the visitor API's queries, each on a connection borrowed from the
// process's pool for that call only; the health check on a pool of its own, so that a busy
// pool never reads as a database that is down. One instance per thread (the pools are shared).
#pragma once

#include "mysql/connection_pool.h"
#include "store/store.h"

namespace chat {

class MysqlStore final : public Store {
 public:
  MysqlStore(MysqlConnectionPool& pool, MysqlConnectionPool& health) : pool_(pool), health_(health) {}

  bool session_exists(const std::string& session_id) override;
  void create_session(const std::string& session_id, const VisitorInfo& visitor,
                      std::chrono::system_clock::time_point at) override;
  StoredExchange record_exchange(const Exchange& exchange) override;
  std::optional<Transcript> transcript(const std::string& session_id) override;
  SessionVersions session_versions(const std::vector<std::string>& session_ids) override;
  std::vector<StoredMessage> recent_messages(const std::string& session_id, int limit) override;
  int visitor_messages_since(const std::string& session_id,
                             std::chrono::system_clock::time_point since) override;
  std::optional<std::string> cached_answer(const std::string& question_hash) override;
  void cache_answer(const std::string& session_id, const std::string& question_hash, const std::string& question,
                    const std::string& answer, std::chrono::seconds ttl) override;
  void ping() override;

 private:
  template <typename Work>
  auto on_connection(Work&& work);

  MysqlConnectionPool& pool_;
  MysqlConnectionPool& health_;
};

}  // namespace chat
