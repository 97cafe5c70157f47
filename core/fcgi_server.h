// The FastCGI adapter: a fixed pool of threads accepting on one listening socket (libfcgi),
// each turning a FastCGI request into a Request, calling its handler and writing the Response.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http.h"

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

class FcgiServer {
 public:
  FcgiServer(int listen_fd, int threads, HandlerFactory factory);
  ~FcgiServer();

  void start();
  // Stops accepting new requests; requests in flight finish. Safe to call from any thread.
  void stop();
  void join();

 private:
  void serve();

  int listen_fd_;
  int thread_count_;
  HandlerFactory factory_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace chat
