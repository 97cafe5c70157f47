// Parsing and validation of the feedback and contact bodies (see the header).
#include "api/engagement_requests.h"

#include "api/request_fields.h"
#include "bad_input.h"
#include "worker_limits.h"

namespace chat {
namespace {

std::int64_t read_message_id(const Json::Value& root) {
  const Json::Value& id = root["message_id"];
  if (id.isNull()) throw BadInput("message_id is required");
  if (!id.isIntegral() || !id.isInt64() || id.asInt64() < 1) throw BadInput("message_id must be a positive integer");
  return id.asInt64();
}

Rating read_rating(const Json::Value& root) {
  const Json::Value& rating = root["rating"];
  if (rating.isNull()) throw BadInput("rating is required");
  if (rating.isString() && rating.asString() == "up") return Rating::up;
  if (rating.isString() && rating.asString() == "down") return Rating::down;
  throw BadInput("rating must be \"up\" or \"down\"");
}

}  // namespace

bool looks_like_email(std::string_view text) {
  const std::size_t at = text.find('@');
  if (at == 0 || at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) return false;
  const std::string_view domain = text.substr(at + 1);
  const std::size_t dot = domain.find('.');
  if (dot == 0 || dot == std::string_view::npos || domain.back() == '.') return false;
  for (const unsigned char c : text) {
    if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == '"' || c == ';') return false;
  }
  return true;
}

FeedbackRequest parse_feedback_request(std::string_view body) {
  const Json::Value root = parse_json_object(body);
  FeedbackRequest request;
  auto session_id = read_session_id(root);
  if (!session_id) throw BadInput("session_id is required");
  request.session_id = std::move(*session_id);
  request.message_id = read_message_id(root);
  request.rating = read_rating(root);
  request.comment = read_optional_text(root, "comment", kMaxFeedbackCommentChars, "comment");
  return request;
}

ContactRequest parse_contact_request(std::string_view body, std::size_t max_message_chars) {
  const Json::Value root = parse_json_object(body);
  ContactRequest request;
  request.session_id = read_session_id(root);
  request.name = read_required_text(root, "name", kMaxVisitorNameChars);
  request.email = read_required_text(root, "email", kMaxVisitorEmailChars);
  if (!looks_like_email(request.email)) throw BadInput("email must be an address such as name@example.com");
  request.message = read_required_text(root, "message", max_message_chars);
  return request;
}

}  // namespace chat
