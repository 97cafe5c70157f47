// Parsing and validation of the body of POST /api/chatbot/ask/.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"  // VisitorInfo
#include "worker_limits.h"

namespace chat {

struct AskRequest {
  std::string message;                    // trimmed, non-empty, at most max_message_chars
  std::optional<std::string> session_id;  // a UUID in lowercase, when the client sent one
  VisitorInfo visitor;
};

// Parses `body`; throws BadInput naming the first problem found.
AskRequest parse_ask_request(std::string_view body, std::size_t max_message_chars);

}  // namespace chat
