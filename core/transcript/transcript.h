// A conversation as both programs read it: the session, its visitor and its messages, with the
// typed values a message carries (who sent it, where an answer came from).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat {

// Who wrote a message. Spelled the same in SQL (chat_messages.sender) and in JSON.
enum class Sender { visitor, bot };

// Where an answer came from (contract section 3). Spelled the same in SQL and in JSON.
enum class Source { model, knowledge, fallback, cache };
inline constexpr std::array<Source, 4> kAllSources = {Source::model, Source::knowledge,
                                                      Source::fallback, Source::cache};

std::string_view to_string(Sender sender);
std::string_view to_string(Source source);
// The value a spelling names; nullopt for any other text.
std::optional<Sender> parse_sender(std::string_view text);
std::optional<Source> parse_source(std::string_view text);

struct VisitorInfo {
  std::optional<std::string> name;
  std::optional<std::string> email;
};

struct StoredMessage {
  std::int64_t id = 0;
  Sender sender = Sender::visitor;
  std::string text;
  std::string created_at;  // ISO 8601 UTC
  std::optional<std::int64_t> response_time_ms;  // bot messages only
  std::optional<Source> source;                  // bot messages only
};

struct Transcript {
  std::string session_id;
  std::string created_at;
  std::string updated_at;
  VisitorInfo visitor;
  std::vector<StoredMessage> messages;  // in the order they were stored
  std::int64_t version = 0;  // changes whenever the session changes (sql/005)
};

}  // namespace chat
