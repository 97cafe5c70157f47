// chat-admin's background work, on a thread of its own with its own connection to the primary:
// - the statistics rollups: every day that is over is rolled up when the process starts (without
//   holding up its readiness) and then every kRollupRefreshInterval, so that the first stats
//   request of a range, and the first after midnight, read rollups instead of computing them;
// - the message search index: new messages are copied into chat_message_search every
//   kSearchIndexInterval, so a search rarely has more than a few seconds of them to catch up on;
// - expired cached answers are erased with the rollups' round, so a visitor's first question is
//   kept no longer than the answer cache uses it.
// Failures are logged and tried again at the next round; requests still do what is missing
// themselves. Each job's success is noted in the BackgroundLag given (the metrics' lag).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "admin_mysql_stats.h"
#include "admin_retention.h"
#include "background_lag.h"
#include "clock.h"
#include "mysql/database_url.h"
#include "log.h"
#include "search/message_search_index.h"
#include "mysql/mysql_connection.h"

namespace chat {

inline constexpr std::chrono::seconds kSearchIndexInterval{2};

class BackgroundWork {
 public:
  BackgroundWork(DatabaseUrl primary, BackgroundLag& lag) : lag_(lag), thread_([this, primary] { run(primary); }) {}
  ~BackgroundWork() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  BackgroundWork(const BackgroundWork&) = delete;
  BackgroundWork& operator=(const BackgroundWork&) = delete;

 private:
  void run(const DatabaseUrl& url) {
    const MysqlThreadScope thread;
    MysqlConnection primary(url);
    auto rollups_due = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      if (std::chrono::steady_clock::now() >= rollups_due) {
        if (refresh_rollups(primary)) lag_.succeeded(BackgroundJob::rollups);
        if (forget_expired_rows(primary)) lag_.succeeded(BackgroundJob::expired_rows);
        rollups_due = std::chrono::steady_clock::now() + kRollupRefreshInterval;
      }
      if (index_messages(primary)) lag_.succeeded(BackgroundJob::search_index);
      lock.lock();
      wake_.wait_for(lock, kSearchIndexInterval, [this] { return stopping_; });
    }
  }

  bool stopping() {
    const std::lock_guard lock(mutex_);
    return stopping_;
  }

  // Each job returns whether it succeeded.
  bool refresh_rollups(MysqlConnection& primary) {
    const Stopwatch stopwatch;
    try {
      const int days = roll_up_closed_days(primary, std::chrono::system_clock::now(), [this] { return stopping(); });
      if (days == 0) return true;
      Json::Value fields(Json::objectValue);
      fields["days"] = days;
      fields["ms"] = static_cast<Json::Int64>(stopwatch.elapsed_ms());
      log::info("stats rollups computed", fields);
      return true;
    } catch (const std::exception& error) {
      warn("stats rollups: the background refresh failed, trying again later", error);
      return false;
    }
  }

  // Each purge has its own try: one failing never keeps the other from running.
  bool forget_expired_rows(MysqlConnection& primary) {
    const bool answers = purge("answers", "erasing expired cached answers", [&primary] {
      return purge_expired_cached_answers(primary, std::chrono::system_clock::now());
    });
    const bool starts = purge("session_starts", "erasing closed session-start counts", [&primary] {
      return purge_closed_session_starts(primary, std::chrono::system_clock::now());
    });
    return answers && starts;
  }

  template <typename Purge>
  static bool purge(const char* field, const char* message, Purge&& run_purge) {
    try {
      const std::int64_t erased = run_purge();
      if (erased == 0) return true;
      Json::Value fields(Json::objectValue);
      fields[field] = static_cast<Json::Int64>(erased);
      log::info((std::string(message) + ": done").c_str(), fields);
      return true;
    } catch (const std::exception& error) {
      warn((std::string(message) + ": failed, trying again later").c_str(), error);
      return false;
    }
  }

  bool index_messages(MysqlConnection& primary) {
    const Stopwatch stopwatch;
    try {
      // Another process's pass (or scripts/seed) holding the lock does this round's work.
      const auto copied = index_new_messages(primary, std::chrono::seconds(0));
      if (!copied || *copied < kSearchIndexBatchRows) return true;  // routine rounds are not logged
      Json::Value fields(Json::objectValue);
      fields["messages"] = static_cast<Json::Int64>(*copied);
      fields["ms"] = static_cast<Json::Int64>(stopwatch.elapsed_ms());
      log::info("search index caught up", fields);
      return true;
    } catch (const std::exception& error) {
      warn("search index: the background pass failed, trying again later", error);
      return false;
    }
  }

  static void warn(const char* message, const std::exception& error) {
    Json::Value fields(Json::objectValue);
    fields["detail"] = error.what();
    log::warn(message, fields);
  }

  BackgroundLag& lag_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace chat
