// A php-fpm-like process manager: the master holds the listening socket, keeps N child
// processes serving it, replaces a child that dies (crash, kill -9, recycling after its request
// limit) at once, reloads on SIGHUP by starting a new generation of children and letting the
// old one finish, and on SIGTERM/SIGINT lets every child finish its requests (with a deadline)
// and exits 0.
#pragma once

#include <chrono>
#include <functional>

namespace chat {

struct SupervisorOptions {
  int processes = 2;
  std::chrono::seconds stop_timeout{40};  // then children still running are killed
};

// Runs in the master until it is told to stop; returns the master's exit status.
//   serve:  runs in each child (signals SIGINT/SIGTERM/SIGHUP blocked); returns its exit status.
//   reload: runs in the master on SIGHUP; false keeps the current children (bad new settings).
int supervise(const SupervisorOptions& options, const std::function<int()>& serve,
              const std::function<bool()>& reload);

// For a child's main thread: waits until SIGINT or SIGTERM arrives or `finished()` is true.
void wait_for_stop(const std::function<bool()>& finished);

}  // namespace chat
