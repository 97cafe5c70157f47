// Company knowledge base for the website chatbot.
//
// Parses a Markdown knowledge file (one '## ' section per retrieval unit),
// builds the system prompt handed to a language model, and, when no model is
// configured, answers visitor questions locally with BM25 ranked retrieval
// over the sections (with light stemming and a small synonym table).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace chat {

struct KnowledgeSection {
  std::string title;
  std::string body;  // Markdown text under the heading, trimmed
};

struct LocalAnswer {
  std::string text;
  std::vector<std::string> section_titles;  // sections used; empty when none matched
};

class KnowledgeBase {
 public:
  // '# ' line gives the company name; text before the first '## ' becomes
  // section "About <company>" when non-empty; each '## ' heading starts a
  // section ('### ' and deeper stay inside their section).
  static KnowledgeBase parse(std::string_view markdown);

  // nullopt and *error ("cannot read PATH" / "no sections in PATH") on failure.
  static std::optional<KnowledgeBase> load_file(const std::string& path, std::string* error);

  const std::vector<KnowledgeSection>& sections() const;
  const std::string& company_name() const;

  // Role, rules and the knowledge sections verbatim, for a language model.
  std::string system_prompt() const;

  // Local retrieval answer. Thread-safe: const and without mutable state.
  LocalAnswer answer(std::string_view question) const;

 private:
  using TermCounts = std::unordered_map<std::string, double>;
  struct ScoredSection {
    std::size_t index;
    double score;
  };
  // A term's inverse document frequency and its weighted count in each section that has it.
  struct Postings {
    double idf = 0.0;
    std::vector<std::pair<std::size_t, double>> sections;  // (section index, term frequency)
  };

  void build_index();
  std::vector<ScoredSection> rank(const TermCounts& query) const;
  LocalAnswer from_sections(const std::vector<ScoredSection>& ranked) const;
  LocalAnswer dont_know() const;
  LocalAnswer greeting(std::string_view question) const;
  std::string display_name() const;

  std::string company_;
  std::vector<KnowledgeSection> sections_;
  // The inverted index: term -> postings; a title's words count kTitleWeight times.
  std::unordered_map<std::string, Postings> index_;
  std::vector<double> length_norms_;  // BM25's length normalisation of each section
};

}  // namespace chat
