// Tests of UTF-8 validation, counting and safe truncation.
#include "utf8.h"

#include <gtest/gtest.h>

using chat::is_valid_utf8;
using chat::utf8_length;
using chat::utf8_prefix;

TEST(Utf8Test, AcceptsAsciiAndMultibyteText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("hello"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
}

TEST(Utf8Test, CountsCodePointsNotBytes) {
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), 3u);
}

TEST(Utf8Test, RejectsMalformedSequences) {
  EXPECT_FALSE(is_valid_utf8("\x80"));                  // lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xC3"));                  // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));              // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));          // overlong 3-byte
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));          // UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));      // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("ok\xE2\x82"));            // truncated at the end
  EXPECT_FALSE(utf8_length("\xC3(").has_value());
}

TEST(Utf8Test, PrefixNeverSplitsACharacter) {
  const std::string text = "a\xE2\x82\xAC";  // "a€", 4 bytes
  EXPECT_EQ(utf8_prefix(text, 10), text);
  EXPECT_EQ(utf8_prefix(text, 4), text);
  EXPECT_EQ(utf8_prefix(text, 3), "a");
  EXPECT_EQ(utf8_prefix(text, 2), "a");
  EXPECT_EQ(utf8_prefix(text, 1), "a");
  EXPECT_EQ(utf8_prefix(text, 0), "");
}
