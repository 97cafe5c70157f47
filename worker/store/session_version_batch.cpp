// Leader and followers of the version lookups (see the header).
#include "store/session_version_batch.h"

#include <array>
#include <condition_variable>
#include <exception>

namespace chat {

struct SessionVersionBatch::Waiter {
  enum class Turn { wait, done, lead };

  explicit Waiter(const std::string& id) : session_id(id) {}

  const std::string& session_id;
  std::optional<std::int64_t> version;
  std::exception_ptr error;
  Turn turn = Turn::wait;  // under the batch's mutex
  // Waited on with the batch's mutex; a futex sleep (a semaphore would spin and yield first,
  // measured as a few percent of the worker's CPU under load).
  std::condition_variable woken;
};

std::optional<std::int64_t> SessionVersionBatch::version(const std::string& session_id, const Lookup& lookup) {
  Waiter self(session_id);
  {
    std::unique_lock lock(mutex_);
    if (leading_) {
      queued_.push_back(&self);
      self.woken.wait(lock, [&] { return self.turn != Waiter::Turn::wait; });
    } else {
      leading_ = true;
      self.turn = Waiter::Turn::lead;
    }
  }
  if (self.turn == Waiter::Turn::lead) lead(self, lookup);
  if (self.error) std::rethrow_exception(self.error);
  return self.version;
}

// Queries for `self` and up to kMaxIds - 1 queued reads, answers them, and hands the lead to the
// next queued read, if any. A woken waiter returns (and is gone) once the mutex is released:
// they are notified while it is held, and not touched after.
void SessionVersionBatch::lead(Waiter& self, const Lookup& lookup) {
  // Nothing that can throw runs before the try: whatever fails, the batch is answered and the
  // lead handed on below, so no read is left waiting for a leader that never comes.
  std::array<Waiter*, kMaxIds> batch{};
  std::size_t size = 0;
  batch[size++] = &self;
  {
    std::lock_guard lock(mutex_);
    while (!queued_.empty() && size < kMaxIds) {
      batch[size++] = queued_.front();
      queued_.pop_front();
    }
  }
  try {
    std::vector<std::string> ids;
    ids.reserve(size);
    for (std::size_t i = 0; i < size; ++i) ids.push_back(batch[i]->session_id);
    const SessionVersions versions = lookup(ids);
    for (std::size_t i = 0; i < size; ++i) {
      const auto found = versions.find(batch[i]->session_id);
      if (found != versions.end()) batch[i]->version = found->second;
    }
  } catch (...) {
    for (std::size_t i = 0; i < size; ++i) batch[i]->error = std::current_exception();
  }
  std::lock_guard lock(mutex_);
  self.turn = Waiter::Turn::done;
  for (std::size_t i = 1; i < size; ++i) {
    batch[i]->turn = Waiter::Turn::done;
    batch[i]->woken.notify_one();
  }
  if (queued_.empty()) {
    leading_ = false;
  } else {
    Waiter* next = queued_.front();
    queued_.pop_front();
    next->turn = Waiter::Turn::lead;
    next->woken.notify_one();
  }
}

}  // namespace chat
