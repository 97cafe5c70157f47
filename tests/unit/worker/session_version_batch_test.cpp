// Tests of the coalesced version lookups: a read alone queries at once, reads that arrive while a
// query runs share the next one, no read is answered by a query that started before it arrived,
// a failed query fails exactly the reads it served, and the lead passes on under load.
#include "store/session_version_batch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

using chat::SessionVersionBatch;
using chat::SessionVersions;

namespace {

// A lookup that answers every session with the number of its query (1, 2, ...), so a read shows
// which query answered it, except "missing". The first query is held until released, and fails
// when released so.
class HeldLookup {
 public:
  SessionVersions operator()(const std::vector<std::string>& ids) {
    std::unique_lock lock(mutex_);
    queries_.push_back(ids);
    const auto query = static_cast<std::int64_t>(queries_.size());
    changed_.notify_all();
    if (query == 1) {
      changed_.wait(lock, [&] { return released_; });
      if (fail_first_) throw std::runtime_error("database gone");
    }
    SessionVersions versions;
    for (const auto& id : ids) {
      if (id != "missing") versions[id] = query;
    }
    return versions;
  }

  void wait_for_first_query() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queries_.empty(); });
  }
  void release_first(bool fail) {
    std::lock_guard lock(mutex_);
    released_ = true;
    fail_first_ = fail;
    changed_.notify_all();
  }
  std::vector<std::vector<std::string>> queries() {
    std::lock_guard lock(mutex_);
    return queries_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::vector<std::string>> queries_;
  bool released_ = false;
  bool fail_first_ = false;
};

}  // namespace

// Reads on threads of their own over a HeldLookup.
class HeldBatchTest : public ::testing::Test {
 protected:
  using Read = std::future<std::optional<std::int64_t>>;

  Read read(std::string id) {
    return std::async(std::launch::async, [this, id] {
      return batch_.version(id, [&](const std::vector<std::string>& ids) { return lookup_(ids); });
    });
  }
  // A read that leads the first query, which then holds until released.
  Read read_holding_the_first_query(std::string id) {
    Read first = read(std::move(id));
    lookup_.wait_for_first_query();
    return first;
  }
  // Time for reads started on other threads to reach the queue behind the held query.
  static void let_them_queue() { std::this_thread::sleep_for(std::chrono::milliseconds(100)); }

  SessionVersionBatch batch_;
  HeldLookup lookup_;
};

TEST(SessionVersionBatchTest, AReadAloneQueriesAtOnceForItsSession) {
  SessionVersionBatch batch;
  std::vector<std::vector<std::string>> queries;
  const auto lookup = [&](const std::vector<std::string>& ids) {
    queries.push_back(ids);
    return SessionVersions{{"a", 7}};
  };
  EXPECT_EQ(batch.version("a", lookup), 7);
  EXPECT_EQ(batch.version("b", lookup), std::nullopt);
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(queries[0], std::vector<std::string>{"a"});
  EXPECT_EQ(queries[1], std::vector<std::string>{"b"});
}

// Reads that arrive while a query runs are answered together by the next query, which starts
// after they arrived: never by the running one, which may predate the change they look for.
TEST_F(HeldBatchTest, ReadsArrivingDuringAQueryShareTheNextOne) {
  Read first = read_holding_the_first_query("a");
  Read a = read("a");
  Read b = read("b");
  Read missing = read("missing");
  let_them_queue();
  EXPECT_EQ(lookup_.queries().size(), 1u);
  lookup_.release_first(/*fail=*/false);

  EXPECT_EQ(first.get(), 1);
  EXPECT_EQ(a.get(), 2);
  EXPECT_EQ(b.get(), 2);
  EXPECT_EQ(missing.get(), std::nullopt);
  const auto queries = lookup_.queries();
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(queries[1].size(), 3u);
}

TEST_F(HeldBatchTest, AFailedQueryFailsOnlyTheReadsItServed) {
  Read failing = read_holding_the_first_query("a");
  Read queued = read("b");
  let_them_queue();
  lookup_.release_first(/*fail=*/true);
  EXPECT_THROW(failing.get(), std::runtime_error);
  EXPECT_EQ(queued.get(), 2);
}

// Many threads reading at once: every read gets its own session's answer, and the queries are
// fewer than the reads (they coalesce), each asking for at most kMaxIds ids.
TEST(SessionVersionBatchTest, UnderLoadEveryReadGetsItsOwnAnswerInFewerQueries) {
  SessionVersionBatch batch;
  std::mutex mutex;
  std::vector<std::size_t> query_sizes;
  const SessionVersionBatch::Lookup lookup = [&](const std::vector<std::string>& ids) {
    {
      std::lock_guard lock(mutex);
      query_sizes.push_back(ids.size());
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    SessionVersions versions;
    for (const auto& id : ids) versions[id] = std::stoll(id);
    return versions;
  };
  constexpr int kThreads = 48;
  constexpr int kReadsEach = 50;
  std::atomic<int> wrong = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kReadsEach; ++i) {
        const std::string id = std::to_string(t * 1000 + i);
        if (batch.version(id, lookup) != t * 1000 + i) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  std::size_t answered = 0;
  for (const std::size_t size : query_sizes) {
    EXPECT_LE(size, SessionVersionBatch::kMaxIds);
    answered += size;
  }
  EXPECT_EQ(answered, std::size_t{kThreads * kReadsEach});
  EXPECT_LT(query_sizes.size(), std::size_t{kThreads * kReadsEach} / 4);
}
