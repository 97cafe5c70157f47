// Leader and followers of the version lookups (see the header).
#include "session_version_batch.h"

#include <exception>
#include <semaphore>

namespace chat {

struct SessionVersionBatch::Waiter {
  enum class Turn { wait, done, lead };

  explicit Waiter(const std::string& id) : session_id(id) {}

  const std::string& session_id;
  std::optional<std::int64_t> version;
  std::exception_ptr error;
  Turn turn = Turn::wait;  // set by a leader under the mutex, read by a queued waiter once woken
  std::binary_semaphore woken{0};
};

std::optional<std::int64_t> SessionVersionBatch::version(const std::string& session_id, const Lookup& lookup) {
  Waiter self(session_id);
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    queued = leading_;
    if (queued) {
      queued_.push_back(&self);
    } else {
      leading_ = true;
    }
  }
  if (queued) self.woken.acquire();
  if (!queued || self.turn == Waiter::Turn::lead) lead(self, lookup);
  if (self.error) std::rethrow_exception(self.error);
  return self.version;
}

// Queries for `self` and up to kMaxIds - 1 queued reads, answers them, and hands the lead to the
// next queued read, if any. A waiter may return (and be gone) once released: nothing touches it after.
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
  Waiter* next = nullptr;
  {
    std::lock_guard lock(mutex_);
    for (Waiter* waiter : batch) waiter->turn = Waiter::Turn::done;
    if (queued_.empty()) {
      leading_ = false;
    } else {
      next = queued_.front();
      queued_.pop_front();
      next->turn = Waiter::Turn::lead;
    }
  }
  for (std::size_t i = 1; i < batch.size(); ++i) batch[i]->woken.release();
  if (next) next->woken.release();
}

}  // namespace chat
