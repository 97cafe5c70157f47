// libFuzzer target for the admin search text: any bytes are refused, or become a boolean-mode
// full-text query of required prefix words only ("+word* +word*"), so no operator of MariaDB's
// full-text syntax (quotes, -, ~, <, >, parentheses, @) can be injected; its words read back.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bad_input.h"
#include "search/admin_fulltext.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string query;
  try {
    query = chat::fulltext_boolean_query(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const chat::BadInput&) {
    return 0;
  }
  for (const char c : query) {
    if (std::string_view("\"-~<>()@").find(c) != std::string_view::npos) std::abort();
  }
  const auto words = chat::fulltext_words(query);
  if (words.empty()) std::abort();
  std::string rebuilt;
  for (const std::string& word : words) {
    if (word.empty()) std::abort();
    rebuilt += (rebuilt.empty() ? "+" : " +") + word + "*";
  }
  if (rebuilt != query) std::abort();
  chat::words_condition_values(words);
  return 0;
}
