// Decoding of a URL query string ("from=2026-11-01&q=caf%C3%A9+menu") into name/value pairs.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chat {

using QueryParameters = std::vector<std::pair<std::string, std::string>>;

// Splits at '&' and '=', turns '+' into a space and decodes %XX escapes (names and values).
// Empty pieces ("a=1&&b=2") are skipped. Throws BadInput on a malformed escape.
QueryParameters parse_query_string(std::string_view query);

}  // namespace chat
