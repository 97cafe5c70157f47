// The FastCGI adapter over libfcgi (see the header).
#include "http/fcgi_server.h"

#include <arpa/inet.h>
#include <fcgiapp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

#include "http/loop_response.h"
#include "core_limits.h"
#include "json_writer.h"
#include "log.h"

namespace chat {
namespace {

constexpr int kRefusedPeer = 1;  // accept_request: the connection was closed, nothing to serve

std::int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string param(FCGX_Request& request, const char* name) {
  const char* value = FCGX_GetParam(name, request.envp);
  return value ? value : "";
}

// Reads the body unless CONTENT_LENGTH says it is over the limit.
void read_body(FCGX_Request& fcgi, Request& request) {
  const std::string length_text = param(fcgi, "CONTENT_LENGTH");
  std::size_t length = 0;
  std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
  if (length > kMaxRequestBodyBytes) {
    request.body_too_large = true;
    return;
  }
  request.body.resize(length);
  std::size_t read = 0;
  while (read < length) {
    const int got = FCGX_GetStr(request.body.data() + read, static_cast<int>(length - read), fcgi.in);
    if (got <= 0) break;
    read += static_cast<std::size_t>(got);
  }
  request.body.resize(read);
}

Request read_request(FCGX_Request& fcgi) {
  Request request;
  request.method = param(fcgi, "REQUEST_METHOD");
  request.path = param(fcgi, "DOCUMENT_URI");
  if (request.path.empty()) {
    request.path = param(fcgi, "REQUEST_URI");
    request.path = request.path.substr(0, request.path.find('?'));
  }
  request.query = param(fcgi, "QUERY_STRING");
  request.content_type = param(fcgi, "CONTENT_TYPE");
  request.accept = param(fcgi, "HTTP_ACCEPT");
  request.remote_addr = param(fcgi, "REMOTE_ADDR");
  request.request_id = param(fcgi, "REQUEST_ID");
  request.authorization = param(fcgi, "HTTP_AUTHORIZATION");
  read_body(fcgi, request);
  return request;
}

// The response written to nginx over FastCGI, whole or in flushed pieces, or handed to the event
// loop by defer().
class FcgiResponseStream final : public ResponseStream {
 public:
  using Deferrer = std::function<std::shared_ptr<ResponseStream>(FCGX_Request&, int begun_status)>;
  FcgiResponseStream(FCGX_Request& fcgi, Deferrer deferrer) : fcgi_(fcgi), deferrer_(std::move(deferrer)) {}

  void begin(int status, const Headers& headers) override {
    const std::string head = cgi_response_head(status, headers);
    FCGX_PutStr(head.data(), static_cast<int>(head.size()), fcgi_.out);
    status_ = status;
  }

  bool write(std::string_view data) override {
    if (aborted_ || deferred_) return false;  // a deferred response is the loop's to write
    if (!data.empty() && FCGX_PutStr(data.data(), static_cast<int>(data.size()), fcgi_.out) < 0) {
      return false;
    }
    return FCGX_FFlush(fcgi_.out) == 0;
  }

  bool begun() const override { return status_ != 0; }
  int status() const { return status_; }  // 0 until begun

  // No FastCGI END_REQUEST follows: nginx sees the upstream close early and cuts the client's
  // transfer short. FCGX_Finish_r then fails to write and closes the connection.
  void abort() override {
    ::shutdown(fcgi_.ipcFd, SHUT_RDWR);
    aborted_ = true;
  }

  std::shared_ptr<ResponseStream> defer() override {
    if (!deferrer_) return ResponseStream::defer();  // throws: no loop
    FCGX_FFlush(fcgi_.out);  // what libfcgi holds goes first
    deferred_ = true;
    return deferrer_(fcgi_, status_);
  }

  bool deferred() const { return deferred_; }

  void send_whole(const Response& response) {
    begin(response.status, response.headers);
    if (!response.body.empty()) {
      FCGX_PutStr(response.body.data(), static_cast<int>(response.body.size()), fcgi_.out);
    }
  }

 private:
  FCGX_Request& fcgi_;
  Deferrer deferrer_;
  int status_ = 0;  // the head's, once sent
  bool aborted_ = false;
  bool deferred_ = false;
};

// libfcgi lets go of a request whose connection the event loop took: its buffers are freed, the
// connection is left open, and the next accept starts afresh.
void release_to_loop(FCGX_Request& fcgi) {
  FCGX_Free(&fcgi, /*close=*/0);
  fcgi.ipcFd = -1;
}

// Ends the request and closes its connection, whatever nginx asked (fastcgi_keep_conn is not
// supported: the serving threads wait on the listening socket, not on kept connections). Once
// the body was read it closes without libfcgi's lingering close (shut the sending side, then
// sleep until nginx closes its side): nginx sends the whole request before it reads the
// response, so the little left unread (the end of the body's records) is there already, and
// reading it without waiting, then closing, sends no reset and leaves the response intact. A
// body left unread (too large) may still be arriving: that connection lingers.
void finish_request(FCGX_Request& fcgi, bool body_read) {
  fcgi.keepConnection = body_read;  // kept open by libfcgi only for the close below
  FCGX_Finish_r(&fcgi);
  if (fcgi.ipcFd < 0) return;  // closed by libfcgi: lingering, or after a failed write
  char unread[1024];
  while (::recv(fcgi.ipcFd, unread, sizeof unread, MSG_DONTWAIT) > 0) {
  }
  ::close(fcgi.ipcFd);
  fcgi.ipcFd = -1;
}

// A line for a request that failed (5xx) or was slow; the others cost no log write.
void log_request(const Request& request, const Response& response, std::int64_t ms) {
  const bool failed = response.status >= 500;
  if (!failed && ms < kSlowRequestMs) return;
  JsonWriter fields;
  fields.field("request_id", request.request_id)
      .field("method", request.method)
      .field("path", request.path)
      .field("status", response.status)
      .field("ms", ms);
  log::write_members(failed ? log::Level::error : log::Level::info, failed ? "request failed" : "slow request",
                     fields.str());
}

}  // namespace

int open_fastcgi_socket(const std::string& address, int backlog) {
  const int fd = FCGX_OpenSocket(address.c_str(), backlog);
  if (fd >= 0 && !address.empty() && address.front() == '/') ::chmod(address.c_str(), 0660);
  return fd;
}

bool is_listening_socket(int fd) {
  int listening = 0;
  socklen_t size = sizeof listening;
  return ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0 && listening != 0;
}

FcgiServer::FcgiServer(int listen_fd, HandlerFactory factory, FcgiServerOptions options)
    : listen_fd_(listen_fd),
      factory_(std::move(factory)),
      options_(std::move(options)),
      stop_event_(::eventfd(0, EFD_CLOEXEC)) {
  // Non-blocking, so a thread woken for a connection another thread took is not stuck in accept.
  ::fcntl(listen_fd_, F_SETFL, ::fcntl(listen_fd_, F_GETFL) | O_NONBLOCK);
}

FcgiServer::~FcgiServer() {
  stop();
  join();
  ::close(stop_event_);
}

void FcgiServer::start() {
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { serve(); });
}

namespace {
void signal_event(int event) {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(event, &one, sizeof one);
}
}  // namespace

void FcgiServer::stop() {
  if (stopping_.exchange(true)) return;
  signal_event(stop_event_);
}

std::shared_ptr<ResponseStream> FcgiServer::defer(FCGX_Request& fcgi, int begun_status, std::string path,
                                                  std::chrono::steady_clock::time_point arrived) {
  {
    const std::lock_guard lock(deferred_mutex_);
    ++deferred_;
  }
  return LoopResponse::adopt(*options_.loop, fcgi.ipcFd, fcgi.requestId, begun_status,
                             [this, path = std::move(path), arrived](int status) {
                               observe(path, status, arrived);
                               release_deferred();
                             });
}

void FcgiServer::observe(std::string_view path, int status, std::chrono::steady_clock::time_point arrived) {
  if (!options_.observer) return;
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - arrived);
  options_.observer->served(path, status != 0 ? status : kClientClosedRequest, took);
}

void FcgiServer::release_deferred() {
  const std::lock_guard lock(deferred_mutex_);
  if (--deferred_ == 0) drained_.notify_all();
}

void FcgiServer::wait_until_drained() {
  std::unique_lock lock(deferred_mutex_);
  drained_.wait(lock, [this] { return deferred_ == 0; });
}

void FcgiServer::join() {
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

// Blocks until one of the poller's descriptors is ready and returns it (-1 when epoll fails).
int FcgiServer::wait_for_event(int poller) {
  epoll_event event{};
  for (;;) {
    const int ready = ::epoll_wait(poller, &event, 1, -1);
    if (ready > 0) return event.data.fd;
    if (ready < 0 && errno != EINTR) return -1;
  }
}

void FcgiServer::count_request() {
  if (options_.max_requests > 0 && ++served_ >= options_.max_requests) stop();
}

// Accepts a connection itself, so that a peer the allowlist refuses is closed before libfcgi
// reads a byte of it, then lets libfcgi read the request from it. 0, kRefusedPeer, or minus the
// errno of a failure.
int FcgiServer::accept_request(FCGX_Request& fcgi) {
  sockaddr_storage peer{};
  socklen_t size = sizeof peer;
  const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &size, SOCK_CLOEXEC);
  if (fd < 0) return -errno;
  if (!options_.peers.allows(peer)) {
    log_refused_peer(peer);
    ::close(fd);
    return kRefusedPeer;
  }
  if (peer.ss_family != AF_UNIX) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  fcgi.ipcFd = fd;
  fcgi.keepConnection = 1;  // else FCGX_Accept_r, ending the previous request, would close fd
  return FCGX_Accept_r(&fcgi);
}

void FcgiServer::log_refused_peer(const sockaddr_storage& peer) {
  const std::int64_t now = monotonic_ms();
  std::int64_t last = refused_logged_at_ms_;
  if (now - last < 60000 || !refused_logged_at_ms_.compare_exchange_strong(last, now)) return;
  char address[INET6_ADDRSTRLEN] = "?";
  const void* bytes = peer.ss_family == AF_INET
                          ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in&>(peer).sin_addr)
                          : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6&>(peer).sin6_addr);
  ::inet_ntop(peer.ss_family, bytes, address, sizeof address);
  Json::Value fields(Json::objectValue);
  fields["peer"] = address;
  fields["allowed"] = options_.peers.describe();
  fields["hint"] = "FastCGI has no authentication: list nginx's addresses in CHAT_FASTCGI_ALLOWED_PEERS";
  log::warn("refused a FastCGI connection from a peer not allowed (logged once a minute)", fields);
}

// A failed accept (EMFILE, ENFILE, ENOBUFS...) leaves the connection in the backlog, so the
// listening socket stays readable: waiting here instead of at once in epoll again keeps the
// thread from spinning until descriptors are free (as nginx does). Not a failure: another thread
// took the connection (EAGAIN), or a connection failed before its request (EBADF, see serve).
void FcgiServer::back_off_after_failed_accept(int error) {
  if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR || error == ECONNABORTED || error == EBADF) return;
  if (!accept_failing_.exchange(true)) {
    Json::Value fields(Json::objectValue);
    fields["detail"] = std::strerror(error);
    log::error("accept failed; waiting before the next try", fields);
  }
  pollfd stop{stop_event_, POLLIN, 0};  // poll opens no descriptor, of which there may be none
  ::poll(&stop, 1, kAcceptBackOffMs);
}

// The thread's handler, made again after a pause while making it fails.
std::unique_ptr<RequestHandler> FcgiServer::make_handler() {
  while (!stopping_) {
    try {
      return factory_();
    } catch (const std::exception& error) {
      Json::Value fields(Json::objectValue);
      fields["detail"] = error.what();
      log::error("a serving thread could not start; retrying", fields);
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return nullptr;
}

// One request, start to finish. Nothing thrown here ends the thread (or, uncaught, the process):
// a request that fails before its response began gets a 500.
void FcgiServer::serve_request(FCGX_Request& fcgi, RequestHandler& handler) {
  const auto arrived = std::chrono::steady_clock::now();
  Request request;
  FcgiResponseStream::Deferrer deferrer;
  if (options_.loop) {
    deferrer = [this, &request, arrived](FCGX_Request& deferred, int begun_status) {
      return defer(deferred, begun_status, options_.observer ? request.path : std::string(), arrived);
    };
  }
  FcgiResponseStream stream(fcgi, std::move(deferrer));
  Response response = Response::error(500, "internal", "internal error");
  bool body_read = false;  // else the connection lingers: the body may still be arriving
  try {
    request = read_request(fcgi);
    body_read = !request.body_too_large;
    request.stream = &stream;
    response = handler.handle(request);
  } catch (const std::exception& error) {
    Json::Value fields(Json::objectValue);
    fields["detail"] = error.what();
    log::error("request failed outside its handler", fields);
  }
  if (stream.deferred()) {
    release_to_loop(fcgi);
    return;
  }
  try {
    if (!stream.begun()) stream.send_whole(response);
    finish_request(fcgi, body_read);
    log_request(request, response,
                std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - arrived).count());
  } catch (const std::exception&) {
    finish_request(fcgi, /*body_read=*/false);
  }
  observe(request.path, stream.status(), arrived);
}

void FcgiServer::serve() {
  const std::unique_ptr<RequestHandler> handler = make_handler();
  if (!handler) return;
  const int poller = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event listen_event{EPOLLIN | EPOLLEXCLUSIVE, {.fd = listen_fd_}};
  epoll_event stop_event{EPOLLIN, {.fd = stop_event_}};
  ::epoll_ctl(poller, EPOLL_CTL_ADD, listen_fd_, &listen_event);
  ::epoll_ctl(poller, EPOLL_CTL_ADD, stop_event_, &stop_event);
  FCGX_Request fcgi;
  // No listening socket for libfcgi: after a connection that fails before its request (closed,
  // or a bad first record) it would accept the next one itself, past the peer allowlist. It then
  // fails with EBADF instead, and the next connection goes through accept_request.
  FCGX_InitRequest(&fcgi, -1, 0);
  while (!stopping_ && wait_for_event(poller) == listen_fd_ && !stopping_) {
    const int accepted = accept_request(fcgi);
    if (accepted == kRefusedPeer) continue;
    if (accepted < 0) {
      back_off_after_failed_accept(-accepted);
      continue;
    }
    accept_failing_ = false;
    serve_request(fcgi, *handler);
    count_request();
  }
  FCGX_Free(&fcgi, 1);
  ::close(poller);
}

}  // namespace chat
