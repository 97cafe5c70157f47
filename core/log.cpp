// Structured logging: one JSON object a line on stderr, written with a single write(2).
#include "log.h"

#include <unistd.h>

#include "clock.h"
#include "json.h"
#include "json_writer.h"

namespace chat::log {
namespace {

const char* level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

}  // namespace

void write(Level level, std::string_view message, const Json::Value& fields) {
  if (!fields.isObject() || fields.empty()) return write_members(level, message, {});
  const std::string object = json::to_string(fields);  // "{...}"
  write_members(level, message, std::string_view(object).substr(1, object.size() - 2));
}

void write_members(Level level, std::string_view message, std::string_view members) {
  JsonWriter line;
  line.begin_object().field("time", utc_now_iso8601()).field("level", level_name(level)).field("msg", message);
  if (!members.empty()) line.raw(members);
  line.end_object();
  std::string text = line.take();
  text.push_back('\n');
  // One write keeps lines from different threads whole.
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, text.data(), text.size());
}

}  // namespace chat::log
