// libFuzzer target for the feedback and contact bodies (POST /api/chatbot/feedback/ and
// /api/chatbot/contact/): any bytes are either refused with BadInput or give a request that may be
// stored as is: UTF-8 text within its limits, a UUID session id, a positive message id, an email
// that looks like an address. Built and run by scripts/fuzz.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/engagement_requests.h"
#include "bad_input.h"
#include "utf8.h"
#include "uuid.h"
#include "worker_limits.h"

namespace {

constexpr std::size_t kMaxChars = 50;

bool within(const std::string& text, std::size_t max_chars) {
  const auto length = chat::utf8_length(text);
  return length && *length > 0 && *length <= max_chars;
}

void check_feedback(std::string_view body) {
  try {
    const chat::FeedbackRequest rated = chat::parse_feedback_request(body);
    if (!chat::is_uuid(rated.session_id) || rated.message_id < 1 ||
        (rated.comment && !within(*rated.comment, chat::kMaxFeedbackCommentChars))) {
      std::abort();
    }
  } catch (const chat::BadInput&) {
  }
}

void check_contact(std::string_view body) {
  try {
    const chat::ContactRequest contact = chat::parse_contact_request(body, kMaxChars);
    if ((contact.session_id && !chat::is_uuid(*contact.session_id)) || !within(contact.name, chat::kMaxVisitorNameChars) ||
        !within(contact.email, chat::kMaxVisitorEmailChars) || !chat::looks_like_email(contact.email) ||
        !within(contact.message, kMaxChars)) {
      std::abort();
    }
  } catch (const chat::BadInput&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  check_feedback(body);
  check_contact(body);
  return 0;
}
