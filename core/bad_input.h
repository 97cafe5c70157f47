// The one way a parser says "this input is not acceptable": it throws BadInput with a message
// for the client. Parsers know nothing of HTTP; the handlers answer it with 400 bad_request.
#pragma once

#include <stdexcept>
#include <string>

namespace chat {

class BadInput : public std::runtime_error {
 public:
  explicit BadInput(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace chat
