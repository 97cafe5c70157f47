// The AdminStore on MySQL/MariaDB (the leads, ratings and top questions: admin_mysql_engagement). Reads go to the read connection (CHAT_ADMIN_DATABASE_URL, a
// replica if there is one); erasure, the statistics' per-day rollups and the message search index to
// the primary (CHAT_DATABASE_URL). One instance per thread; each connection opens on first use.
#pragma once

#include "admin_store.h"
#include "mysql/database_url.h"
#include "mysql/mysql_connection.h"

namespace chat {

class MysqlAdminStore final : public AdminStore {
 public:
  MysqlAdminStore(const DatabaseUrl& read_url, const DatabaseUrl& write_url)
      : reads_(read_url), writes_(write_url) {}

  AdminStats stats(const DateRange& range) override;
  SessionPage sessions(const SessionQuery& query) override;
  MessagePage messages(const MessageQuery& query) override;
  std::optional<Transcript> transcript(const std::string& session_id) override;
  void export_messages(const DateRange& range, const ExportSink& sink) override;
  bool erase_session(const std::string& session_id) override;
  LeadPage leads(const LeadQuery& query) override;
  FeedbackPage feedback(const FeedbackQuery& query) override;
  std::vector<QuestionCount> top_questions(const TopQuestionsQuery& query) override;
  LeadQueue lead_queue() override;

 private:
  void count_engagement(const DateRange& range, AdminStats& stats);
  static void count_engagement_on(MysqlConnection& connection, const DateRange& range, AdminStats& stats);
  SessionPage search_sessions(const SessionQuery& query);
  MessagePage search_messages(const MessageQuery& query);
  void catch_up_search_index();

  MysqlConnection reads_;
  MysqlConnection writes_;
};

}  // namespace chat
