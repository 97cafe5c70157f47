// libcurl's multi interface on the event loop (see the header).
#include "model/curl_multi.h"

namespace chat {

CurlMulti::CurlMulti(EventLoop& loop) : loop_(loop), multi_(curl_multi_init()) {
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMulti::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMulti::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
}

CurlMulti::~CurlMulti() {
  for (const auto& [easy, finished] : running_) curl_multi_remove_handle(multi_, easy);
  curl_multi_cleanup(multi_);
}

void CurlMulti::add(CURL* easy, Finished finished) {
  running_.emplace(easy, std::move(finished));
  curl_multi_add_handle(multi_, easy);  // curl asks for its timer: the transfer starts there
}

void CurlMulti::remove(CURL* easy) {
  if (running_.erase(easy) == 0) return;
  curl_multi_remove_handle(multi_, easy);
}

// curl says which socket to wait on, for what; the loop then calls act() when it is ready.
int CurlMulti::on_socket(CURL*, curl_socket_t socket, int what, void* self, void*) {
  auto& multi = *static_cast<CurlMulti*>(self);
  if (what == CURL_POLL_REMOVE) {
    multi.loop_.unwatch(socket);
    return 0;
  }
  std::uint32_t events = 0;
  if (what & CURL_POLL_IN) events |= EPOLLIN;
  if (what & CURL_POLL_OUT) events |= EPOLLOUT;
  multi.loop_.watch(socket, events, [&multi, socket](std::uint32_t ready) {
    int flags = 0;
    if (ready & (EPOLLIN | EPOLLHUP)) flags |= CURL_CSELECT_IN;
    if (ready & EPOLLOUT) flags |= CURL_CSELECT_OUT;
    if (ready & EPOLLERR) flags |= CURL_CSELECT_ERR;
    multi.act(socket, flags);
  });
  return 0;
}

// curl's one timer; curl must not be called back into from here, so the timer's work is a
// loop timer of its own (delay 0: at the end of this loop turn).
int CurlMulti::on_timer(CURLM*, long timeout_ms, void* self) {
  auto& multi = *static_cast<CurlMulti*>(self);
  if (multi.timer_) multi.loop_.cancel_timer(*multi.timer_);
  multi.timer_.reset();
  if (timeout_ms >= 0) {
    multi.timer_ = multi.loop_.add_timer(std::chrono::milliseconds(timeout_ms), [&multi] {
      multi.timer_.reset();
      multi.act(CURL_SOCKET_TIMEOUT, 0);
    });
  }
  return 0;
}

void CurlMulti::act(curl_socket_t socket, int events) {
  int running = 0;
  curl_multi_socket_action(multi_, socket, events, &running);
  collect_finished();
}

void CurlMulti::collect_finished() {
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    CURL* easy = message->easy_handle;
    const CURLcode code = message->data.result;
    const auto found = running_.find(easy);
    if (found == running_.end()) continue;
    Finished finished = std::move(found->second);
    running_.erase(found);
    curl_multi_remove_handle(multi_, easy);
    finished(code);  // may add transfers (a retry): info_read copes
  }
}

}  // namespace chat
