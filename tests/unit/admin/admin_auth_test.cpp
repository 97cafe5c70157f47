// Tests of the admin bearer token check and of which tokens may be configured.
#include "admin_auth.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

constexpr const char* kToken = "s3cret-Token_value.0123456789";

}  // namespace

TEST(AdminAuthTest, AcceptsTheRightBearerToken) {
  const chat::AdminToken token{std::string(kToken)};
  EXPECT_TRUE(token.configured());
  EXPECT_TRUE(token.accepts(std::string("Bearer ") + kToken));
  EXPECT_TRUE(token.accepts(std::string("bearer ") + kToken));
  EXPECT_TRUE(token.accepts(std::string("BEARER ") + kToken));
}

TEST(AdminAuthTest, RefusesEverythingElse) {
  const chat::AdminToken token{std::string(kToken)};
  const std::string right(kToken);
  const std::vector<std::string> refused = {
      "", right, "Bearer", "Bearer ", "Basic " + right, "Bearer  " + right, "Bearer " + right + " ",
      "Bearer " + right.substr(0, right.size() - 1), "Bearer " + right + "x", "Token " + right,
      "Bearer " + std::string(right.size(), 'a'), "Bearer" + right};
  for (const std::string& header : refused) {
    EXPECT_FALSE(token.accepts(header)) << header;
  }
}

TEST(AdminAuthTest, WithoutAConfiguredTokenNothingIsAccepted) {
  const chat::AdminToken token{std::nullopt};
  EXPECT_FALSE(token.configured());
  EXPECT_FALSE(token.accepts("Bearer "));
  EXPECT_FALSE(token.accepts(std::string("Bearer ") + kToken));
  EXPECT_FALSE(token.accepts(""));
}

TEST(AdminAuthTest, ConfiguredTokensMustBeLongBearerTokens) {
  EXPECT_TRUE(chat::is_acceptable_admin_token(kToken));
  EXPECT_TRUE(chat::is_acceptable_admin_token("abcdefghijklmnop"));
  EXPECT_TRUE(chat::is_acceptable_admin_token("YWJjZGVmZ2hpamtsbW5vcA=="));
  EXPECT_FALSE(chat::is_acceptable_admin_token("abcdefghijklmno"));  // 15 characters
  EXPECT_FALSE(chat::is_acceptable_admin_token("abcdefgh ijklmnopq"));
  EXPECT_FALSE(chat::is_acceptable_admin_token("abcdefghijklmnopq\n"));
  EXPECT_FALSE(chat::is_acceptable_admin_token("abcdefgh=ijklmnopq"));
  EXPECT_FALSE(chat::is_acceptable_admin_token(""));
}

// The comparison is over SHA-256 digests: any length of guess costs the same comparison.
TEST(AdminAuthTest, GuessesOfAnyLengthAreComparedAsDigests) {
  const chat::AdminToken token{std::string(kToken)};
  EXPECT_FALSE(token.accepts("Bearer " + std::string(100000, 'x')));
  EXPECT_FALSE(token.accepts(std::string("Bearer ") + kToken + std::string(1, '\0')));
}
