// Replays the SSE fuzzer's corpus (tests/fuzz/corpus/sse_parser) as an ordinary test: every file,
// split at every position, parses like the whole file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sse_split_check.h"

TEST(SseParserCorpusTest, EveryCorpusFileParsesTheSameAtEverySplit) {
  const std::filesystem::path corpus = std::string(CHAT_SOURCE_DIR) + "/tests/fuzz/corpus/sse_parser";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    const std::string stream = content.str();
    for (std::size_t split = 0; split <= stream.size(); ++split) {
      ASSERT_TRUE(chat::fuzz::splits_agree(stream, split, 64)) << entry.path() << " split at " << split;
    }
    ++files;
  }
  EXPECT_GE(files, 5);
}
