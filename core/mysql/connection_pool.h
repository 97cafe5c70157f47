// A process's MySQL connections: a fixed number, lent to one request at a time for one store
// call, so the connections a process holds do not grow with the requests (or the slow model
// calls) in flight. A request that finds none free within the wait gets StoreUnavailable (503),
// never a hang. Connections open on first use and stay open; one found lost reconnects.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "mysql/database_url.h"
#include "mysql/mysql_connection.h"

namespace chat {

// Where a pool counts its use (chat-worker's shared metrics); a null pointer is not counted.
struct PoolCounters {
  std::atomic<std::int64_t>* in_use = nullptr;     // connections lent out now
  std::atomic<std::uint64_t>* waits = nullptr;     // borrows that found no connection free at once
  std::atomic<std::uint64_t>* timeouts = nullptr;  // borrows that found none within the wait
};

class MysqlConnectionPool {
 public:
  // A connection on loan; back to the pool when the lease ends.
  class Lease {
   public:
    Lease(MysqlConnectionPool& pool, std::unique_ptr<MysqlConnection> connection)
        : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_) pool_->give_back(std::move(connection_));
    }
    MysqlConnection& operator*() const { return *connection_; }
    MysqlConnection* operator->() const { return connection_.get(); }

   private:
    MysqlConnectionPool* pool_;
    std::unique_ptr<MysqlConnection> connection_;
  };

  // `size` connections at most; a borrower waits `wait` at most.
  MysqlConnectionPool(DatabaseUrl url, std::size_t size, std::chrono::milliseconds wait, PoolCounters counters = {});

  // A free connection, waiting for one up to the pool's wait. Throws StoreUnavailable when none
  // comes free in time. The calling thread must hold a MysqlThreadScope.
  Lease borrow();

  std::size_t size() const { return size_; }
  std::size_t in_use() const;

 private:
  void give_back(std::unique_ptr<MysqlConnection> connection);
  Lease lend(std::unique_ptr<MysqlConnection> connection);
  static void count(std::atomic<std::uint64_t>* counter);

  const DatabaseUrl url_;
  const std::size_t size_;
  const std::chrono::milliseconds wait_;
  const PoolCounters counters_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<MysqlConnection>> idle_;
  std::size_t created_ = 0;
};

}  // namespace chat
