// A process's MySQL connections, lent one store call at a time (see the header).
#include "mysql/connection_pool.h"

#include <string>

#include "store_unavailable.h"

namespace chat {

MysqlConnectionPool::MysqlConnectionPool(DatabaseUrl url, std::size_t size, std::chrono::milliseconds wait,
                                         PoolCounters counters)
    : url_(std::move(url)), size_(size), wait_(wait), counters_(counters) {
  idle_.reserve(size_);  // giving a connection back never allocates, so never throws
}

MysqlConnectionPool::Lease MysqlConnectionPool::borrow() {
  std::unique_lock lock(mutex_);
  const auto available = [&] { return !idle_.empty() || created_ < size_; };
  if (!available()) count(counters_.waits);
  if (!freed_.wait_for(lock, wait_, available)) {
    count(counters_.timeouts);
    throw StoreUnavailable("no database connection came free within " + std::to_string(wait_.count()) + " ms (" +
                           std::to_string(size_) + " in the pool, all busy)");
  }
  if (!idle_.empty()) {
    std::unique_ptr<MysqlConnection> connection = std::move(idle_.back());
    idle_.pop_back();
    return lend(std::move(connection));
  }
  ++created_;
  lock.unlock();
  try {
    return lend(std::make_unique<MysqlConnection>(url_));
  } catch (...) {
    const std::lock_guard relock(mutex_);
    --created_;  // the place stays in the pool
    throw;
  }
}

MysqlConnectionPool::Lease MysqlConnectionPool::lend(std::unique_ptr<MysqlConnection> connection) {
  if (counters_.in_use) counters_.in_use->fetch_add(1, std::memory_order_relaxed);
  return Lease(*this, std::move(connection));
}

void MysqlConnectionPool::count(std::atomic<std::uint64_t>* counter) {
  if (counter) counter->fetch_add(1, std::memory_order_relaxed);
}

void MysqlConnectionPool::give_back(std::unique_ptr<MysqlConnection> connection) {
  if (counters_.in_use) counters_.in_use->fetch_sub(1, std::memory_order_relaxed);
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
