// Server-sent events to the browser (contract section 3: session, token..., done or error),
// each flushed as it is written so nginx (unbuffered) passes it straight on.
#pragma once

#include <string>
#include <string_view>

#include "http/http.h"

namespace chat {

// "event: NAME\ndata: JSON\n\n"; `json` must be one line (compact JSON escapes newlines).
std::string format_sse_event(std::string_view name, std::string_view json);

class EventStream {
 public:
  explicit EventStream(ResponseStream& out) : out_(out) {}

  // Sends the 200 status and the event-stream headers.
  void begin();
  // False once the client has gone.
  bool send(std::string_view name, std::string_view json);

 private:
  ResponseStream& out_;
};

}  // namespace chat
