// The company's knowledge: the Markdown knowledge file and the assistant's words beside it
// (assistant.json). It writes the system prompt handed to the model and, when there is no model
// or it failed, answers visitors' questions locally from the best-matching sections.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "knowledge/assistant_words.h"
#include "knowledge/knowledge_document.h"
#include "knowledge/section_index.h"

namespace chat {

// The assistant's words live in this file, in the knowledge file's directory.
inline constexpr std::string_view kAssistantWordsFile = "assistant.json";

struct LocalAnswer {
  std::string text;
  std::vector<std::string> section_titles;  // sections used; empty when none matched
};

class KnowledgeBase {
 public:
  KnowledgeBase() = default;  // no sections, no words

  // The text before the first '## ' becomes the section intro_section_title when non-empty.
  static KnowledgeBase parse(std::string_view markdown, AssistantWords words);

  // Reads `path` and the assistant.json beside it (the words shipped with the program when there
  // is none). nullopt and *error ("cannot read PATH", "no sections in PATH", "PATH: reason") on
  // failure.
  static std::optional<KnowledgeBase> load_file(const std::string& path, std::string* error);

  const std::vector<KnowledgeSection>& sections() const { return sections_; }
  const std::string& company_name() const { return company_; }
  const AssistantWords& words() const { return words_; }

  // The rules of assistant.json's system_prompt, then every section verbatim.
  std::string system_prompt() const;

  // Local answer: a greeting's reply, the best section (and a close second), or an honest "I
  // don't know" with the way to reach the company; asked in another language of assistant.json's
  // "languages", it says first, in that language, that it answers in English. Thread-safe:
  // const, no mutable state.
  LocalAnswer answer(std::string_view question) const;

 private:
  static KnowledgeBase from_document(KnowledgeDocument document, AssistantWords words);
  LocalAnswer answer_words(const std::vector<std::string>& words) const;
  LocalAnswer from_sections(const std::vector<SectionIndex::Scored>& ranked) const;
  LocalAnswer dont_know() const;
  LocalAnswer greeting(const std::vector<std::string>& words) const;
  std::string display_name() const;

  std::string company_;
  std::vector<KnowledgeSection> sections_;
  AssistantWords words_;
  SectionIndex index_;
};

}  // namespace chat
