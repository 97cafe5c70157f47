// The fields the visitor API's JSON bodies share, read and validated one way: a body that is
// valid UTF-8 and one JSON object, trimmed text within a length in characters (jsoncpp decodes a
// lone surrogate's escape to bytes that are not UTF-8: such text is refused), a session id.
// Each reader throws BadInput naming the field.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "json.h"

namespace chat {

// The body's JSON object.
Json::Value parse_json_object(std::string_view body);

// root[name] trimmed: nullopt when absent, null or empty; throws when it is not a string, not
// UTF-8 or longer than max_chars. `label` names the field in messages ("visitor_info.name").
std::optional<std::string> read_optional_text(const Json::Value& root, const char* name, std::size_t max_chars,
                                              const std::string& label);
// The same, required: absent or empty is refused too.
std::string read_required_text(const Json::Value& root, const char* name, std::size_t max_chars);

// root["session_id"] as a UUID in lowercase; nullopt when absent, null or empty.
std::optional<std::string> read_session_id(const Json::Value& root);

}  // namespace chat
