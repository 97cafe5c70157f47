// A process's MySQL connections, lent one store call at a time (see the header).
#include "mysql/connection_pool.h"

#include <string>

#include "store_unavailable.h"

namespace chat {

MysqlConnectionPool::MysqlConnectionPool(DatabaseUrl url, std::size_t size, std::chrono::milliseconds wait)
    : url_(std::move(url)), size_(size), wait_(wait) {
  idle_.reserve(size_);  // giving a connection back never allocates, so never throws
}

MysqlConnectionPool::Lease MysqlConnectionPool::borrow() {
  std::unique_lock lock(mutex_);
  const bool available = freed_.wait_for(lock, wait_, [&] { return !idle_.empty() || created_ < size_; });
  if (!available) {
    throw StoreUnavailable("no database connection came free within " + std::to_string(wait_.count()) + " ms (" +
                           std::to_string(size_) + " in the pool, all busy)");
  }
  if (!idle_.empty()) {
    std::unique_ptr<MysqlConnection> connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(connection));
  }
  ++created_;
  lock.unlock();
  try {
    return Lease(*this, std::make_unique<MysqlConnection>(url_));
  } catch (...) {
    const std::lock_guard relock(mutex_);
    --created_;  // the place stays in the pool
    throw;
  }
}

void MysqlConnectionPool::give_back(std::unique_ptr<MysqlConnection> connection) {
  {
    const std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
  }
  freed_.notify_one();
}

std::size_t MysqlConnectionPool::in_use() const {
  const std::lock_guard lock(mutex_);
  return created_ - idle_.size();
}

}  // namespace chat
