// BM25 over the knowledge sections, with an inverted index: each question term is looked up
// once. A title's words weigh more than its body's.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "knowledge/knowledge_document.h"
#include "knowledge/question_terms.h"

namespace chat {

class SectionIndex {
 public:
  struct Scored {
    std::size_t section;  // index into the sections it was built from
    double score;
  };

  SectionIndex() = default;
  SectionIndex(const std::vector<KnowledgeSection>& sections, const std::unordered_set<std::string>& stop_words);

  // Sections with a body that match at least one term, best first; ties keep file order.
  std::vector<Scored> rank(const TermWeights& query) const;

  // True when some section has the (stemmed) term.
  bool contains(const std::string& term) const { return index_.contains(term); }

  // The indexed term nearest to `term` within `limit` edits (the smallest first), if any.
  std::optional<std::string> nearest_term(const std::string& term, std::size_t limit) const;

 private:
  // A term's inverse document frequency and its weighted count in each section that has it.
  struct Postings {
    double idf = 0.0;
    std::vector<std::pair<std::size_t, double>> sections;  // (section, term frequency)
  };

  std::unordered_map<std::string, Postings> index_;
  std::vector<double> length_norms_;  // BM25's length normalisation of each section
  std::vector<bool> has_body_;
};

}  // namespace chat
