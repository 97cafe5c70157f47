// Something that runs tasks on threads of its own: the event loop, or the pool of serving threads.
#pragma once

#include <functional>

namespace chat {

using Task = std::function<void()>;

class Executor {
 public:
  virtual ~Executor() = default;
  // Queues `task`; safe from any thread. An exception the task throws is logged, not propagated.
  virtual void post(Task task) = 0;
};

// Runs tasks at once on the caller's thread (tests, and programs without a loop).
class InlineExecutor final : public Executor {
 public:
  void post(Task task) override { task(); }
};

}  // namespace chat
