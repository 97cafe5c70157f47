// Decoding of a URL query string into name/value pairs (see the header).
#include "admin_query_string.h"

#include "bad_input.h"
#include "http/percent_decoding.h"

namespace chat {
namespace {

std::string decode_component(std::string_view text) {
  auto decoded = percent_decode(text, /*plus_is_space=*/true);
  if (!decoded) throw BadInput("malformed %-escape in the query string");
  return std::move(*decoded);
}

}  // namespace

QueryParameters parse_query_string(std::string_view query) {
  QueryParameters parameters;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;
    const std::size_t equals = piece.find('=');
    const std::string_view name = piece.substr(0, equals);
    const std::string_view value =
        equals == std::string_view::npos ? std::string_view() : piece.substr(equals + 1);
    parameters.emplace_back(decode_component(name), decode_component(value));
  }
  return parameters;
}

}  // namespace chat
