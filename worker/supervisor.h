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
  // Each child is given the lowest slot number free among this many (-1 when none is): the
  // metrics keep a child's gauges in its slot.
  int child_slots = 0;
};

// How a child ended: it died (a crash, kill -9), was recycled (it stopped by itself, after its
// request limit) or was retired (by a reload or a stop).
enum class ChildEnd { died, recycled, retired };

// Runs in the master until it is told to stop; returns the master's exit status.
//   serve:  runs in each child with its slot (signals SIGINT/SIGTERM/SIGHUP blocked); returns
//           its exit status.
//   reload: runs in the master on SIGHUP; false keeps the current children (bad new settings).
//   ended:  runs in the master once a child ended and was collected, before its slot is reused.
int supervise(const SupervisorOptions& options, const std::function<int(int slot)>& serve,
              const std::function<bool()>& reload, const std::function<void(int slot, ChildEnd how)>& ended);

// For a child's main thread: waits until SIGINT or SIGTERM arrives or `finished()` is true.
void wait_for_stop(const std::function<bool()>& finished);

}  // namespace chat
