// Text analysis for the local answerer: words out of text and a light stemmer, so that
// "building boats" and "we build a boat" meet. Language-neutral apart from English suffixes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chat {

// Lowercased words; letters and digits form words, and bytes >= 0x80 count as letters so UTF-8
// words ("Zürich", "crème") survive whole.
std::vector<std::string> split_words(std::string_view text);

// Light deterministic stemmer: plurals, then -ing/-ed, else a final silent 'e'.
std::string stem(std::string word);

// ASCII lowercase; other bytes unchanged.
std::string lowercase(std::string_view text);

// Without leading and trailing spaces, tabs and line ends.
std::string_view trim(std::string_view text);

}  // namespace chat
