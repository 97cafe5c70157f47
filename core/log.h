// Structured logging: one JSON object a line on stderr. Never pass a secret or a visitor's text.
#pragma once

#include <json/value.h>

#include <string_view>

namespace chat::log {

enum class Level { debug, info, warn, error };

// Writes {"time", "level", "msg", ...fields} as one line; `fields` must be an object or null.
void write(Level level, std::string_view message, const Json::Value& fields = Json::Value());
// The same with the fields written as JSON members already ("\"a\":1,\"b\":\"x\"", as a
// JsonWriter writes them without begin_object): for lines written on every request.
void write_members(Level level, std::string_view message, std::string_view members);

inline void info(std::string_view message, const Json::Value& fields = Json::Value()) {
  write(Level::info, message, fields);
}
inline void warn(std::string_view message, const Json::Value& fields = Json::Value()) {
  write(Level::warn, message, fields);
}
inline void error(std::string_view message, const Json::Value& fields = Json::Value()) {
  write(Level::error, message, fields);
}

}  // namespace chat::log
