// A FastCGI response written by the event loop (see the header).
#include "http/loop_response.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "core_limits.h"

namespace chat {
namespace {

// FastCGI 1.0 record types, and the most one record may carry.
constexpr unsigned char kFcgiVersion = 1;
constexpr unsigned char kEndRequest = 3;
constexpr unsigned char kStdout = 6;
constexpr std::size_t kMaxRecordContent = 65535;

// One record: the 8-byte header, the content, padding to a multiple of 8 bytes.
void append_record(std::string& out, unsigned char type, std::uint16_t request_id, std::string_view content) {
  const auto length = static_cast<std::uint16_t>(content.size());
  const auto padding = static_cast<unsigned char>((8 - content.size() % 8) % 8);
  const char header[8] = {static_cast<char>(kFcgiVersion),     static_cast<char>(type),
                          static_cast<char>(request_id >> 8),  static_cast<char>(request_id & 0xff),
                          static_cast<char>(length >> 8),      static_cast<char>(length & 0xff),
                          static_cast<char>(padding),          0};
  out.append(header, sizeof header).append(content).append(padding, '\0');
}

// Reads and drops what the peer sent; false once it closed (or reset) the connection.
bool discard_input(int fd) {
  char unread[1024];
  for (;;) {
    const ssize_t got = ::recv(fd, unread, sizeof unread, MSG_DONTWAIT);
    if (got > 0) continue;
    return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
  }
}

}  // namespace

std::shared_ptr<LoopResponse> LoopResponse::adopt(EventLoop& loop, int fd, int request_id, int begun_status,
                                                  Released on_released) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::shared_ptr<LoopResponse> response(
      new LoopResponse(loop, fd, request_id, begun_status, std::move(on_released)));
  response->on_loop([](LoopResponse& self) { self.start_watching(); });
  return response;
}

LoopResponse::LoopResponse(EventLoop& loop, int fd, int request_id, int begun_status, Released on_released)
    : loop_(loop),
      fd_(fd),
      request_id_(static_cast<std::uint16_t>(request_id)),
      status_(begun_status),
      on_released_(std::move(on_released)) {}

// Its last owner let go without finishing: the connection is dropped, as abort() would.
LoopResponse::~LoopResponse() {
  if (!closed_) {
    const int fd = fd_;
    EventLoop& loop = loop_;
    const Task drop = [&loop, fd] {
      loop.unwatch(fd);
      ::shutdown(fd, SHUT_RDWR);
      ::close(fd);
    };
    if (loop.in_loop_thread()) {
      drop();
    } else {
      loop.post(drop);
    }
  }
  if (on_released_) on_released_(status_);
}

void LoopResponse::on_loop(std::function<void(LoopResponse&)> work) {
  if (loop_.in_loop_thread()) {
    work(*this);
    return;
  }
  loop_.post([self = shared_from_this(), work = std::move(work)] { work(*self); });
}

void LoopResponse::begin(int status, const Headers& headers) {
  status_ = status;
  on_loop([head = cgi_response_head(status, headers)](LoopResponse& self) { self.append_stdout(head); });
}

bool LoopResponse::write(std::string_view data) {
  if (gone_) return false;
  if (!data.empty()) {
    on_loop([text = std::string(data)](LoopResponse& self) { self.append_stdout(text); });
  }
  return !gone_;
}

void LoopResponse::abort() {
  on_loop([](LoopResponse& self) {
    if (self.closed_) return;
    self.gone_ = true;
    ::shutdown(self.fd_, SHUT_RDWR);
    self.close_connection();
  });
}

void LoopResponse::finish() {
  on_loop([](LoopResponse& self) {
    if (self.closed_ || self.finishing_) return;
    append_record(self.unsent_, kStdout, self.request_id_, {});  // the end of the stdout stream
    const char end_request[8] = {0, 0, 0, 0, 0 /* request complete */, 0, 0, 0};
    append_record(self.unsent_, kEndRequest, self.request_id_, std::string_view(end_request, sizeof end_request));
    self.finishing_ = true;
    self.flush_at_end_of_turn();
  });
}

void LoopResponse::on_client_gone(std::function<void()> callback) {
  on_loop([callback = std::move(callback)](LoopResponse& self) mutable {
    if (self.closed_) {
      if (self.gone_) callback();
      return;
    }
    self.on_gone_ = std::move(callback);
  });
}

void LoopResponse::start_watching() {
  if (!closed_) watch(false);
}

void LoopResponse::watch(bool for_writing) {
  const std::uint32_t events = EPOLLIN | EPOLLRDHUP | (for_writing ? EPOLLOUT : 0u);
  loop_.watch(fd_, events, [weak = weak_from_this()](std::uint32_t ready) {
    if (const auto self = weak.lock()) self->on_events(ready);
  });
  watching_writes_ = for_writing;
}

// nginx sends nothing more after the request and closes its side only when the client went
// away (or it gave up on us): readable end-of-file, a hang-up or an error all mean "gone".
void LoopResponse::on_events(std::uint32_t events) {
  if (closed_) return;
  if ((events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) || ((events & EPOLLIN) && !discard_input(fd_))) {
    client_gone();
    return;
  }
  if (events & EPOLLOUT) flush();
}

void LoopResponse::append_stdout(std::string_view data) {
  if (closed_ || finishing_) return;
  for (std::size_t at = 0; at < data.size(); at += kMaxRecordContent) {
    append_record(unsent_, kStdout, request_id_, data.substr(at, kMaxRecordContent));
  }
  if (unsent_.size() > kMaxUnsentResponseBytes) {
    client_gone();  // it stopped reading long ago
    return;
  }
  flush_at_end_of_turn();
}

// The tokens of one network read of the model's answer, and a `done` with the end of the
// request, leave in one write instead of one each.
void LoopResponse::flush_at_end_of_turn() {
  if (flush_planned_ || watching_writes_) return;  // a full socket is flushed when it drains
  flush_planned_ = true;
  loop_.at_end_of_turn([self = shared_from_this()] {
    self->flush_planned_ = false;
    if (!self->closed_) self->flush();
  });
}

void LoopResponse::flush() {
  while (!unsent_.empty()) {
    const ssize_t sent = ::send(fd_, unsent_.data(), unsent_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent > 0) {
      unsent_.erase(0, static_cast<std::size_t>(sent));
    } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!watching_writes_) watch(true);
      return;
    } else if (sent < 0 && errno == EINTR) {
      continue;
    } else {
      client_gone();
      return;
    }
  }
  if (finishing_) {
    close_connection();
  } else if (watching_writes_) {
    watch(false);
  }
}

void LoopResponse::close_connection() {
  loop_.unwatch(fd_);
  discard_input(fd_);  // so that closing sends no reset that could cut the response short
  ::close(fd_);
  fd_ = -1;
  closed_ = true;
  unsent_.clear();
  on_gone_ = nullptr;  // it may own what owns this response
}

void LoopResponse::client_gone() {
  if (closed_) return;
  gone_ = true;
  const std::function<void()> callback = std::move(on_gone_);
  close_connection();
  if (callback) callback();
}

}  // namespace chat
