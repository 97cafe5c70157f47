// Tasks for the serving threads (see the header).
#include "async/work_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "async/event_loop.h"

namespace chat {

WorkQueue::WorkQueue() : event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE)) {}

WorkQueue::~WorkQueue() { ::close(event_); }

void WorkQueue::post(Task task) {
  {
    const std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(event_, &one, sizeof one);
}

bool WorkQueue::run_one() {
  std::uint64_t one = 0;
  if (::read(event_, &one, sizeof one) != sizeof one) return false;  // taken by another thread
  Task task;
  {
    const std::lock_guard lock(mutex_);
    if (tasks_.empty()) return false;
    task = std::move(tasks_.front());
    tasks_.pop_front();
  }
  run_guarded(task, "serving thread");
  return true;
}

bool WorkQueue::empty() const {
  const std::lock_guard lock(mutex_);
  return tasks_.empty();
}

}  // namespace chat
