// The assistant's own words, read from config/assistant.json beside the knowledge file: the
// texts it answers with, the system prompt's wording, and the vocabulary the local answerer reads
// questions with (stop words, synonyms, greetings). Another company changes that file, not C++.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace chat {

// Synonym expansions count at this weight unless their group gives another.
inline constexpr double kDefaultExpansionWeight = 0.5;

// A trigger (lowercase words, matched exactly) adds `expansion` to a question at `weight`. An
// empty expansion claims an idiom ("work with" means "use", not "portfolio").
struct Synonym {
  std::vector<std::string> trigger;
  std::vector<std::string> expansion;
  double weight = kDefaultExpansionWeight;
};

struct AssistantWords {
  // Texts; {company}, {title}, {body} and {contact} are filled in (fill_template).
  std::string unnamed_company;              // {company} when knowledge.md has no '# ' name
  std::string intro_section_title;          // the text before the first '## ', with a company name
  std::string intro_section_title_unnamed;  // ... without one
  std::string contact_section_word;         // the section whose title has it holds contact details
  std::string system_prompt;                // followed by the knowledge sections
  std::string greeting_reply;
  std::string thanks_reply;
  std::string best_section;
  std::string second_section;
  std::string dont_know_with_contact;
  std::string dont_know_without_contact;
  std::string interrupted_note;   // between a cut model answer and the local one
  std::string visitor_left_note;  // ends the stored answer of a visitor who left mid-stream

  // Vocabulary, lowercase.
  std::unordered_set<std::string> stop_words;
  std::unordered_set<std::string> greeting_words;
  std::unordered_set<std::string> thanks_words;
  std::unordered_set<std::string> greeting_filler;  // may accompany a greeting ("good morning")
  std::vector<Synonym> synonyms;
};

// Parses the file's JSON; nullopt and a reason in *error when it is malformed, misses a text or
// has a key it does not know (keys named "about" or ending in "_about" are comments).
std::optional<AssistantWords> parse_assistant_words(std::string_view json, std::string* error);

// Reads and parses `path`; *error names the file on failure.
std::optional<AssistantWords> load_assistant_words(const std::string& path, std::string* error);

// `text` with each {name} replaced by its value; unknown names stay as they are.
std::string fill_template(std::string_view text,
                          std::initializer_list<std::pair<std::string_view, std::string_view>> values);

}  // namespace chat
