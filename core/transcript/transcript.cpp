// The one spelling of each Sender and Source, shared by SQL and JSON.
#include "transcript/transcript.h"

namespace chat {
namespace {

constexpr std::array<std::string_view, 2> kSenderNames = {"visitor", "bot"};
constexpr std::array<std::string_view, 4> kSourceNames = {"model", "knowledge", "fallback", "cache"};

template <typename Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Sender sender) { return kSenderNames.at(static_cast<std::size_t>(sender)); }

std::string_view to_string(Source source) { return kSourceNames.at(static_cast<std::size_t>(source)); }

std::optional<Sender> parse_sender(std::string_view text) { return parse_name<Sender>(kSenderNames, text); }

std::optional<Source> parse_source(std::string_view text) { return parse_name<Source>(kSourceNames, text); }

}  // namespace chat
