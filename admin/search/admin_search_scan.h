// Searches of common words without the FULLTEXT index. InnoDB's full-text search produces every
// match before the first one can be used (a word in a tenth of a million messages costs a
// second or more), while the newest page of such a word is found in the newest few thousand
// rows. So a search first reads the rows of its range newest first, a window at a time, with a
// condition that tells for each row whether it matches (admin_fulltext.h: words_condition), and
// stops as soon as it has what it needs: the page, and enough matches to count them up to
// kSearchCountCap. It gives up when the matches are too sparse to get there within a budget of
// rows; the caller then asks the FULLTEXT index, which is fast for exactly those rarer words.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "admin_limits.h"

namespace chat {

// A row's place in the newest-first order (created_at DESC, id DESC), as MySQL writes them.
struct ScanKey {
  std::string created_at;
  std::string id;
};

struct ScanRow {
  ScanKey key;
  bool match = false;
};

// Reads up to `rows` rows of the range that come after `after` in newest-first order.
using ScanWindow = std::function<std::vector<ScanRow>(const ScanKey& after, std::size_t rows)>;

struct ScanLimits {
  std::size_t window_rows;  // rows a query reads
  std::size_t budget_rows;  // rows a search reads at most before the FULLTEXT index is asked
};

struct ScanResult {
  std::vector<ScanKey> matches;  // newest first
  bool page_known = false;       // matches has the first page_end matches, or all there are
  bool count_known = false;      // matches has count_end matches, or all there are
};

// Scans from `start` (before the newest row of the range) for page_end matches (offset + limit)
// and, while the budget allows at the density found so far, for count_end (the cap + 1).
inline ScanResult scan_newest(const ScanWindow& window, const ScanKey& start, std::size_t page_end,
                              std::size_t count_end, const ScanLimits& limits) {
  ScanResult result;
  const std::size_t wanted = std::max(page_end, count_end);
  // Whether `needed` matches can still be found within the budget at the density seen so far.
  std::size_t scanned = 0;
  const auto reachable = [&](std::size_t needed) {
    return result.matches.size() >= needed || result.matches.size() * limits.budget_rows >= needed * scanned;
  };
  ScanKey after = start;
  for (;;) {
    const std::vector<ScanRow> rows = window(after, limits.window_rows);
    scanned += rows.size();
    for (const ScanRow& row : rows) {
      if (row.match && result.matches.size() < wanted) result.matches.push_back(row.key);
    }
    if (rows.size() < limits.window_rows) {  // the range has no more rows: every match is known
      result.page_known = result.count_known = true;
      return result;
    }
    result.page_known = result.matches.size() >= page_end;
    result.count_known = result.matches.size() >= count_end;
    if (result.page_known && result.count_known) return result;
    if (scanned >= limits.budget_rows) return result;
    if (!reachable(page_end)) return result;
    if (result.page_known && !reachable(count_end)) return result;
    after = rows.back().key;
  }
}

}  // namespace chat
