// libcurl's multi interface driven by the event loop: every model transfer of the process runs
// on the loop's thread at once, each socket watched in epoll and curl's one timer kept as a
// loop timer, so thousands of calls wait on the model without a thread each. The multi handle
// keeps the connections between transfers and, when the model service speaks HTTP/2, runs
// concurrent transfers as streams of one connection.
#pragma once

#include <curl/curl.h>

#include <functional>
#include <optional>
#include <unordered_map>

#include "async/event_loop.h"

namespace chat {

class CurlMulti {
 public:
  using Finished = std::function<void(CURLcode)>;

  explicit CurlMulti(EventLoop& loop);
  ~CurlMulti();  // after the loop has stopped
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // On the loop's thread only, and never from inside a libcurl callback.
  // Starts `easy`; `finished` runs once, on the loop, when it ends (unless removed first).
  void add(CURL* easy, Finished finished);
  // Stops `easy` where it is; its `finished` does not run.
  void remove(CURL* easy);

 private:
  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* self, void* socket_data);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  void act(curl_socket_t socket, int events);
  void collect_finished();

  EventLoop& loop_;
  CURLM* multi_;
  std::optional<EventLoop::TimerId> timer_;
  std::unordered_map<CURL*, Finished> running_;
};

}  // namespace chat
