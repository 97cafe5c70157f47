// Text analysis for the local answerer (see the header).
#include "knowledge/text_analysis.h"

#include <algorithm>
#include <vector>

namespace chat {
namespace {

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// The length of the UTF-8 punctuation or space at text[i] (Latin-1's U+00A0 to U+00BF but the
// ordinals, U+00D7, U+00F7, and General Punctuation, U+2000 to U+206F), or 0.
std::size_t punctuation_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0; };
  if (byte(0) == 0xC2 && byte(1) >= 0xA0 && byte(1) <= 0xBF && byte(1) != 0xAA && byte(1) != 0xBA) return 2;
  if (byte(0) == 0xC3 && (byte(1) == 0x97 || byte(1) == 0xB7)) return 2;
  if (byte(0) == 0xE2 && byte(1) == 0x80 && byte(2) >= 0x80 && byte(2) <= 0xBF) return 3;
  if (byte(0) == 0xE2 && byte(1) == 0x81 && byte(2) >= 0x80 && byte(2) <= 0xAF) return 3;
  return 0;
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
  const auto end_word = [&] {
    if (!current.empty()) words.push_back(std::move(current));
    current.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (const std::size_t length = punctuation_length(text, i)) {
      end_word();
      i += length - 1;
    } else if (is_word_byte(static_cast<unsigned char>(text[i]))) {
      current += to_lower_ascii(text[i]);
    } else {
      end_word();
    }
  }
  end_word();
  return words;
}

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit) {
  const std::size_t longer = std::max(a.size(), b.size()), shorter = std::min(a.size(), b.size());
  if (longer - shorter > limit) return limit + 1;
  // Optimal string alignment: three rows of the table.
  std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    std::size_t best = row[0];
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) row[j] = std::min(row[j], before[j - 2] + 1);
      best = std::min(best, row[j]);
    }
    if (best > limit) return limit + 1;
    before.swap(previous);
    previous.swap(row);
  }
  return std::min(previous[b.size()], limit + 1);
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
