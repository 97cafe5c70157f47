// An incremental parser of server-sent events (the WHATWG event-stream format) for the model
// service's streamed answers: network chunks may end anywhere, inside a line, an event or a UTF-8
// character; comment lines are ignored; an event over the size limit is an error.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "worker_limits.h"

namespace chat {

struct SseEvent {
  std::string event;  // "" when the stream named none ("message")
  std::string data;   // data lines joined with '\n'
};

class SseParser {
 public:
  using Handler = std::function<void(const SseEvent&)>;

  explicit SseParser(Handler on_event, std::size_t max_event_bytes = kMaxSseEventBytes)
      : on_event_(std::move(on_event)), max_event_bytes_(max_event_bytes) {}

  // Consumes a chunk; calls the handler for each event it completes. Returns false (and keeps
  // failing) once an event grows past the limit.
  bool feed(std::string_view chunk);

  // Dispatches an event left without its closing blank line at the end of the stream.
  void finish();

  bool failed() const { return failed_; }

 private:
  void take_line(std::string_view line);
  void dispatch();

  Handler on_event_;
  std::size_t max_event_bytes_;
  std::string line_;        // the current, unfinished line
  bool after_cr_ = false;   // the last chunk ended with '\r': a following '\n' belongs to it
  SseEvent pending_;
  bool has_data_ = false;
  bool failed_ = false;
};

}  // namespace chat
