// The local answerer tried as visitors would: every question of tests/knowledge/questions.tsv
// (typos, slang, German, French and Spanish, questions off the company's topics) against the
// shipped config/knowledge.md and config/assistant.json. Prints its accuracy and every miss;
// fails below kRequiredAccuracy (README: Knowledge answers).
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <string>

#include "knowledge/knowledge_base.h"

namespace {

constexpr double kRequiredAccuracy = 0.9;

struct Case {
  std::string question;
  std::string expected;  // the section titles that would do, separated by '|', or "-" for none
};

std::vector<Case> read_cases() {
  std::ifstream in(std::string(CHAT_SOURCE_DIR) + "/tests/knowledge/questions.tsv");
  std::vector<Case> cases;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t tab = line.find('\t');
    if (tab != std::string::npos) cases.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return cases;
}

}  // namespace

TEST(KnowledgeQuestionsTest, TheLocalAnswererFindsTheRightSection) {
  std::string error;
  const auto kb = chat::KnowledgeBase::load_file(std::string(CHAT_SOURCE_DIR) + "/config/knowledge.md", &error);
  ASSERT_TRUE(kb) << error;
  const std::vector<Case> cases = read_cases();
  ASSERT_GE(cases.size(), 150u);
  std::size_t right = 0;
  for (const Case& c : cases) {
    const chat::LocalAnswer answer = kb->answer(c.question);
    const std::string got = answer.section_titles.empty() ? "-" : answer.section_titles.front();
    if (("|" + c.expected + "|").find("|" + got + "|") != std::string::npos) {
      ++right;
    } else {
      std::cout << "  miss: \"" << c.question << "\" -> " << got << " (expected " << c.expected << ")\n";
    }
  }
  const double accuracy = static_cast<double>(right) / static_cast<double>(cases.size());
  std::cout << "local answerer: " << right << " of " << cases.size() << " questions answered from the right section ("
            << static_cast<int>(accuracy * 1000 + 0.5) / 10.0 << "%)\n";
  EXPECT_GE(accuracy, kRequiredAccuracy);
}

TEST(KnowledgeQuestionsTest, AQuestionInGermanFrenchOrSpanishIsToldTheAnswerIsInEnglish) {
  std::string error;
  const auto kb = chat::KnowledgeBase::load_file(std::string(CHAT_SOURCE_DIR) + "/config/knowledge.md", &error);
  ASSERT_TRUE(kb) << error;
  const std::pair<const char*, const char*> cases[] = {
      {"Was kostet ein kleines Projekt?", "(Meine Antwort ist auf Englisch.)"},
      {"Combien coûte un projet ?", "(Ma réponse est en anglais.)"},
      {"¿Cuánto cuesta un proyecto?", "(Mi respuesta está en inglés.)"},
      {"Wie kann ich Sie kontaktieren?", "(Meine Antwort ist auf Englisch.)"},
  };
  for (const auto& [question, note] : cases) {
    const chat::LocalAnswer answer = kb->answer(question);
    EXPECT_TRUE(answer.text.starts_with(note)) << question << " -> " << answer.text.substr(0, 60);
    EXPECT_FALSE(answer.section_titles.empty()) << question;
  }
  EXPECT_FALSE(kb->answer("How much does a small project cost?").text.starts_with("("));
}
