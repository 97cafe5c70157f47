// Tests of the assistant's words file: what it must hold, what it refuses, filling its
// templates, and that another company's words change the answers without a line of C++.
#include "knowledge/assistant_words.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "json.h"
#include "knowledge/knowledge_base.h"

namespace chat {
namespace {

std::string real_words_json() {
  std::ifstream in(std::string(CHAT_SOURCE_DIR) + "/config/assistant.json");
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

Json::Value real_words_root() { return *json::parse_strict(real_words_json(), nullptr); }

// The real file (or `root`) with member `key` set to `value`.
std::string with_member(const std::string& key, const Json::Value& value, Json::Value root = real_words_root()) {
  root[key] = value;
  return json::to_string(root);
}

std::string without_member(const std::string& key) {
  Json::Value root = real_words_root();
  root.removeMember(key);
  return json::to_string(root);
}

Json::Value array(std::string_view text) { return *json::parse_strict(text, nullptr); }

std::string error_of(const std::string& json) {
  std::string error;
  EXPECT_FALSE(parse_assistant_words(json, &error).has_value());
  return error;
}

TEST(AssistantWordsTest, ReadsTheRealFile) {
  std::string error;
  const auto words = parse_assistant_words(real_words_json(), &error);
  ASSERT_TRUE(words.has_value()) << error;
  EXPECT_TRUE(words->stop_words.contains("the"));
  EXPECT_TRUE(words->greeting_words.contains("hello"));
  EXPECT_TRUE(words->thanks_words.contains("thanks"));
  const auto k8s = std::find_if(words->synonyms.begin(), words->synonyms.end(),
                                [](const Synonym& s) { return s.trigger == std::vector<std::string>{"k8s"}; });
  ASSERT_NE(k8s, words->synonyms.end());
  EXPECT_EQ(k8s->expansion, std::vector<std::string>{"kubernetes"});
  EXPECT_EQ(k8s->weight, 1.0);
  const auto how_much = std::find_if(words->synonyms.begin(), words->synonyms.end(), [](const Synonym& s) {
    return s.trigger == std::vector<std::string>{"how", "much"};
  });
  ASSERT_NE(how_much, words->synonyms.end());
  EXPECT_EQ(how_much->weight, kDefaultExpansionWeight);
}

TEST(AssistantWordsTest, RefusesMissingTextsUnknownKeysAndBadShapes) {
  EXPECT_EQ(error_of(without_member("greeting_reply")), "greeting_reply is missing");
  EXPECT_EQ(error_of(without_member("stop_words")), "stop_words is missing");
  EXPECT_EQ(error_of(without_member("synonyms")), "synonyms is missing");
  EXPECT_EQ(error_of(with_member("greting_reply", "Hi")), "unknown key greting_reply");
  EXPECT_EQ(error_of(with_member("unnamed_company", 7)), "unnamed_company must be a string");
  EXPECT_EQ(error_of(with_member("thanks_words", "thanks")), "thanks_words must be an array of words");
  EXPECT_EQ(error_of(with_member("synonyms", array(R"([{"triggers": []}])"))),
            "synonyms: each group needs triggers (words), expansion (text) and an optional weight");
  EXPECT_TRUE(error_of("[]").starts_with("not a JSON object"));
  EXPECT_TRUE(error_of("{").starts_with("not a JSON object"));
}

TEST(AssistantWordsTest, LoadNamesTheFile) {
  std::string error;
  EXPECT_FALSE(load_assistant_words("/nonexistent/assistant.json", &error).has_value());
  EXPECT_EQ(error, "cannot read /nonexistent/assistant.json");
}

TEST(AssistantWordsTest, FillTemplateReplacesKnownNamesOnly) {
  EXPECT_EQ(fill_template("About {company}: {title}", {{"company", "Acme"}, {"title", "Boats"}}), "About Acme: Boats");
  EXPECT_EQ(fill_template("{unknown} {company} {", {{"company", "Acme"}}), "{unknown} Acme {");
  EXPECT_EQ(fill_template("{company}{company}", {{"company", "{company}"}}), "{company}{company}");
}

TEST(AssistantWordsTest, AnotherCompanysWordsChangeTheAnswersNotTheCode) {
  const std::string json =
      with_member("greeting_words", array(R"(["hallo", "moin"])"),
                  *json::parse_strict(with_member("greeting_reply", "Hallo! Ich bin der Assistent von {company}."), nullptr));
  std::string error;
  const auto words = parse_assistant_words(json, &error);
  ASSERT_TRUE(words.has_value()) << error;
  const KnowledgeBase kb = KnowledgeBase::parse("# Brotfabrik\n## Brot\nWir backen Brot.\n", *words);
  EXPECT_EQ(kb.answer("Moin").text, "Hallo! Ich bin der Assistent von Brotfabrik.");
  EXPECT_TRUE(kb.answer("hello").section_titles.empty());
  EXPECT_NE(kb.answer("hello").text.find("I don't know"), std::string::npos);  // "hello" is no greeting here
}

}  // namespace
}  // namespace chat
