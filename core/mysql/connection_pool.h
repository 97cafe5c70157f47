// A process's MySQL connections: a fixed number, lent to one request at a time for one store
// call, so the connections a process holds do not grow with the requests (or the slow model
// calls) in flight. A request that finds none free within the wait gets StoreUnavailable (503),
// never a hang. Connections open on first use and stay open; one found lost reconnects.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "mysql/database_url.h"
#include "mysql/mysql_connection.h"

namespace chat {

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
  MysqlConnectionPool(DatabaseUrl url, std::size_t size, std::chrono::milliseconds wait);

  // A free connection, waiting for one up to the pool's wait. Throws StoreUnavailable when none
  // comes free in time. The calling thread must hold a MysqlThreadScope.
  Lease borrow();

  std::size_t size() const { return size_; }
  std::size_t in_use() const;

 private:
  void give_back(std::unique_ptr<MysqlConnection> connection);

  const DatabaseUrl url_;
  const std::size_t size_;
  const std::chrono::milliseconds wait_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<MysqlConnection>> idle_;
  std::size_t created_ = 0;
};

}  // namespace chat
