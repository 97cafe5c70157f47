// Tests of the incremental SSE parser: every split of a stream gives the same events.
#include "model/sse_parser.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

std::vector<chat::SseEvent> parse_in_chunks(const std::string& stream, std::size_t chunk_size) {
  std::vector<chat::SseEvent> events;
  chat::SseParser parser([&](const chat::SseEvent& event) { events.push_back(event); });
  for (std::size_t i = 0; i < stream.size(); i += chunk_size) {
    EXPECT_TRUE(parser.feed(std::string_view(stream).substr(i, chunk_size)));
  }
  parser.finish();
  return events;
}

const std::string kOpenAiStream =
    ": keep-alive\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"We \"}}]}\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"offer \xE2\x82\xAC\"}}]}\r\n\r\n"
    "event: note\ndata: line one\ndata: line two\n\n"
    "data: [DONE]\n\n";

}  // namespace

TEST(SseParserTest, ParsesAWholeStream) {
  const auto events = parse_in_chunks(kOpenAiStream, kOpenAiStream.size());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].data, "{\"choices\":[{\"delta\":{\"content\":\"We \"}}]}");
  EXPECT_EQ(events[1].data, "{\"choices\":[{\"delta\":{\"content\":\"offer \xE2\x82\xAC\"}}]}");
  EXPECT_EQ(events[2].event, "note");
  EXPECT_EQ(events[2].data, "line one\nline two");
  EXPECT_EQ(events[3].data, "[DONE]");
}

TEST(SseParserTest, EverySplitGivesTheSameEvents) {
  const auto whole = parse_in_chunks(kOpenAiStream, kOpenAiStream.size());
  for (std::size_t size = 1; size < kOpenAiStream.size(); ++size) {
    const auto split = parse_in_chunks(kOpenAiStream, size);
    ASSERT_EQ(split.size(), whole.size()) << "chunk size " << size;
    for (std::size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(split[i].data, whole[i].data) << "chunk size " << size;
      EXPECT_EQ(split[i].event, whole[i].event) << "chunk size " << size;
    }
  }
}

TEST(SseParserTest, CarriageReturnAloneEndsALine) {
  const auto events = parse_in_chunks("data: a\r\rdata: b\r\r", 1);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "a");
  EXPECT_EQ(events[1].data, "b");
}

TEST(SseParserTest, IgnoresCommentsAndUnknownFields) {
  const auto events = parse_in_chunks(": ping\nid: 7\nretry: 10\nfoo: bar\ndata:x\n\n:only a comment\n\n", 3);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "x");
}

TEST(SseParserTest, FinishDispatchesAnUnterminatedEvent) {
  const auto events = parse_in_chunks("data: last", 4);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "last");
}

TEST(SseParserTest, RejectsAnOversizedEvent) {
  int dispatched = 0;
  chat::SseParser parser([&](const chat::SseEvent&) { ++dispatched; }, 64);
  EXPECT_TRUE(parser.feed("data: small\n\n"));
  EXPECT_FALSE(parser.feed("data: " + std::string(100, 'x')));
  EXPECT_TRUE(parser.failed());
  EXPECT_FALSE(parser.feed("\n\n"));
  EXPECT_EQ(dispatched, 1);
}

TEST(SseParserTest, RejectsManyDataLinesAddingUpPastTheLimit) {
  chat::SseParser parser([](const chat::SseEvent&) {}, 64);
  bool ok = true;
  for (int i = 0; i < 20 && ok; ++i) ok = parser.feed("data: 0123456789\n");
  EXPECT_FALSE(ok);
}
