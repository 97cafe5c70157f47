// The admin search text `q`, in the two forms the searches use: a MariaDB full-text query in
// boolean mode (every word required, each as a prefix: "kube" finds "Kubernetes"; operators cannot
// be injected: only words pass) for the FULLTEXT indexes, and a condition on one row's text with
// the same meaning, for scanning the newest rows without the index (admin_search_scan.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "admin_limits.h"

namespace chat {

// "café menu!" -> "+café* +menu*". Words are runs of letters, digits and '_' (any non-ASCII
// character counts as a letter); shorter words are left out. Throws BadInput when q is
// not UTF-8, longer than kMaxSearchChars, or has no word of kMinSearchWordChars characters.
std::string fulltext_boolean_query(std::string_view q);

// The words of a query made by fulltext_boolean_query: "+café* +menu*" -> {"café", "menu"}.
std::vector<std::string> fulltext_words(std::string_view boolean_query);

// An SQL condition, true when the text of the SQL expression `text` has every one of `words`
// words at the start of one of its words, as InnoDB's full-text parser splits it (runs of
// letters, digits and '_') and compares it (the column's collation: case and accents ignored). A cheap LIKE '%word%' rules most rows out
// before the word boundaries are checked. It has 2 * words placeholders, bound in order to the
// values of words_condition_values.
std::string words_condition(const std::string& text, std::size_t words);
std::vector<std::string> words_condition_values(const std::vector<std::string>& words);

}  // namespace chat
