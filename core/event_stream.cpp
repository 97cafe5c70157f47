// Server-sent events to the browser (see the header).
#include "event_stream.h"

#include "json.h"

namespace chat {

std::string format_sse_event(std::string_view name, const Json::Value& data) {
  std::string event = "event: ";
  event.append(name).append("\ndata: ").append(json::to_string(data)).append("\n\n");
  return event;
}

void EventStream::begin() {
  out_.begin(200, {{"Content-Type", "text/event-stream; charset=utf-8"},
                   {"Cache-Control", "no-cache"},
                   {"X-Accel-Buffering", "no"}});
}

bool EventStream::send(std::string_view name, const Json::Value& data) {
  return out_.write(format_sse_event(name, data));
}

}  // namespace chat
