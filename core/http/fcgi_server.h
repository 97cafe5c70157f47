// The FastCGI adapter: a fixed pool of threads accepting on one listening socket (libfcgi),
// each turning a FastCGI request into a Request, calling its handler and writing the Response.
// A handler may instead defer its response to an event loop (see ResponseStream::defer) and
// return at once; the server counts such responses until they are done.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "async/event_loop.h"
#include "http/http.h"
#include "http/peer_allowlist.h"

struct FCGX_Request;

namespace chat {

// One per thread, made inside that thread (so it may hold thread-bound resources).
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual Response handle(const Request& request) = 0;
};

using HandlerFactory = std::function<std::unique_ptr<RequestHandler>()>;

// Told of every response a server sent (the metrics): the request's path, the status its head
// was sent with (kClientClosedRequest when the client left before any was), and how long it took
// from the request's arrival. Called on a serving thread, or wherever a deferred response ends,
// so it must be thread-safe.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void served(std::string_view path, int status, std::chrono::microseconds took) = 0;
};

// nginx's status for a request whose client closed the connection before the response.
inline constexpr int kClientClosedRequest = 499;

// Opens a FastCGI listening socket: "/path.sock" (unix, mode 0660) or "HOST:PORT" / ":PORT".
// Returns the descriptor, or -1 with errno set.
int open_fastcgi_socket(const std::string& address, int backlog);

// True when `fd` is a listening socket (fd 0 from spawn-fcgi or systemd).
bool is_listening_socket(int fd);

struct FcgiServerOptions {
  int threads = 1;
  long max_requests = 0;  // then the server stops by itself (recycling); 0: no limit
  // Where deferred responses are finished; null for a server whose handlers answer on their own
  // thread.
  EventLoop* loop = nullptr;
  PeerAllowlist peers = PeerAllowlist::loopback();  // who may connect over TCP
  RequestObserver* observer = nullptr;               // null: responses are not counted
};

// Serving threads wait in epoll on the listening socket (made non-blocking, EPOLLEXCLUSIVE so
// one connection wakes one thread) and on a stop event. Stopping never touches the listening
// socket, which other processes may share: it only wakes this process's threads.
class FcgiServer {
 public:
  FcgiServer(int listen_fd, HandlerFactory factory, FcgiServerOptions options);
  ~FcgiServer();

  void start();
  // Stops accepting new requests; requests in flight on the serving threads finish. Safe to call
  // from any thread.
  void stop();
  void join();
  // Waits until every deferred response is done (after stop(): the answers under way finish).
  void wait_until_drained();
  bool stopping() const { return stopping_; }

 private:
  void serve();
  std::unique_ptr<RequestHandler> make_handler();
  int wait_for_event(int poller);
  std::shared_ptr<ResponseStream> defer(FCGX_Request& fcgi, int begun_status, std::string path,
                                        std::chrono::steady_clock::time_point arrived);
  void release_deferred();
  void observe(std::string_view path, int status, std::chrono::steady_clock::time_point arrived);
  int accept_request(FCGX_Request& fcgi);
  void back_off_after_failed_accept(int error);
  void log_refused_peer(const sockaddr_storage& peer);
  void serve_request(FCGX_Request& fcgi, RequestHandler& handler);
  void count_request();

  int listen_fd_;
  HandlerFactory factory_;
  FcgiServerOptions options_;
  int stop_event_;  // an eventfd, readable once stopping
  std::mutex deferred_mutex_;
  std::condition_variable drained_;
  int deferred_ = 0;  // deferred responses not yet released
  std::atomic<long> served_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> accept_failing_{false};  // logged once until an accept succeeds again
  std::atomic<std::int64_t> refused_logged_at_ms_{0};  // refused peers: a log line a minute at most
  std::vector<std::thread> threads_;
};

}  // namespace chat
