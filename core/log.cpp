// Structured logging: one JSON object a line on stderr, written with a single write(2).
#include "log.h"

#include <unistd.h>

#include "clock.h"
#include "json.h"

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
  Json::Value line(Json::objectValue);
  line["time"] = utc_now_iso8601();
  line["level"] = level_name(level);
  line["msg"] = std::string(message);
  if (fields.isObject()) {
    for (const auto& name : fields.getMemberNames()) line[name] = fields[name];
  }
  std::string text = json::to_string(line);
  text.push_back('\n');
  // One write keeps lines from different threads whole.
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, text.data(), text.size());
}

}  // namespace chat::log
