// The fields the visitor API's JSON bodies share (see the header).
#include "api/request_fields.h"

#include <algorithm>
#include <cctype>

#include "bad_input.h"
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

}  // namespace

Json::Value parse_json_object(std::string_view body) {
  if (!is_valid_utf8(body)) reject("body must be valid UTF-8");
  std::string error;
  auto root = json::parse_strict(body, &error);
  if (!root) reject("body must be valid JSON");
  if (!root->isObject()) reject("body must be a JSON object");
  return std::move(*root);
}

std::optional<std::string> read_optional_text(const Json::Value& root, const char* name, std::size_t max_chars,
                                              const std::string& label) {
  const Json::Value& value = root[name];
  if (value.isNull()) return std::nullopt;
  if (!value.isString()) reject(label + " must be a string");
  const std::string raw = value.asString();
  const std::string_view text = trim(raw);
  const auto length = utf8_length(text);
  if (!length) reject(label + " must be valid UTF-8");
  if (*length > max_chars) reject(label + " must be at most " + std::to_string(max_chars) + " characters");
  if (text.empty()) return std::nullopt;
  return std::string(text);
}

std::string read_required_text(const Json::Value& root, const char* name, std::size_t max_chars) {
  if (root[name].isNull()) reject(std::string(name) + " is required");
  auto text = read_optional_text(root, name, max_chars, name);
  if (!text) reject(std::string(name) + " must not be empty");
  return std::move(*text);
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

}  // namespace chat
