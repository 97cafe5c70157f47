// The company's knowledge: loading, the system prompt and local answers (see the header).
#include "knowledge/knowledge_base.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "knowledge/question_terms.h"
#include "knowledge/text_analysis.h"

namespace chat {
namespace {

constexpr double kMinScore = 1.0;     // below this the best section is "no match"
constexpr double kSecondRatio = 0.8;  // include the runner-up when this close to the best
constexpr double kMinCoverage = 0.5;  // share of a question's units the index must know

// True when at least kMinCoverage of the question's units appear in the index, so one stray
// matching word does not hijack an unrelated question.
bool mostly_covered(const QuestionTerms& question, const SectionIndex& index) {
  std::size_t covered = 0;
  for (const std::vector<std::string>& unit : question.units) {
    const auto known = [&](const std::string& term) { return index.contains(term); };
    covered += std::any_of(unit.begin(), unit.end(), known) ? 1 : 0;
  }
  return static_cast<double>(covered) >= kMinCoverage * static_cast<double>(question.units.size());
}

// Typos tolerated: one edit in a word of 6 to 10 letters, two from 11 on. Shorter words and more
// edits turn real words into others ("teach" is one edit from "reach", "prediction" two from
// "production").
std::size_t typo_limit(const std::string& word) { return word.size() < 6 ? 0 : word.size() < 11 ? 1 : 2; }

bool is_trigger_word(const std::string& word, const AssistantWords& vocabulary) {
  return std::any_of(vocabulary.synonyms.begin(), vocabulary.synonyms.end(), [&](const Synonym& synonym) {
    return std::find(synonym.trigger.begin(), synonym.trigger.end(), word) != synonym.trigger.end();
  });
}

// The single-word trigger nearest to `word` within its typo limit (the first listed among
// equals), if any.
std::optional<std::string> nearest_trigger(const std::string& word, const AssistantWords& vocabulary) {
  std::optional<std::string> nearest;
  std::size_t best = typo_limit(word) + 1;
  for (const Synonym& synonym : vocabulary.synonyms) {
    if (synonym.trigger.size() != 1) continue;
    const std::size_t distance = edit_distance(word, synonym.trigger[0], typo_limit(word));
    if (distance < best) best = distance, nearest = synonym.trigger[0];
  }
  return nearest;
}

// The words with a misspelt one replaced by the trigger or indexed term it was meant to be
// ("pricng", "Pyhton", "kubernetees"). Known words, stop words and short words stay as they are.
std::vector<std::string> corrected(std::vector<std::string> words, const SectionIndex& index,
                                   const AssistantWords& vocabulary) {
  for (std::string& word : words) {
    if (typo_limit(word) == 0 || vocabulary.stop_words.contains(word) || is_trigger_word(word, vocabulary) ||
        index.contains(stem(word))) {
      continue;
    }
    if (auto trigger = nearest_trigger(word, vocabulary)) {
      word = std::move(*trigger);
    } else if (auto term = index.nearest_term(stem(word), typo_limit(word))) {
      word = std::move(*term);
    }
  }
  return words;
}

// The language of assistant.json's "languages" with the most marker words in the question (at
// least two, so that one shared word does not decide), or null: English, or unknown.
const LanguageNote* language_of(const std::vector<std::string>& words, const AssistantWords& vocabulary) {
  const LanguageNote* best = nullptr;
  std::size_t best_hits = 1;
  for (const LanguageNote& language : vocabulary.languages) {
    const auto hits = static_cast<std::size_t>(
        std::count_if(words.begin(), words.end(), [&](const std::string& w) { return language.words.contains(w); }));
    if (hits > best_hits) best = &language, best_hits = hits;
  }
  return best;
}

std::optional<std::string> read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  if (!in || !(content << in.rdbuf())) return std::nullopt;
  return content.str();
}

}  // namespace

KnowledgeBase KnowledgeBase::parse(std::string_view markdown, AssistantWords words) {
  return from_document(parse_knowledge_markdown(markdown), std::move(words));
}

KnowledgeBase KnowledgeBase::from_document(KnowledgeDocument document, AssistantWords words) {
  KnowledgeBase kb;
  kb.company_ = std::move(document.company);
  kb.words_ = std::move(words);
  kb.sections_ = std::move(document.sections);
  if (!document.intro.empty()) {
    const std::string title = kb.company_.empty()
                                  ? kb.words_.intro_section_title_unnamed
                                  : fill_template(kb.words_.intro_section_title, {{"company", kb.company_}});
    kb.sections_.insert(kb.sections_.begin(), {title, std::move(document.intro)});
  }
  kb.index_ = SectionIndex(kb.sections_, kb.words_.stop_words);
  return kb;
}

std::optional<KnowledgeBase> KnowledgeBase::load_file(const std::string& path, std::string* error) {
  const auto fail = [&](const std::string& message) {
    if (error != nullptr) *error = message;
    return std::nullopt;
  };
  const auto markdown = read_file(path);
  if (!markdown) return fail("cannot read " + path);
  KnowledgeDocument document = parse_knowledge_markdown(*markdown);
  if (document.sections.empty() && document.intro.empty()) return fail("no sections in " + path);
  const std::string words_path = (std::filesystem::path(path).parent_path() / kAssistantWordsFile).string();
  std::string reason;
  std::error_code ec;
  auto words = std::filesystem::exists(words_path, ec) ? load_assistant_words(words_path, &reason)
                                                      : parse_assistant_words(shipped_assistant_words_json(), &reason);
  if (!words) return fail(reason);
  return from_document(std::move(document), std::move(*words));
}

std::string KnowledgeBase::display_name() const { return company_.empty() ? words_.unnamed_company : company_; }

std::string KnowledgeBase::system_prompt() const {
  std::string prompt = fill_template(words_.system_prompt, {{"company", display_name()}});
  for (const KnowledgeSection& s : sections_) prompt += "\n## " + s.title + "\n\n" + s.body + "\n";
  return prompt;
}

LocalAnswer KnowledgeBase::from_sections(const std::vector<SectionIndex::Scored>& ranked) const {
  const KnowledgeSection& best = sections_[ranked[0].section];
  LocalAnswer out{fill_template(words_.best_section, {{"title", best.title}, {"body", best.body}}), {best.title}};
  if (ranked.size() > 1 && ranked[1].score >= kSecondRatio * ranked[0].score && ranked[1].score >= kMinScore &&
      sections_[ranked[1].section].title != best.title) {
    const KnowledgeSection& second = sections_[ranked[1].section];
    out.text += fill_template(words_.second_section, {{"title", second.title}, {"body", second.body}});
    out.section_titles.push_back(second.title);
  }
  return out;
}

LocalAnswer KnowledgeBase::dont_know() const {
  const std::string word = lowercase(words_.contact_section_word);
  const auto contact = std::find_if(sections_.begin(), sections_.end(), [&](const KnowledgeSection& s) {
    return !word.empty() && lowercase(s.title).find(word) != std::string::npos;
  });
  if (contact == sections_.end()) {
    return {fill_template(words_.dont_know_without_contact, {{"company", display_name()}}), {}};
  }
  return {fill_template(words_.dont_know_with_contact, {{"company", display_name()}, {"contact", contact->body}}), {}};
}

LocalAnswer KnowledgeBase::greeting(const std::vector<std::string>& words) const {
  const std::string& reply = says_thanks(words, words_) ? words_.thanks_reply : words_.greeting_reply;
  return {fill_template(reply, {{"company", display_name()}}), {}};
}

LocalAnswer KnowledgeBase::answer(std::string_view question) const {
  const std::vector<std::string> words = split_words(question);
  LocalAnswer out = answer_words(words);
  if (const LanguageNote* language = language_of(words, words_)) out.text = language->note + out.text;
  return out;
}

LocalAnswer KnowledgeBase::answer_words(const std::vector<std::string>& words) const {
  if (is_greeting(words, split_words(company_), words_)) return greeting(words);
  const QuestionTerms terms = read_question(corrected(words, index_, words_), words_);
  const std::vector<SectionIndex::Scored> ranked = index_.rank(terms.terms);
  if (ranked.empty() || ranked[0].score < kMinScore || !mostly_covered(terms, index_)) return dont_know();
  return from_sections(ranked);
}

}  // namespace chat
