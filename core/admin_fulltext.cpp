// The admin search text as a full-text boolean query (see the header).
#include "admin_fulltext.h"

#include <cctype>
#include <vector>

#include "http.h"
#include "utf8.h"

namespace chat {
namespace {

bool is_word_byte(unsigned char c) { return c >= 0x80 || std::isalnum(c) || c == '_'; }

}  // namespace

std::string fulltext_boolean_query(std::string_view q) {
  const auto length = utf8_length(q);
  if (!length) throw ClientError(400, "q must be UTF-8");
  if (*length > kMaxSearchChars) {
    throw ClientError(400, "q must be at most " + std::to_string(kMaxSearchChars) + " characters");
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
    throw ClientError(400, "q must contain a word of at least " + std::to_string(kMinSearchWordChars) +
                               " letters or digits");
  }
  std::string query;
  for (const auto word : words) {
    if (!query.empty()) query.push_back(' ');
    query.append("+").append(word).append("*");
  }
  return query;
}

}  // namespace chat
