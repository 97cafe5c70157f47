// UTF-8 validation and code point counting for untrusted visitor input.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace chat {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view text);

// Number of code points in `text`, or nullopt when it is not valid UTF-8.
std::optional<std::size_t> utf8_length(std::string_view text);

// The longest prefix of `text` that ends on a code point boundary and holds at most `max_bytes`.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

}  // namespace chat
