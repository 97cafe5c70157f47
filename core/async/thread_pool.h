// A fixed number of threads running posted tasks in order of arrival. chat-worker runs the
// database work of asks that wait on the model here, as many threads as database connections:
// an ask waiting for a connection waits in this queue, not on a serving thread, so serving
// threads stay free to refuse what is over the admission limit and to answer reads.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "async/executor.h"

namespace chat {

class ThreadPool final : public Executor {
 public:
  // `per_thread` makes what each thread holds while it lives (MySQL's thread state); may be empty.
  ThreadPool(int threads, std::function<std::shared_ptr<void>()> per_thread = {});
  ~ThreadPool();  // stops and joins
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void post(Task task) override;
  // Runs what was posted, then ends the threads.
  void stop();

 private:
  void run(const std::function<std::shared_ptr<void>()>& per_thread);

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Task> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace chat
