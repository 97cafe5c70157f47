// Server-sent events to the browser (contract section 3: session, token..., done or error),
// each flushed as it is written so nginx (unbuffered) passes it straight on.
#pragma once

#include <json/value.h>

#include <string>
#include <string_view>

#include "http.h"

namespace chat {

// "event: NAME\ndata: JSON\n\n" (the JSON is one line: compact output escapes newlines).
std::string format_sse_event(std::string_view name, const Json::Value& data);

class EventStream {
 public:
  explicit EventStream(ResponseStream& out) : out_(out) {}

  // Sends the 200 status and the event-stream headers.
  void begin();
  // False once the client has gone.
  bool send(std::string_view name, const Json::Value& data);

 private:
  ResponseStream& out_;
};

}  // namespace chat
