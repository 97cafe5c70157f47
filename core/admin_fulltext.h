// The admin search text `q` as a MariaDB full-text query in boolean mode: every word required,
// each as a prefix ("kube" finds "Kubernetes"). Operators cannot be injected: only words pass.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chat {

inline constexpr std::size_t kMaxSearchChars = 200;
inline constexpr std::size_t kMaxSearchWords = 10;
// InnoDB indexes no word shorter than innodb_ft_min_token_size (3 by default).
inline constexpr std::size_t kMinSearchWordChars = 3;

// "café menu!" -> "+café* +menu*". Words are runs of letters, digits and '_' (any non-ASCII
// character counts as a letter); shorter words are left out. Throws ClientError(400) when q is
// not UTF-8, longer than kMaxSearchChars, or has no word of kMinSearchWordChars characters.
std::string fulltext_boolean_query(std::string_view q);

}  // namespace chat
