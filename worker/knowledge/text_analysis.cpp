// Text analysis for the local answerer (see the header).
#include "knowledge/text_analysis.h"

#include <algorithm>

namespace chat {
namespace {

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

char to_lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool has_vowel(std::string_view s) { return s.find_first_of("aeiouy") != std::string_view::npos; }

std::string strip_plural(std::string w) {
  const std::size_t n = w.size();
  if (n > 4 && w.ends_with("ies")) return w.substr(0, n - 3) + "y";
  const bool sibilant_es = w.ends_with("sses") || w.ends_with("shes") || w.ends_with("ches") ||
                           w.ends_with("xes") || w.ends_with("zes");
  if (n > 4 && sibilant_es) return w.substr(0, n - 2);
  const bool keep_s = w.ends_with("ss") || (n >= 5 && (w.ends_with("us") || w.ends_with("is")));
  if (n > 3 && w.ends_with('s') && !keep_s) w.pop_back();
  return w;
}

// Strips "ing" / "ed"; returns false when the word has neither.
bool strip_verb_suffix(std::string& w) {
  std::size_t cut = 0;
  if (w.size() >= 6 && w.ends_with("ing")) cut = 3;
  else if (w.size() >= 5 && w.ends_with("ed") && !w.ends_with("eed")) cut = 2;
  if (cut == 0 || !has_vowel(std::string_view(w).substr(0, w.size() - cut))) return false;
  w = w.substr(0, w.size() - cut);
  const char last = w.back();
  const bool doubled = w.size() >= 3 && w[w.size() - 2] == last && !has_vowel(std::string_view(&last, 1));
  if (doubled && last != 'l' && last != 's' && last != 'z') w.pop_back();
  return true;
}

}  // namespace

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (char c : text) {
    if (is_word_byte(static_cast<unsigned char>(c))) {
      current += to_lower_ascii(c);
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

std::string stem(std::string w) {
  w = strip_plural(std::move(w));
  if (strip_verb_suffix(w)) return w;
  if (w.size() > 3 && w.back() == 'e' && w[w.size() - 2] != 'e') w.pop_back();
  return w;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), to_lower_ascii);
  return out;
}

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace chat
