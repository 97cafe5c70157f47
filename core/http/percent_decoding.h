// Percent-decoding (RFC 3986) shared by the database URL and query-string parsers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chat {

// Decodes %XX escapes, and '+' as a space when `plus_is_space` (form encoding); nullopt on a
// malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace chat
