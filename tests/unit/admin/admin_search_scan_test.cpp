// Tests of the newest-first search scan over a fake range of rows: it stops as soon as the page
// and the capped count are known, reads everything of a short range, and gives up (for the
// FULLTEXT index) when the matches are too sparse for its budget.
#include "search/admin_search_scan.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace {

// Rows "n" (newest first: n = count - 1 down to 0), matching when match(n).
class FakeRange {
 public:
  FakeRange(int count, std::function<bool(int)> match) : count_(count), match_(std::move(match)) {}

  chat::ScanWindow window() {
    return [this](const chat::ScanKey& after, std::size_t rows) {
      ++windows;
      std::vector<chat::ScanRow> out;
      int n = after.id == "start" ? count_ - 1 : std::stoi(after.id) - 1;
      for (; n >= 0 && out.size() < rows; --n) out.push_back({{"t", std::to_string(n)}, match_(n)});
      read += static_cast<int>(out.size());
      return out;
    };
  }

  int windows = 0;
  int read = 0;

 private:
  int count_;
  std::function<bool(int)> match_;
};

const chat::ScanKey kStart{"t", "start"};
const chat::ScanLimits kLimits{100, 1000};

std::vector<std::string> ids(const chat::ScanResult& result) {
  std::vector<std::string> out;
  for (const auto& key : result.matches) out.push_back(key.id);
  return out;
}

TEST(AdminSearchScanTest, AShortRangeIsReadWholeAndEveryMatchIsKnown) {
  FakeRange range(150, [](int n) { return n % 50 == 0; });
  const auto result = chat::scan_newest(range.window(), kStart, 10, 11, kLimits);
  EXPECT_TRUE(result.page_known);
  EXPECT_TRUE(result.count_known);
  EXPECT_EQ(ids(result), (std::vector<std::string>{"100", "50", "0"}));
  EXPECT_EQ(range.windows, 2);
}

TEST(AdminSearchScanTest, StopsOnceThePageAndTheCappedCountAreKnown) {
  FakeRange range(100000, [](int n) { return n % 2 == 0; });
  const auto result = chat::scan_newest(range.window(), kStart, 5, 21, kLimits);
  EXPECT_TRUE(result.page_known);
  EXPECT_TRUE(result.count_known);
  ASSERT_EQ(result.matches.size(), 21u);
  EXPECT_EQ(result.matches[0].id, "99998");
  EXPECT_EQ(result.matches[20].id, "99958");
  EXPECT_EQ(range.windows, 1);
}

TEST(AdminSearchScanTest, ADeepPageIsScannedForToo) {
  FakeRange range(100000, [](int n) { return n % 2 == 0; });
  const auto result = chat::scan_newest(range.window(), kStart, 120, 21, kLimits);
  EXPECT_TRUE(result.page_known);
  EXPECT_TRUE(result.count_known);
  EXPECT_EQ(result.matches.size(), 120u);
  EXPECT_EQ(range.windows, 3);
}

TEST(AdminSearchScanTest, GivesUpAtOnceWhenTheMatchesAreTooSparseForTheBudget) {
  FakeRange range(100000, [](int n) { return n % 500 == 0; });
  const auto result = chat::scan_newest(range.window(), kStart, 5, 21, kLimits);
  EXPECT_FALSE(result.page_known);  // 1 match in 100 rows: 10 in the budget of 1000, not 21
  EXPECT_FALSE(result.count_known);
  EXPECT_EQ(range.windows, 1);
}

TEST(AdminSearchScanTest, KeepsThePageWhenOnlyTheCountIsOutOfReach) {
  FakeRange range(100000, [](int n) { return n >= 99900 && n % 10 == 0; });  // 10 newest matches
  const auto result = chat::scan_newest(range.window(), kStart, 5, 21, kLimits);
  EXPECT_TRUE(result.page_known);
  EXPECT_FALSE(result.count_known);
  EXPECT_EQ(result.matches.size(), 10u);
  EXPECT_EQ(range.windows, 5);  // then 10 matches in 500 rows cannot make 21 in 1000
}

TEST(AdminSearchScanTest, ReadsNoMoreThanTheBudget) {
  // 50 matches in the newest 500 rows, then none: the density seen keeps 51 within reach.
  FakeRange range(100000, [](int n) { return n >= 99500 && n % 10 == 0; });
  const auto result = chat::scan_newest(range.window(), kStart, 5, 51, kLimits);
  EXPECT_TRUE(result.page_known);
  EXPECT_FALSE(result.count_known);
  EXPECT_EQ(result.matches.size(), 50u);
  EXPECT_EQ(range.read, 1000);
}

}  // namespace
