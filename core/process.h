// Process plumbing shared by the programs: startup failures, signal waiting, listening sockets.
#pragma once

#include <string>
#include <string_view>

namespace chat {

// Prints "PROGRAM: REASON" on stderr (one line, for an operator) and exits with status 2.
[[noreturn]] void exit_with_startup_error(std::string_view program, std::string_view reason);

// Prints USAGE (what --help asks for: the synopsis and what each option does) on stdout and
// exits with status 0.
[[noreturn]] void exit_with_usage(std::string_view usage);

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and every thread it starts later, and
// ignores SIGPIPE. Call first in main.
void block_stop_signals();

// Waits until SIGINT or SIGTERM arrives; returns its number.
int wait_for_stop_signal();

// The FastCGI listening socket: `--listen ADDRESS` if given, else the socket systemd passed
// (LISTEN_FDS), else fd 0 (spawn-fcgi, systemd's StandardInput=socket).
// Exits with a startup error when neither is usable.
int listening_socket_or_exit(std::string_view program, const std::string& listen_address);

}  // namespace chat
