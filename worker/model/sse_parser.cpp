// An incremental parser of server-sent events (see the header).
#include "model/sse_parser.h"

namespace chat {

bool SseParser::feed(std::string_view chunk) {
  if (failed_) return false;
  for (const char c : chunk) {
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') continue;  // "\r\n" is one line end
    }
    if (c == '\r' || c == '\n') {
      after_cr_ = c == '\r';
      take_line(line_);
      line_.clear();
    } else {
      line_.push_back(c);
    }
    if (line_.size() + pending_.data.size() + pending_.event.size() > max_event_bytes_) {
      failed_ = true;
      return false;
    }
  }
  return true;
}

void SseParser::finish() {
  if (failed_) return;
  if (!line_.empty()) take_line(line_);
  line_.clear();
  dispatch();
}

void SseParser::take_line(std::string_view line) {
  if (line.empty()) {
    dispatch();
    return;
  }
  if (line.front() == ':') return;  // a comment (keep-alive)
  const std::size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) pending_.data.push_back('\n');
    pending_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    pending_.event = std::string(value);
  }  // "id", "retry" and unknown fields do not matter here
}

void SseParser::dispatch() {
  if (has_data_) on_event_(pending_);
  pending_ = SseEvent{};
  has_data_ = false;
}

}  // namespace chat
