// The property both the SSE fuzzer and its corpus replay check: feeding a stream whole or split
// at any point gives the same events, and an oversized event fails the same way.
#pragma once

#include <string_view>
#include <vector>

#include "model/sse_parser.h"

namespace chat::fuzz {

struct ParseOutcome {
  std::vector<SseEvent> events;
  bool failed = false;
};

inline ParseOutcome parse_split(std::string_view stream, std::size_t split, std::size_t limit) {
  ParseOutcome outcome;
  SseParser parser([&](const SseEvent& event) { outcome.events.push_back(event); }, limit);
  outcome.failed = !parser.feed(stream.substr(0, split)) || !parser.feed(stream.substr(split));
  parser.finish();
  outcome.failed = outcome.failed || parser.failed();
  return outcome;
}

// True when every split of `stream` parses like the whole stream.
inline bool splits_agree(std::string_view stream, std::size_t split, std::size_t limit) {
  const ParseOutcome whole = parse_split(stream, stream.size(), limit);
  const ParseOutcome parts = parse_split(stream, split, limit);
  if (whole.failed != parts.failed) return false;
  if (whole.failed) return true;  // events before the failure may differ in count
  if (whole.events.size() != parts.events.size()) return false;
  for (std::size_t i = 0; i < whole.events.size(); ++i) {
    if (whole.events[i].data != parts.events[i].data || whole.events[i].event != parts.events[i].event) {
      return false;
    }
  }
  return true;
}

}  // namespace chat::fuzz
