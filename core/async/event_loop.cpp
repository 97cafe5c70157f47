// The event loop (see the header).
#include "async/event_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "log.h"

namespace chat {

void run_guarded(const Task& task, const char* where) {
  try {
    task();
  } catch (const std::exception& error) {
    Json::Value fields(Json::objectValue);
    fields["where"] = where;
    fields["detail"] = error.what();
    log::error("a task failed", fields);
  } catch (...) {
    Json::Value fields(Json::objectValue);
    fields["where"] = where;
    log::error("a task failed with an unknown exception", fields);
  }
}

EventLoop::EventLoop()
    : poller_(::epoll_create1(EPOLL_CLOEXEC)), wakeup_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  epoll_event event{EPOLLIN, {.u64 = static_cast<std::uint32_t>(wakeup_)}};  // generation 0
  ::epoll_ctl(poller_, EPOLL_CTL_ADD, wakeup_, &event);
}

EventLoop::~EventLoop() {
  stop();
  join();
  ::close(wakeup_);
  ::close(poller_);
}

void EventLoop::start() {
  thread_ = std::thread([this] {
    thread_id_ = std::this_thread::get_id();
    run();
  });
}

void EventLoop::stop() {
  if (stopping_.exchange(true)) return;
  post([] {});  // wakes the thread
}

void EventLoop::join() {
  if (thread_.joinable()) thread_.join();
}

// Only the task that finds the queue empty wakes the loop: the loop takes the whole queue at
// each wake-up, so the others would cost a system call each for nothing.
void EventLoop::post(Task task) {
  bool first = false;
  {
    const std::lock_guard lock(posted_mutex_);
    first = posted_.empty();
    posted_.push_back(std::move(task));
  }
  if (!first) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(wakeup_, &one, sizeof one);
}

void EventLoop::at_end_of_turn(Task task) { end_of_turn_.push_back(std::move(task)); }

void EventLoop::run_end_of_turn() {
  while (!end_of_turn_.empty()) {
    std::vector<Task> tasks;
    tasks.swap(end_of_turn_);
    for (const Task& task : tasks) run_guarded(task, "event loop, end of turn");
  }
}

void EventLoop::watch(int fd, std::uint32_t events, FdHandler handler) {
  const std::uint32_t generation = next_generation_++;
  if (next_generation_ == 0) next_generation_ = 1;  // 0 is the wake-up descriptor's
  epoll_event event{events, {.u64 = (std::uint64_t{generation} << 32) | static_cast<std::uint32_t>(fd)}};
  const bool known = handlers_.count(fd) != 0;
  if (::epoll_ctl(poller_, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event) != 0) {
    // The descriptor was closed and its number reused since it was last watched.
    ::epoll_ctl(poller_, known ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event);
  }
  handlers_[fd] = Watch{generation, std::make_shared<FdHandler>(std::move(handler))};
}

void EventLoop::unwatch(int fd) {
  if (handlers_.erase(fd) == 0) return;
  ::epoll_ctl(poller_, EPOLL_CTL_DEL, fd, nullptr);  // fails harmlessly when fd is closed already
}

EventLoop::TimerId EventLoop::add_timer(std::chrono::milliseconds delay, Task task) {
  const TimerId id = next_timer_++;
  const auto deadline = Clock::now() + delay;
  timers_.emplace(std::make_pair(deadline, id), std::move(task));
  timer_deadlines_.emplace(id, deadline);
  return id;
}

void EventLoop::cancel_timer(TimerId id) {
  const auto found = timer_deadlines_.find(id);
  if (found == timer_deadlines_.end()) return;
  timers_.erase({found->second, id});
  timer_deadlines_.erase(found);
}

int EventLoop::wait_ms() const {
  if (timers_.empty()) return -1;
  const auto until = timers_.begin()->first.first - Clock::now();
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(until).count();
  return ms <= 0 ? 0 : static_cast<int>(std::min<long long>(ms, 60000));
}

void EventLoop::run_posted() {
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t got = ::read(wakeup_, &count, sizeof count);
  std::deque<Task> tasks;
  {
    const std::lock_guard lock(posted_mutex_);
    tasks.swap(posted_);
  }
  for (const Task& task : tasks) run_guarded(task, "event loop");
  run_end_of_turn();
}

void EventLoop::run_due_timers() {
  const auto now = Clock::now();
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    auto due = timers_.extract(timers_.begin());
    timer_deadlines_.erase(due.key().second);
    run_guarded(due.mapped(), "event loop timer");
  }
}

// Level-triggered: an event dropped because its watch changed meanwhile comes again if it holds.
void EventLoop::dispatch(const epoll_event& event) {
  const auto fd = static_cast<int>(event.data.u64 & 0xffffffffu);
  const auto generation = static_cast<std::uint32_t>(event.data.u64 >> 32);
  const auto found = handlers_.find(fd);
  if (found == handlers_.end() || found->second.generation != generation) return;
  const std::shared_ptr<FdHandler> handler = found->second.handler;  // it may unwatch itself
  run_guarded([&] { (*handler)(event.events); }, "event loop descriptor");
}

void EventLoop::run() {
  constexpr int kEventsPerWait = 64;
  epoll_event events[kEventsPerWait];
  for (;;) {
    const int ready = ::epoll_wait(poller_, events, kEventsPerWait, wait_ms());
    for (int i = 0; i < ready; ++i) {
      if (events[i].data.u64 == static_cast<std::uint32_t>(wakeup_)) {
        run_posted();
      } else {
        dispatch(events[i]);
      }
    }
    run_due_timers();
    run_end_of_turn();
    if (stopping_) {
      run_posted();
      const std::lock_guard lock(posted_mutex_);
      if (posted_.empty()) return;
    }
  }
}

}  // namespace chat
