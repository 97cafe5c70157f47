// Tests of the admin search text as a full-text boolean query (words only, no operators) and as
// the values of the per-row condition (its SQL runs against MariaDB in tests/mysql).
#include "search/admin_fulltext.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bad_input.h"

TEST(AdminFulltextTest, EveryWordIsARequiredPrefix) {
  EXPECT_EQ(chat::fulltext_boolean_query("Kubernetes"), "+Kubernetes*");
  EXPECT_EQ(chat::fulltext_boolean_query("  price   list "), "+price* +list*");
  EXPECT_EQ(chat::fulltext_boolean_query("ada@example.com"), "+ada* +example* +com*");
}

TEST(AdminFulltextTest, OperatorsAndQuotesCannotBeInjected) {
  EXPECT_EQ(chat::fulltext_boolean_query("-foo +bar \"baz qux\" (abc) ~def <ghi >jkl @8 x*"),
            "+foo* +bar* +baz* +qux* +abc* +def* +ghi* +jkl*");
  EXPECT_EQ(chat::fulltext_boolean_query("it's O'Brien"), "+Brien*");
}

TEST(AdminFulltextTest, NonAsciiWordsCountCharactersNotBytes) {
  EXPECT_EQ(chat::fulltext_boolean_query("caf\xC3\xA9"), "+caf\xC3\xA9*");
  EXPECT_EQ(chat::fulltext_boolean_query("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"), "+\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E*");
  EXPECT_THROW(chat::fulltext_boolean_query("\xC3\xA9\xC3\xA9"), chat::BadInput);  // two characters
}

TEST(AdminFulltextTest, ShortWordsAreLeftOutAndAllShortIsAnError) {
  EXPECT_EQ(chat::fulltext_boolean_query("is AI ready"), "+ready*");
  EXPECT_THROW(chat::fulltext_boolean_query("is AI"), chat::BadInput);
  EXPECT_THROW(chat::fulltext_boolean_query("   "), chat::BadInput);
  EXPECT_THROW(chat::fulltext_boolean_query("!!!"), chat::BadInput);
}

TEST(AdminFulltextTest, LengthAndEncodingAreBounded) {
  EXPECT_NO_THROW(chat::fulltext_boolean_query(std::string(200, 'a')));
  EXPECT_THROW(chat::fulltext_boolean_query(std::string(201, 'a')), chat::BadInput);
  EXPECT_THROW(chat::fulltext_boolean_query("bad \xFF byte"), chat::BadInput);
  std::string many;
  for (int i = 0; i < 20; ++i) many.append("word").append(std::to_string(i + 10)).append(" ");
  const std::string query = chat::fulltext_boolean_query(many);
  EXPECT_EQ(std::count(query.begin(), query.end(), '+'), 10);
}

TEST(AdminFulltextTest, WordsComeBackFromTheBooleanQuery) {
  EXPECT_EQ(chat::fulltext_words(chat::fulltext_boolean_query("Kubernetes, price_list café")),
            (std::vector<std::string>{"Kubernetes", "price_list", "caf\xC3\xA9"}));
}

TEST(AdminFulltextTest, ConditionValuesFindEachWordAnywhereThenAtAWordStart) {
  EXPECT_EQ(chat::words_condition_values({"kube", "my_db"}),
            (std::vector<std::string>{"%kube%", "%my\\_db%", "% kube%", "% my\\_db%"}));
  const std::string condition = chat::words_condition("m.message", 2);
  EXPECT_TRUE(condition.starts_with("(m.message LIKE ? AND m.message LIKE ? AND CONCAT(' ', REGEXP_REPLACE(m.message, "))
      << condition;
}
