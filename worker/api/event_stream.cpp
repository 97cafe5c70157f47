// Server-sent events to the browser (see the header).
#include "api/event_stream.h"

namespace chat {

std::string format_sse_event(std::string_view name, std::string_view json) {
  std::string event;
  event.reserve(name.size() + json.size() + 16);
  event.append("event: ").append(name).append("\ndata: ").append(json).append("\n\n");
  return event;
}

void EventStream::begin() {
  out_.begin(200, {{"Content-Type", "text/event-stream; charset=utf-8"},
                   {"Cache-Control", "no-cache"},
                   {"X-Accel-Buffering", "no"}});
}

bool EventStream::send(std::string_view name, std::string_view json) {
  return out_.write(format_sse_event(name, json));
}

}  // namespace chat
