// BM25 over the knowledge sections (see the header).
#include "knowledge/section_index.h"

#include <algorithm>
#include <cmath>

#include "knowledge/text_analysis.h"

namespace chat {
namespace {

constexpr double kK1 = 1.2;           // BM25 term-frequency saturation
constexpr double kB = 0.75;           // BM25 length normalisation
constexpr double kTitleWeight = 3.0;  // a title word counts this many times

void add_index_terms(TermWeights& counts, std::string_view text, double weight,
                     const std::unordered_set<std::string>& stop_words) {
  for (const std::string& w : split_words(text)) {
    if (!stop_words.contains(w)) counts[stem(w)] += weight;
  }
}

}  // namespace

SectionIndex::SectionIndex(const std::vector<KnowledgeSection>& sections,
                           const std::unordered_set<std::string>& stop_words) {
  std::vector<double> lengths(sections.size(), 0.0);
  for (std::size_t i = 0; i < sections.size(); ++i) {
    TermWeights counts;
    add_index_terms(counts, sections[i].title, kTitleWeight, stop_words);
    add_index_terms(counts, sections[i].body, 1.0, stop_words);
    for (const auto& [term, tf] : counts) {
      lengths[i] += tf;
      index_[term].sections.emplace_back(i, tf);
    }
    has_body_.push_back(!sections[i].body.empty());
  }
  double total = 0.0;
  for (double length : lengths) total += length;
  const double average = std::max(sections.empty() ? 0.0 : total / static_cast<double>(sections.size()), 1.0);
  for (double length : lengths) length_norms_.push_back(kK1 * (1.0 - kB + kB * length / average));
  const double n = static_cast<double>(sections.size());
  for (auto& [term, postings] : index_) {
    const double df = static_cast<double>(postings.sections.size());
    postings.idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
  }
}

std::optional<std::string> SectionIndex::nearest_term(const std::string& term, std::size_t limit) const {
  std::optional<std::string> nearest;
  std::size_t best = limit + 1;
  for (const auto& [candidate, postings] : index_) {
    const std::size_t distance = edit_distance(term, candidate, limit);
    if (distance < best || (distance == best && distance <= limit && candidate < *nearest)) {
      best = distance;
      nearest = candidate;
    }
  }
  return nearest;
}

std::vector<SectionIndex::Scored> SectionIndex::rank(const TermWeights& query) const {
  std::vector<double> scores(has_body_.size(), 0.0);
  for (const auto& [term, weight] : query) {
    const auto found = index_.find(term);
    if (found == index_.end()) continue;
    for (const auto& [section, tf] : found->second.sections) {
      scores[section] += weight * found->second.idf * tf * (kK1 + 1.0) / (tf + length_norms_[section]);
    }
  }
  std::vector<Scored> ranked;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (has_body_[i] && scores[i] > 0.0) ranked.push_back({i, scores[i]});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const Scored& a, const Scored& b) { return a.score > b.score; });
  return ranked;
}

}  // namespace chat
