// A fixed pool of threads running posted tasks (see the header).
#include "async/thread_pool.h"

#include "async/event_loop.h"

namespace chat {

ThreadPool::ThreadPool(int threads, std::function<std::shared_ptr<void>()> per_thread) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this, per_thread] { run(per_thread); });
}

ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::post(Task task) {
  {
    const std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  ready_.notify_one();
}

void ThreadPool::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void ThreadPool::run(const std::function<std::shared_ptr<void>()>& per_thread) {
  std::shared_ptr<void> held;
  run_guarded([&] { held = per_thread ? per_thread() : nullptr; }, "thread pool start");
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and nothing is left
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    run_guarded(task, "thread pool");
  }
}

}  // namespace chat
