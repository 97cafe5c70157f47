// Process plumbing shared by the programs: startup failures, signal waiting, listening sockets.
#include "process.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <unistd.h>

#include "core_limits.h"
#include "http/fcgi_server.h"

namespace chat {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void exit_with_startup_error(std::string_view program, std::string_view reason) {
  std::cerr << program << ": " << reason << std::endl;
  std::exit(2);
}

void exit_with_usage(std::string_view usage) {
  std::cout << usage << std::endl;
  std::exit(0);
}

void block_stop_signals() {
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int wait_for_stop_signal() {
  const sigset_t set = stop_signals();
  for (;;) {
    int signal = 0;
    if (sigwait(&set, &signal) != 0) continue;
    if (signal == SIGINT || signal == SIGTERM) return signal;
  }
}

// The first socket passed by systemd (sd_listen_fds: LISTEN_PID, LISTEN_FDS, fd 3), or -1.
int systemd_socket() {
  const char* pid = std::getenv("LISTEN_PID");
  const char* fds = std::getenv("LISTEN_FDS");
  if (!pid || !fds || std::atol(pid) != static_cast<long>(::getpid()) || std::atoi(fds) < 1) return -1;
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  return is_listening_socket(3) ? 3 : -1;
}

int listening_socket_or_exit(std::string_view program, const std::string& listen_address) {
  if (const int passed = systemd_socket(); passed >= 0 && listen_address.empty()) return passed;
  if (listen_address.empty()) {
    if (!is_listening_socket(0)) {
      exit_with_startup_error(program, "fd 0 is not a listening socket: start it with spawn-fcgi, "
                                       "systemd socket activation or --listen ADDRESS");
    }
    return 0;
  }
  const int fd = open_fastcgi_socket(listen_address, kListenBacklog);
  if (fd < 0) {
    exit_with_startup_error(program, "--listen " + listen_address + ": " + std::strerror(errno));
  }
  return fd;
}

}  // namespace chat
