// A visitor's question as the section index reads it: weighted stemmed terms (its content words
// and their synonyms) and the "units" that tell how much of the question the index knows; and
// whether the question is only a greeting or thanks.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "knowledge/assistant_words.h"

namespace chat {

// Stemmed term -> weight in the question.
using TermWeights = std::unordered_map<std::string, double>;

struct QuestionTerms {
  TermWeights terms;
  // One per content word or synonym phrase: the terms any of which would cover it.
  std::vector<std::vector<std::string>> units;
};

// `words` as split_words gives them. A single word counts itself plus its synonyms; a phrase
// ("how much") counts only its expansion, since its words mean something else on their own.
QuestionTerms read_question(const std::vector<std::string>& words, const AssistantWords& vocabulary);

// True when every word is a greeting, a greeting's filler or part of the company's name, and at
// least one is a greeting ("hello Acme", "good morning", "thanks a lot").
bool is_greeting(const std::vector<std::string>& words, const std::vector<std::string>& name_words,
                 const AssistantWords& vocabulary);

// True when a word says thanks.
bool says_thanks(const std::vector<std::string>& words, const AssistantWords& vocabulary);

}  // namespace chat
