// Tasks for the pool of serving threads: work that follows a model call (storing the answer,
// the local fallback) runs there, beside new requests, never on the event loop. The serving
// threads wait on fd() together with the listening socket.
#pragma once

#include <deque>
#include <mutex>

#include "async/executor.h"

namespace chat {

class WorkQueue final : public Executor {
 public:
  WorkQueue();
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void post(Task task) override;
  // An eventfd (semaphore mode, non-blocking) that is readable while tasks wait: watch it with
  // EPOLLEXCLUSIVE, so that one task wakes one thread.
  int fd() const { return event_; }
  // Takes one task and runs it; false when another thread took it first.
  bool run_one();
  bool empty() const;

 private:
  int event_;
  mutable std::mutex mutex_;
  std::deque<Task> tasks_;
};

}  // namespace chat
