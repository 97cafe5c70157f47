// A visitor's question as the section index reads it (see the header).
#include "knowledge/question_terms.h"

#include <algorithm>

#include "knowledge/text_analysis.h"

namespace chat {
namespace {

void add_term(TermWeights& terms, const std::string& word, double weight) {
  double& slot = terms[stem(word)];
  slot = std::max(slot, weight);
}

// Length (in words) of `trigger` matching at words[i], or 0.
std::size_t match_trigger(const std::vector<std::string>& words, std::size_t i, const std::vector<std::string>& trigger) {
  if (i + trigger.size() > words.size()) return 0;
  return std::equal(trigger.begin(), trigger.end(), words.begin() + static_cast<long>(i)) ? trigger.size() : 0;
}

// The longest synonym trigger at words[i] (the first listed among equals), or null; its length
// in *length.
const Synonym* longest_trigger(const std::vector<std::string>& words, std::size_t i,
                               const AssistantWords& vocabulary, std::size_t* length) {
  const Synonym* best = nullptr;
  *length = 0;
  for (const Synonym& synonym : vocabulary.synonyms) {
    const std::size_t n = match_trigger(words, i, synonym.trigger);
    if (n > *length) best = &synonym, *length = n;
  }
  return best;
}

// Adds the unit starting at words[i]; returns the words it consumed.
std::size_t add_unit(const std::vector<std::string>& words, std::size_t i, const AssistantWords& vocabulary,
                     QuestionTerms& question) {
  std::size_t length = 0;
  const Synonym* synonym = longest_trigger(words, i, vocabulary, &length);
  std::vector<std::string> unit;
  if (length <= 1 && !vocabulary.stop_words.contains(words[i])) {
    add_term(question.terms, words[i], 1.0);
    unit.push_back(stem(words[i]));
  }
  if (synonym != nullptr) {
    for (const std::string& w : synonym->expansion) {
      add_term(question.terms, w, synonym->weight);
      unit.push_back(stem(w));
    }
  }
  if (!unit.empty()) question.units.push_back(std::move(unit));
  return std::max<std::size_t>(length, 1);
}

}  // namespace

QuestionTerms read_question(const std::vector<std::string>& words, const AssistantWords& vocabulary) {
  QuestionTerms question;
  for (std::size_t i = 0; i < words.size();) i += add_unit(words, i, vocabulary, question);
  return question;
}

bool is_greeting(const std::vector<std::string>& words, const std::vector<std::string>& name_words,
                 const AssistantWords& vocabulary) {
  bool greeted = false;
  for (const std::string& w : words) {
    const bool is_name = std::find(name_words.begin(), name_words.end(), w) != name_words.end();
    const bool greeting = vocabulary.greeting_words.contains(w);
    if (!greeting && !vocabulary.greeting_filler.contains(w) && !is_name) return false;
    greeted = greeted || greeting;
  }
  return greeted;
}

bool says_thanks(const std::vector<std::string>& words, const AssistantWords& vocabulary) {
  return std::any_of(words.begin(), words.end(), [&](const std::string& w) { return vocabulary.thanks_words.contains(w); });
}

}  // namespace chat
