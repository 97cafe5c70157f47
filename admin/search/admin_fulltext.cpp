// The admin search text as a full-text boolean query and as a condition on a row (see the header).
#include "search/admin_fulltext.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "bad_input.h"
#include "utf8.h"

namespace chat {
namespace {

bool is_word_byte(unsigned char c) { return c >= 0x80 || std::isalnum(c) || c == '_'; }

// The text (for '%') with a space in front and every run of separators of InnoDB's parser (any
// character but a letter, a digit or '_': "o'brien" is two words) made one space, so that " word"
// starts a word. PCRE, in UTF mode for utf8mb4 text.
constexpr std::string_view kSeparatedText = R"sql(CONCAT(' ', REGEXP_REPLACE(%, '[^\\p{L}\\p{N}_]+', ' ')))sql";

// A word as the literal part of a LIKE pattern: '_' is a wildcard there ('%' and '\' are in no word).
std::string like_literal(std::string_view word) {
  std::string out;
  for (const char c : word) {
    if (c == '_') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string fulltext_boolean_query(std::string_view q) {
  const auto length = utf8_length(q);
  if (!length) throw BadInput("q must be UTF-8");
  if (*length > kMaxSearchChars) {
    throw BadInput("q must be at most " + std::to_string(kMaxSearchChars) + " characters");
  }
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < q.size() && words.size() < kMaxSearchWords) {
    while (i < q.size() && !is_word_byte(static_cast<unsigned char>(q[i]))) ++i;
    const std::size_t start = i;
    while (i < q.size() && is_word_byte(static_cast<unsigned char>(q[i]))) ++i;
    const std::string_view word = q.substr(start, i - start);
    if (utf8_length(word).value_or(0) >= kMinSearchWordChars) words.push_back(word);
  }
  if (words.empty()) {
    throw BadInput("q must contain a word of at least " + std::to_string(kMinSearchWordChars) +
                               " letters or digits");
  }
  std::string query;
  for (const auto word : words) {
    if (!query.empty()) query.push_back(' ');
    query.append("+").append(word).append("*");
  }
  return query;
}

std::vector<std::string> fulltext_words(std::string_view boolean_query) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < boolean_query.size()) {
    const std::size_t end = std::min(boolean_query.find(' ', i), boolean_query.size());
    const std::string_view term = boolean_query.substr(i, end - i);  // "+word*"
    if (term.size() > 2) words.emplace_back(term.substr(1, term.size() - 2));
    i = end + 1;
  }
  return words;
}

std::string words_condition(const std::string& text, std::size_t words) {
  const std::size_t at = kSeparatedText.find('%');
  std::string separated(kSeparatedText.substr(0, at));
  separated.append(text).append(kSeparatedText.substr(at + 1));
  std::string condition = "(";
  for (std::size_t i = 0; i < words; ++i) condition.append(i ? " AND " : "").append(text).append(" LIKE ?");
  for (std::size_t i = 0; i < words; ++i) condition.append(" AND ").append(separated).append(" LIKE ?");
  return condition.append(")");
}

std::vector<std::string> words_condition_values(const std::vector<std::string>& words) {
  std::vector<std::string> values;
  for (const char* before : {"%", "% "}) {  // anywhere, then at the start of a word
    for (const auto& word : words) values.push_back(std::string(before).append(like_literal(word)).append("%"));
  }
  return values;
}

}  // namespace chat
