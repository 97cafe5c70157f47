// One suite run against both stores: the in-memory double the handler tests use and MysqlStore
// on MariaDB, so that the double cannot drift from what MySQL does.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "memory_store.h"
#include "store/mysql_store.h"
#include "test_database.h"
#include "uuid.h"

namespace chat {
namespace {

struct MemoryStoreMaker {
  std::unique_ptr<Store> make() { return std::make_unique<MemoryStore>(); }
};

struct MysqlStoreMaker {
  MysqlThreadScope thread;
  MysqlConnectionPool pool{testing::test_database(), 2, std::chrono::milliseconds(2000)};
  MysqlConnectionPool reads{testing::test_database(), 2, std::chrono::milliseconds(2000)};
  MysqlConnectionPool health{testing::test_database(), 1, std::chrono::milliseconds(2000)};
  std::unique_ptr<Store> make() { return std::make_unique<MysqlStore>(pool, reads, health); }
};

template <typename Maker>
class StoreContractTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { testing::migrate_test_database(); }

  Exchange exchange(const std::string& session_id, const std::string& question, Source source = Source::model) {
    const auto now = std::chrono::system_clock::now();
    return {session_id, {}, question, now, "Answer to " + question, now + std::chrono::milliseconds(5), 5, source};
  }

  Maker maker_;
  std::unique_ptr<Store> store_ = maker_.make();
};

using Stores = ::testing::Types<MemoryStoreMaker, MysqlStoreMaker>;
TYPED_TEST_SUITE(StoreContractTest, Stores);

TYPED_TEST(StoreContractTest, AnOpenedSessionExistsWithNoMessages) {
  Store& store = *this->store_;
  const std::string id = new_uuid_v4();
  EXPECT_FALSE(store.session_exists(id));
  store.create_session(id, {std::string("Ada"), std::nullopt}, std::chrono::system_clock::now());
  EXPECT_TRUE(store.session_exists(id));
  const auto transcript = store.transcript(id);
  ASSERT_TRUE(transcript);
  EXPECT_TRUE(transcript->messages.empty());
  EXPECT_EQ(transcript->visitor.name, std::optional<std::string>("Ada"));
}

// Opening a session again (a retried stream) keeps when it began and fills in visitor info
// without erasing what was known.
TYPED_TEST(StoreContractTest, OpeningASessionAgainKeepsItsStartAndItsVisitor) {
  Store& store = *this->store_;
  const std::string id = new_uuid_v4();
  const auto first = std::chrono::system_clock::now() - std::chrono::minutes(5);
  store.create_session(id, {std::string("Ada"), std::nullopt}, first);
  const std::string created = store.transcript(id)->created_at;
  store.create_session(id, {std::nullopt, std::string("ada@example.com")}, std::chrono::system_clock::now());
  const auto transcript = store.transcript(id);
  ASSERT_TRUE(transcript);
  EXPECT_EQ(transcript->created_at, created);
  EXPECT_EQ(transcript->visitor.name, std::optional<std::string>("Ada"));
  EXPECT_EQ(transcript->visitor.email, std::optional<std::string>("ada@example.com"));
}

TYPED_TEST(StoreContractTest, ExchangesAreKeptInOrderAndChangeTheVersion) {
  Store& store = *this->store_;
  const std::string id = new_uuid_v4();
  store.record_exchange(this->exchange(id, "first"));
  const std::int64_t before = store.session_versions({id}).at(id);
  store.record_exchange(this->exchange(id, "second", Source::fallback));
  EXPECT_GT(store.session_versions({id}).at(id), before);
  const auto transcript = store.transcript(id);
  ASSERT_TRUE(transcript);
  ASSERT_EQ(transcript->messages.size(), 4u);
  EXPECT_EQ(transcript->messages[0].text, "first");
  EXPECT_EQ(transcript->messages[0].sender, Sender::visitor);
  EXPECT_EQ(transcript->messages[3].sender, Sender::bot);
  EXPECT_EQ(transcript->messages[3].source, std::optional<Source>(Source::fallback));
  const auto recent = store.recent_messages(id, 3);
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0].text, "Answer to first");  // oldest first
  EXPECT_TRUE(store.session_versions({new_uuid_v4()}).empty());
}

TYPED_TEST(StoreContractTest, TheLimitsCountTheSameWay) {
  Store& store = *this->store_;
  const std::string id = new_uuid_v4();
  const auto now = std::chrono::system_clock::now();
  store.create_session(id, {}, now);  // the first ask
  EXPECT_TRUE(store.admit_ask(id, 2, now));
  EXPECT_FALSE(store.admit_ask(id, 2, now));
  EXPECT_TRUE(store.admit_ask(id, 2, now + std::chrono::minutes(61)));
  EXPECT_FALSE(store.admit_ask(new_uuid_v4(), 2, now));
  const std::string client = new_uuid_v4();  // a key of this run's own (the column holds any text)
  EXPECT_TRUE(store.admit_session_start(client, 2, now));
  EXPECT_TRUE(store.admit_session_start(client, 2, now));
  EXPECT_FALSE(store.admit_session_start(client, 2, now));
  EXPECT_TRUE(store.admit_session_start(client, 2, now + std::chrono::minutes(61)));
}

TYPED_TEST(StoreContractTest, CachedAnswersLiveUntilTheirTtl) {
  Store& store = *this->store_;
  const std::string id = new_uuid_v4();
  store.record_exchange(this->exchange(id, "cached?"));
  const std::string hash = new_uuid_v4() + new_uuid_v4().substr(0, 28);  // 64 characters, this test's own
  EXPECT_FALSE(store.cached_answer(hash));
  store.cache_answer(id, hash, "cached?", "Yes.", std::chrono::seconds(3600));
  EXPECT_EQ(store.cached_answer(hash), std::optional<std::string>("Yes."));
  const std::string expired = new_uuid_v4() + new_uuid_v4().substr(0, 28);
  store.cache_answer(id, expired, "gone?", "Gone.", std::chrono::seconds(-1));
  EXPECT_FALSE(store.cached_answer(expired));
}

TYPED_TEST(StoreContractTest, OnlyThisSessionsAnswersCanBeRatedAndRatingAgainReplaces) {
  Store& store = *this->store_;
  const std::string id = new_uuid_v4();
  const std::int64_t answer = store.record_exchange(this->exchange(id, "rate me")).bot_message_id;
  const std::string other = new_uuid_v4();
  const std::int64_t others_answer = store.record_exchange(this->exchange(other, "not yours")).bot_message_id;
  const auto now = std::chrono::system_clock::now();
  EXPECT_TRUE(store.rate_answer({id, answer, Rating::up, std::nullopt, now}));
  EXPECT_TRUE(store.rate_answer({id, answer, Rating::down, std::string("Too vague"), now}));
  EXPECT_TRUE(store.rate_answer({id, answer, Rating::down, std::string("Too vague"), now}));  // the same again
  EXPECT_FALSE(store.rate_answer({id, answer - 1, Rating::up, std::nullopt, now}));  // the question
  EXPECT_FALSE(store.rate_answer({id, others_answer, Rating::up, std::nullopt, now}));
  EXPECT_FALSE(store.rate_answer({new_uuid_v4(), answer, Rating::up, std::nullopt, now}));
}

TYPED_TEST(StoreContractTest, LeadsGetIncreasingIdsWithOrWithoutAKnownSession) {
  Store& store = *this->store_;
  const std::string id = new_uuid_v4();
  store.record_exchange(this->exchange(id, "hello"));
  const auto now = std::chrono::system_clock::now();
  const std::int64_t first = store.record_lead({id, "Ada", "ada@example.com", "Call me", now});
  const std::int64_t unknown = store.record_lead({new_uuid_v4(), "Bo", "bo@example.com", "Quote", now});
  const std::int64_t without = store.record_lead({std::nullopt, "Cy", "cy@example.com", "Hi", now});
  EXPECT_GT(first, 0);
  EXPECT_LT(first, unknown);
  EXPECT_LT(unknown, without);
}

}  // namespace
}  // namespace chat
