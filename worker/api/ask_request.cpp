// Parsing and validation of the body of POST /api/chatbot/ask/.
#include "api/ask_request.h"

#include <algorithm>
#include <cctype>

#include "bad_input.h"
#include "json.h"
#include "utf8.h"
#include "uuid.h"

namespace chat {
namespace {

[[noreturn]] void reject(const std::string& message) { throw BadInput(message); }

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string read_message(const Json::Value& root, std::size_t max_chars) {
  const Json::Value& message = root["message"];
  if (message.isNull()) reject("message is required");
  if (!message.isString()) reject("message must be a string");
  const std::string raw = message.asString();
  const std::string_view text = trim(raw);
  if (text.empty()) reject("message must not be empty");
  const auto length = utf8_length(text);
  if (!length) reject("message must be valid UTF-8");  // a lone surrogate's escape decodes to such bytes
  if (*length > max_chars) {
    reject("message must be at most " + std::to_string(max_chars) + " characters");
  }
  return std::string(text);
}

std::optional<std::string> read_session_id(const Json::Value& root) {
  const Json::Value& session_id = root["session_id"];
  if (session_id.isNull()) return std::nullopt;
  if (!session_id.isString()) reject("session_id must be a string");
  std::string id = session_id.asString();
  if (id.empty()) return std::nullopt;
  if (!is_uuid(id)) reject("session_id must be a UUID");
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return id;
}

std::optional<std::string> read_visitor_field(const Json::Value& info, const char* name,
                                              std::size_t max_chars) {
  const Json::Value& value = info[name];
  if (value.isNull()) return std::nullopt;
  if (!value.isString()) reject(std::string("visitor_info.") + name + " must be a string");
  const std::string raw = value.asString();
  const std::string_view text = trim(raw);
  const auto length = utf8_length(text);
  if (!length) reject(std::string("visitor_info.") + name + " must be valid UTF-8");
  if (*length > max_chars) {
    reject(std::string("visitor_info.") + name + " must be at most " + std::to_string(max_chars) +
           " characters");
  }
  if (text.empty()) return std::nullopt;
  return std::string(text);
}

VisitorInfo read_visitor_info(const Json::Value& root) {
  const Json::Value& info = root["visitor_info"];
  if (info.isNull()) return {};
  if (!info.isObject()) reject("visitor_info must be an object");
  return {read_visitor_field(info, "name", kMaxVisitorNameChars),
          read_visitor_field(info, "email", kMaxVisitorEmailChars)};
}

}  // namespace

AskRequest parse_ask_request(std::string_view body, std::size_t max_message_chars) {
  if (!is_valid_utf8(body)) reject("body must be valid UTF-8");
  std::string error;
  const auto root = json::parse_strict(body, &error);
  if (!root) reject("body must be valid JSON");
  if (!root->isObject()) reject("body must be a JSON object");
  AskRequest request;
  request.message = read_message(*root, max_message_chars);
  request.session_id = read_session_id(*root);
  request.visitor = read_visitor_info(*root);
  return request;
}

}  // namespace chat
