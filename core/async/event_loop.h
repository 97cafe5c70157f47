// One thread that waits in epoll on many descriptors at once and runs what becomes ready: the
// model transfers (libcurl's multi interface) and the writes of answers deferred to it, so that
// waiting on a slow model or a slow client holds no serving thread. Everything it owns is touched
// on its thread only; other threads reach it through post().
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "async/executor.h"

namespace chat {

class EventLoop final : public Executor {
 public:
  // Called with the epoll events (EPOLLIN, EPOLLOUT, EPOLLHUP...) that woke it.
  using FdHandler = std::function<void(std::uint32_t events)>;
  using TimerId = std::uint64_t;
  using Clock = std::chrono::steady_clock;

  EventLoop();
  ~EventLoop();  // stops and joins
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void start();
  // Runs what was posted before, then ends the thread. Safe from any thread.
  void stop();
  void join();

  void post(Task task) override;
  bool in_loop_thread() const { return std::this_thread::get_id() == thread_id_.load(); }

  // --- on the loop's thread only ---
  // Watches `fd` for `events` (level-triggered), replacing an earlier watch of it.
  void watch(int fd, std::uint32_t events, FdHandler handler);
  void unwatch(int fd);
  TimerId add_timer(std::chrono::milliseconds delay, Task task);
  void cancel_timer(TimerId id);
  // Runs `task` once this turn's events and timers are handled, before the loop waits again:
  // for work worth doing once per turn, such as sending what several events produced in one
  // write.
  void at_end_of_turn(Task task);

 private:
  void run();
  void run_posted();
  void run_due_timers();
  void run_end_of_turn();
  int wait_ms() const;
  void dispatch(const epoll_event& event);

  int poller_;
  int wakeup_;  // an eventfd: readable when tasks were posted
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};
  std::atomic<bool> stopping_{false};

  std::mutex posted_mutex_;
  std::deque<Task> posted_;

  std::vector<Task> end_of_turn_;
  // Each watch gets a new generation, carried in its epoll events: an event of a descriptor
  // that was closed and reused within one batch of events is not handed to the new owner.
  struct Watch {
    std::uint32_t generation = 0;
    std::shared_ptr<FdHandler> handler;
  };
  std::unordered_map<int, Watch> handlers_;
  std::uint32_t next_generation_ = 1;
  std::map<std::pair<Clock::time_point, TimerId>, Task> timers_;
  std::unordered_map<TimerId, Clock::time_point> timer_deadlines_;
  TimerId next_timer_ = 1;
};

// Runs `task`, logging what it throws instead of letting it end the thread.
void run_guarded(const Task& task, const char* where);

}  // namespace chat
