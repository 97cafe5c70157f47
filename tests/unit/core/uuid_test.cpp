// Tests of session id generation and validation.
#include "uuid.h"

#include <gtest/gtest.h>

#include <set>

TEST(UuidTest, NewIdsAreVersion4AndValid) {
  const std::string id = chat::new_uuid_v4();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_TRUE(chat::is_uuid(id));
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
  for (char c : id) EXPECT_FALSE(c >= 'A' && c <= 'Z');
}

TEST(UuidTest, NewIdsDoNotRepeat) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(chat::new_uuid_v4());
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(UuidTest, AcceptsCanonicalFormInEitherCase) {
  EXPECT_TRUE(chat::is_uuid("3f6c1a2b-0c1d-4e5f-8a9b-0c1d2e3f4a5b"));
  EXPECT_TRUE(chat::is_uuid("3F6C1A2B-0C1D-4E5F-8A9B-0C1D2E3F4A5B"));
}

TEST(UuidTest, RejectsAnythingElse) {
  EXPECT_FALSE(chat::is_uuid(""));
  EXPECT_FALSE(chat::is_uuid("not-a-uuid"));
  EXPECT_FALSE(chat::is_uuid("3f6c1a2b0c1d4e5f8a9b0c1d2e3f4a5b"));        // no dashes
  EXPECT_FALSE(chat::is_uuid("3f6c1a2b-0c1d-4e5f-8a9b-0c1d2e3f4a5"));     // short
  EXPECT_FALSE(chat::is_uuid("3f6c1a2b-0c1d-4e5f-8a9b-0c1d2e3f4a5bb"));   // long
  EXPECT_FALSE(chat::is_uuid("3f6c1a2b-0c1d-4e5f-8a9b-0c1d2e3f4a5g"));    // not hex
  EXPECT_FALSE(chat::is_uuid("3f6c1a2b-0c1d-4e5f-8a9b_0c1d2e3f4a5b"));    // wrong separator
  EXPECT_FALSE(chat::is_uuid("'; DROP TABLE chat_sessions; --xxxxxxxx"));
}
