// The Store on MySQL/MariaDB: the visitor API's queries, one connection per instance (per thread).
#pragma once

#include "mysql/database_url.h"
#include "mysql/mysql_connection.h"
#include "store/store.h"

namespace chat {

class MysqlStore final : public Store {
 public:
  explicit MysqlStore(DatabaseUrl url) : connection_(std::move(url)) {}

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
  void cache_answer(const std::string& question_hash, const std::string& question,
                    const std::string& answer, std::chrono::seconds ttl) override;
  void ping() override;

 private:
  void upsert_session(const std::string& session_id, const VisitorInfo& visitor,
                      std::chrono::system_clock::time_point created_at,
                      std::chrono::system_clock::time_point updated_at);
  StoredExchange insert_exchange(const Exchange& exchange, bool& commit_sent);

  MysqlConnection connection_;
};

}  // namespace chat
