// Parsing and validation of the bodies of POST /api/chatbot/feedback/ and
// POST /api/chatbot/contact/ (contract section 6). Each throws BadInput naming the first problem.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"  // Rating

namespace chat {

struct FeedbackRequest {
  std::string session_id;              // a UUID in lowercase
  std::int64_t message_id = 0;         // positive
  Rating rating = Rating::up;
  std::optional<std::string> comment;  // trimmed, at most kMaxFeedbackCommentChars; none when empty
};

struct ContactRequest {
  std::optional<std::string> session_id;  // a UUID in lowercase, when sent
  std::string name;                       // at most kMaxVisitorNameChars
  std::string email;                      // looks like an address, at most kMaxVisitorEmailChars
  std::string message;                    // at most max_message_chars
};

FeedbackRequest parse_feedback_request(std::string_view body);
ContactRequest parse_contact_request(std::string_view body, std::size_t max_message_chars);

// One '@' between a non-empty local part and a domain with a dot inside, nothing that cannot be
// in an address (spaces, controls, angle brackets, commas, quotes): what a contact form checks.
bool looks_like_email(std::string_view text);

}  // namespace chat
