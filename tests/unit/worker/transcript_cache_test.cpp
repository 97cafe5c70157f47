// Tests of the transcript cache: what it returns, replacement, and its byte budget (least
// recently used out first).
#include "store/transcript_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using chat::TranscriptCache;

TEST(TranscriptCacheTest, ReturnsWhatWasPutWithItsVersion) {
  TranscriptCache cache(1000, std::chrono::minutes(10));
  EXPECT_FALSE(cache.find("a"));
  cache.put("a", 3, "body a");
  const auto entry = cache.find("a");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->version, 3);
  EXPECT_EQ(entry->body, "body a");
}

TEST(TranscriptCacheTest, APutReplacesAndAnEraseForgets) {
  TranscriptCache cache(1000, std::chrono::minutes(10));
  cache.put("a", 1, "old");
  cache.put("a", 2, "newer");
  EXPECT_EQ(cache.find("a")->version, 2);
  EXPECT_EQ(cache.bytes(), 5u);
  cache.erase("a");
  EXPECT_FALSE(cache.find("a"));
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(TranscriptCacheTest, StaysWithinItsBytesDroppingTheLeastRecentlyUsed) {
  TranscriptCache cache(10, std::chrono::minutes(10));
  cache.put("a", 1, "aaaa");
  cache.put("b", 1, "bbbb");
  ASSERT_TRUE(cache.find("a"));  // now "b" is the least recently used
  cache.put("c", 1, "cccc");
  EXPECT_TRUE(cache.find("a"));
  EXPECT_FALSE(cache.find("b"));
  EXPECT_TRUE(cache.find("c"));
  EXPECT_LE(cache.bytes(), 10u);
  cache.put("huge", 1, std::string(11, 'x'));  // bigger than the whole budget: not kept
  EXPECT_FALSE(cache.find("huge"));
  EXPECT_TRUE(cache.find("c"));
}

// An entry older than the maximum age goes once it is the least recently used: the transcript of
// an erased session, never read again, leaves the process's memory.
TEST(TranscriptCacheTest, EntriesPastTheirAgeAreDropped) {
  chat::TranscriptCache cache(1000, std::chrono::milliseconds(50));
  cache.put("erased", 1, "body of an erased session");
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  cache.put("fresh", 1, "body");
  EXPECT_FALSE(cache.find("erased"));
  ASSERT_TRUE(cache.find("fresh"));
  EXPECT_EQ(cache.bytes(), 4u);
}
