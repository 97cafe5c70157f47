// Text analysis for the local answerer: words out of text and a light stemmer, so that
// "building boats" and "we build a boat" meet. Language-neutral apart from English suffixes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chat {

// Lowercased words; letters and digits form words, and bytes >= 0x80 count as letters so UTF-8
// words ("Zürich", "crème") survive whole, except the punctuation and spaces of Latin-1 and of
// General Punctuation ("¿Qué", "«prix»", "it’s", a no-break space), which part words.
std::vector<std::string> split_words(std::string_view text);

// The edit distance (insertions, deletions, substitutions, swaps of neighbours) of two words,
// counted in bytes, when at most `limit`; else limit + 1.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit);

// Light deterministic stemmer: plurals, then -ing/-ed, else a final silent 'e'.
std::string stem(std::string word);

// ASCII lowercase; other bytes unchanged.
std::string lowercase(std::string_view text);

// Without leading and trailing spaces, tabs and line ends.
std::string_view trim(std::string_view text);

}  // namespace chat
