// Parsing and validation of the body of POST /api/chatbot/ask/.
#include "api/ask_request.h"

#include "api/request_fields.h"
#include "bad_input.h"

namespace chat {
namespace {

VisitorInfo read_visitor_info(const Json::Value& root) {
  const Json::Value& info = root["visitor_info"];
  if (info.isNull()) return {};
  if (!info.isObject()) throw BadInput("visitor_info must be an object");
  return {read_optional_text(info, "name", kMaxVisitorNameChars, "visitor_info.name"),
          read_optional_text(info, "email", kMaxVisitorEmailChars, "visitor_info.email")};
}

}  // namespace

AskRequest parse_ask_request(std::string_view body, std::size_t max_message_chars) {
  const Json::Value root = parse_json_object(body);
  AskRequest request;
  request.message = read_required_text(root, "message", max_message_chars);
  request.session_id = read_session_id(root);
  request.visitor = read_visitor_info(root);
  return request;
}

}  // namespace chat
