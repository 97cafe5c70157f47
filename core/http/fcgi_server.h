// The FastCGI adapter: a fixed pool of threads accepting on one listening socket (libfcgi),
// each turning a FastCGI request into a Request, calling its handler and writing the Response.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/http.h"

struct FCGX_Request;

namespace chat {

// One per thread, made inside that thread (so it may hold thread-bound resources).
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual Response handle(const Request& request) = 0;
};

using HandlerFactory = std::function<std::unique_ptr<RequestHandler>()>;

// Opens a FastCGI listening socket: "/path.sock" (unix, mode 0660) or "HOST:PORT" / ":PORT".
// Returns the descriptor, or -1 with errno set.
int open_fastcgi_socket(const std::string& address, int backlog);

// True when `fd` is a listening socket (fd 0 from spawn-fcgi or systemd).
bool is_listening_socket(int fd);

// Serving threads wait in epoll on the listening socket (made non-blocking, EPOLLEXCLUSIVE so
// one connection wakes one thread) and on a stop event. Stopping never touches the listening
// socket, which other processes may share: it only wakes this process's threads.
class FcgiServer {
 public:
  // After `max_requests` requests (0: no limit) the server stops by itself (recycling).
  FcgiServer(int listen_fd, int threads, HandlerFactory factory, long max_requests = 0);
  ~FcgiServer();

  void start();
  // Stops accepting new requests; requests in flight finish. Safe to call from any thread.
  void stop();
  void join();
  bool stopping() const { return stopping_; }

 private:
  void serve();
  std::unique_ptr<RequestHandler> make_handler();
  bool wait_for_connection(int poller);
  void back_off_after_failed_accept(int error);
  void serve_request(FCGX_Request& fcgi, RequestHandler& handler);
  void count_request();

  int listen_fd_;
  int thread_count_;
  HandlerFactory factory_;
  long max_requests_;
  int stop_event_;  // an eventfd, readable once stopping
  std::atomic<long> served_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> accept_failing_{false};  // logged once until an accept succeeds again
  std::vector<std::thread> threads_;
};

}  // namespace chat
