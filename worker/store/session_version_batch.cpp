// Leader and followers of the version lookups (see the header).
#include "store/session_version_batch.h"

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
  std::vector<Waiter*> batch{&self};
  {
    std::lock_guard lock(mutex_);
    while (!queued_.empty() && batch.size() < kMaxIds) {
      batch.push_back(queued_.front());
      queued_.pop_front();
    }
  }
  std::vector<std::string> ids;
  ids.reserve(batch.size());
  for (const Waiter* waiter : batch) ids.push_back(waiter->session_id);
  try {
    const SessionVersions versions = lookup(ids);
    for (Waiter* waiter : batch) {
      const auto found = versions.find(waiter->session_id);
      if (found != versions.end()) waiter->version = found->second;
    }
  } catch (...) {
    for (Waiter* waiter : batch) waiter->error = std::current_exception();
  }
  std::lock_guard lock(mutex_);
  self.turn = Waiter::Turn::done;
  for (std::size_t i = 1; i < batch.size(); ++i) {
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
