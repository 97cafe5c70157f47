// A php-fpm-like process manager (see the header).
#include "supervisor.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>

#include "log.h"

namespace chat {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kCrashLoopWindow = std::chrono::seconds(1);  // a child dying younger waits this long

struct Child {
  int generation = 0;
  Clock::time_point started;
  int slot = -1;
};

sigset_t master_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set, signal);
  return set;
}

void log_child(const char* message, pid_t pid, int status = -1) {
  Json::Value fields(Json::objectValue);
  fields["child_pid"] = static_cast<int>(pid);
  if (status >= 0 && WIFEXITED(status)) fields["exit_status"] = WEXITSTATUS(status);
  if (status >= 0 && WIFSIGNALED(status)) fields["signal"] = WTERMSIG(status);
  log::info(message, fields);
}

class Master {
 public:
  Master(const SupervisorOptions& options, const std::function<int(int)>& serve,
         const std::function<void(int, ChildEnd)>& ended)
      : options_(options), serve_(serve), ended_(ended) {}

  void spawn_missing() {
    if (stopping_ || Clock::now() < respawn_not_before_) return;
    while (count(generation_) < options_.processes) {
      const pid_t master = ::getpid();
      const int slot = free_slot();
      const pid_t pid = ::fork();
      if (pid == 0) {
        // A child must not outlive its master (killed with SIGKILL, say): it stops with it.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != master) ::_exit(0);
        ::_exit(serve_(slot));
      }
      if (pid < 0) return;
      children_[pid] = {generation_, Clock::now(), slot};
      log_child("child started", pid);
    }
  }

  // Collects every child that ended; a young death delays the next start (crash loop).
  void reap() {
    int status = 0;
    for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
      const auto it = children_.find(pid);
      if (it == children_.end()) continue;
      const bool young = Clock::now() - it->second.started < kCrashLoopWindow;
      const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      log_child(clean ? "child finished" : "child died", pid, status);
      if (young && !clean) respawn_not_before_ = Clock::now() + kCrashLoopWindow;
      ended_(it->second.slot, how_it_ended(it->second, clean));
      children_.erase(it);
    }
  }

  // A new generation takes over; the old one finishes its requests and leaves.
  void renew() {
    const int old_generation = generation_++;
    spawn_missing();
    signal_generation(old_generation, SIGTERM);
  }

  void stop() {
    stopping_ = true;
    for (const auto& [pid, child] : children_) ::kill(pid, SIGTERM);
  }

  // Waits for the children until the deadline, then kills the rest.
  void wait_for_children() {
    const auto deadline = Clock::now() + options_.stop_timeout;
    while (!children_.empty() && Clock::now() < deadline) {
      reap();
      if (!children_.empty()) ::usleep(20000);
    }
    for (const auto& [pid, child] : children_) ::kill(pid, SIGKILL);
    while (::waitpid(-1, nullptr, 0) > 0) {
    }
  }

  bool stopping() const { return stopping_; }

 private:
  // A clean exit of the current generation, while not stopping, is the child's own: its
  // request limit.
  ChildEnd how_it_ended(const Child& child, bool clean) const {
    if (!clean) return ChildEnd::died;
    return child.generation == generation_ && !stopping_ ? ChildEnd::recycled : ChildEnd::retired;
  }

  int free_slot() const {
    for (int slot = 0; slot < options_.child_slots; ++slot) {
      bool taken = false;
      for (const auto& [pid, child] : children_) taken = taken || child.slot == slot;
      if (!taken) return slot;
    }
    return -1;
  }

  int count(int generation) const {
    int count = 0;
    for (const auto& [pid, child] : children_) count += child.generation == generation;
    return count;
  }

  void signal_generation(int generation, int signal) {
    for (const auto& [pid, child] : children_) {
      if (child.generation == generation) ::kill(pid, signal);
    }
  }

  SupervisorOptions options_;
  const std::function<int(int)>& serve_;
  const std::function<void(int, ChildEnd)>& ended_;
  std::map<pid_t, Child> children_;
  int generation_ = 0;
  bool stopping_ = false;
  Clock::time_point respawn_not_before_{};
};

}  // namespace

int supervise(const SupervisorOptions& options, const std::function<int(int slot)>& serve,
              const std::function<bool()>& reload, const std::function<void(int slot, ChildEnd how)>& ended) {
  const sigset_t signals = master_signals();
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Master master(options, serve, ended);
  master.spawn_missing();
  while (!master.stopping()) {
    const timespec tick{0, 200 * 1000 * 1000};
    const int signal = ::sigtimedwait(&signals, nullptr, &tick);
    if (signal == SIGINT || signal == SIGTERM) {
      log::info("stopping: children finish their requests first");
      master.stop();
    } else if (signal == SIGHUP) {
      if (reload()) master.renew();
    }
    master.reap();
    master.spawn_missing();
  }
  master.wait_for_children();
  log::info("stopped");
  return 0;
}

void wait_for_stop(const std::function<bool()>& finished) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  while (!finished()) {
    const timespec tick{0, 200 * 1000 * 1000};
    const int signal = ::sigtimedwait(&signals, nullptr, &tick);
    if (signal == SIGINT || signal == SIGTERM) return;
  }
}

}  // namespace chat
