// IN lists of bound values, their placeholders rounded up to a power of two so that a few
// statements are prepared whatever the number of values; the extra places get a value the
// caller chooses that matches nothing.
#pragma once

#include <bit>
#include <cstddef>
#include <optional>
#include <string>

namespace chat {

// "(?, ?, ?, ?)" for n values (n > 0): std::bit_ceil(n) placeholders.
inline std::string in_list_placeholders(std::size_t n) {
  std::string out = "(?";
  for (std::size_t i = 1; i < std::bit_ceil(n); ++i) out.append(", ?");
  return out.append(")");
}

// Calls bind(i) for each of the n values in order, then bind(nullopt) for each extra place.
template <typename Bind>
void bind_in_list(std::size_t n, Bind bind) {
  for (std::size_t i = 0; i < std::bit_ceil(n); ++i) bind(i < n ? std::optional(i) : std::nullopt);
}

}  // namespace chat
