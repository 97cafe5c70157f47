// Tests of question normalisation for the answer cache.
#include "answers/question_key.h"

#include <gtest/gtest.h>

TEST(QuestionKeyTest, IgnoresCaseSpacesAndPunctuation) {
  EXPECT_EQ(chat::normalize_question("  What SERVICES, do you offer?! "), "what services do you offer");
  EXPECT_EQ(chat::normalize_question("what services do you offer"), "what services do you offer");
  EXPECT_EQ(chat::normalize_question("Ça coûte ?"), "Ça coûte");
}

TEST(QuestionKeyTest, HashIsStableHex) {
  const std::string hash = chat::question_hash("what services do you offer");
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash, chat::question_hash("what services do you offer"));
  EXPECT_NE(hash, chat::question_hash("what services do you offer too"));
}
