// chat-admin's background refresh of the statistics rollups: a thread of its own, with its own
// connection to the primary, rolls up every day that is over when the process starts (without
// holding up its readiness) and then every kRollupRefreshInterval, so that the first stats
// request of a range, and the first after midnight, read rollups instead of computing them.
// Failures are logged and tried again at the next interval; requests still compute what is
// missing themselves.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "admin_mysql_stats.h"
#include "database_url.h"
#include "log.h"
#include "mysql_connection.h"

namespace chat {

class RollupRefresher {
 public:
  explicit RollupRefresher(DatabaseUrl primary) : thread_([this, primary] { run(primary); }) {}
  ~RollupRefresher() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  RollupRefresher(const RollupRefresher&) = delete;
  RollupRefresher& operator=(const RollupRefresher&) = delete;

 private:
  void run(const DatabaseUrl& url) {
    const MysqlThreadScope thread;
    MysqlConnection primary(url);
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      refresh(primary);
      lock.lock();
      wake_.wait_for(lock, kRollupRefreshInterval, [this] { return stopping_; });
    }
  }

  void refresh(MysqlConnection& primary) {
    const auto started = std::chrono::steady_clock::now();
    try {
      const int days = roll_up_closed_days(primary, std::chrono::system_clock::now(), [this] {
        const std::lock_guard lock(mutex_);
        return stopping_;
      });
      if (days == 0) return;
      Json::Value fields(Json::objectValue);
      fields["days"] = days;
      fields["ms"] = static_cast<Json::Int64>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                   std::chrono::steady_clock::now() - started)
                                                   .count());
      log::info("stats rollups computed", fields);
    } catch (const std::exception& error) {
      Json::Value fields(Json::objectValue);
      fields["detail"] = error.what();
      log::warn("stats rollups: the background refresh failed, trying again later", fields);
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace chat
