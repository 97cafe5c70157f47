// A FastCGI response finished by the event loop after its serving thread moved on (an answer
// that waits on the model). The loop writes the FastCGI records itself, without blocking: a
// client that stops reading fills only its own buffer (bounded by kMaxUnsentResponseBytes),
// never stalls the loop or the other responses. The loop also watches the connection, so a
// visitor who hangs up is noticed at once, not at the next write.
//
// Every method may be called from any thread: work is handed to the loop in call order (run at
// once when called on the loop's own thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "async/event_loop.h"
#include "http/http.h"

namespace chat {

class LoopResponse final : public ResponseStream, public std::enable_shared_from_this<LoopResponse> {
 public:
  // Runs once the response is gone (finished, dropped, or its last owner let go of it), with
  // the status it was sent with (0: none was sent).
  using Released = std::function<void(int status)>;

  // Takes over `fd`, a FastCGI connection serving `request_id` with libfcgi's buffer flushed;
  // `begun_status`: the status its head was sent with already (0: not begun).
  static std::shared_ptr<LoopResponse> adopt(EventLoop& loop, int fd, int request_id, int begun_status,
                                             Released on_released);
  ~LoopResponse() override;

  void begin(int status, const Headers& headers) override;
  bool write(std::string_view data) override;
  bool begun() const override { return status_ != 0; }
  void abort() override;
  void finish() override;
  void on_client_gone(std::function<void()> callback) override;

 private:
  LoopResponse(EventLoop& loop, int fd, int request_id, int begun_status, Released on_released);
  void on_loop(std::function<void(LoopResponse&)> work);
  void start_watching();
  void append_stdout(std::string_view data);
  void flush_at_end_of_turn();
  void flush();
  void on_events(std::uint32_t events);
  void watch(bool for_writing);
  void close_connection();
  void client_gone();

  EventLoop& loop_;
  int fd_;
  const std::uint16_t request_id_;
  std::atomic<int> status_;  // sent with the head; 0 until then
  std::atomic<bool> gone_{false};  // the client hung up, or the response was dropped
  Released on_released_;
  // On the loop's thread only:
  std::string unsent_;
  bool finishing_ = false;       // END_REQUEST queued: close once all is sent
  bool closed_ = false;
  bool watching_writes_ = false;
  bool flush_planned_ = false;   // a flush at the end of this loop turn is planned
  std::function<void()> on_gone_;
};

}  // namespace chat
