// The Store's queries and the migrations against a real MariaDB (CHAT_TEST_DATABASE_URL, which
// scripts/test provides): round trips, transactions, utf8mb4 and reconnection.
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <unistd.h>
#include <vector>
#include <memory>

#include "clock.h"
#include "migrations.h"
#include "store/mysql_store.h"
#include "store/session_version_batch.h"
#include "test_database.h"
#include "uuid.h"

namespace {

using chat::testing::test_database;

chat::Exchange exchange_in(const std::string& session_id, const std::string& question) {
  const auto now = std::chrono::system_clock::now();
  return {session_id, {}, question, now, "Answer to " + question, now + std::chrono::milliseconds(5),
          5, chat::Source::knowledge};
}

class MysqlStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { chat::testing::migrate_test_database(); }

  // How many of 8 threads x 10 calls of `admit` at once were admitted.
  template <typename Admit>
  static int admitted_at_once(Admit admit) {
    std::atomic<int> admitted{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&] {
        chat::MysqlThreadScope thread;
        for (int call = 0; call < 10; ++call) {
          if (admit()) ++admitted;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    return admitted;
  }

  std::int64_t count(const std::string& query) {
    std::unique_ptr<sql::ResultSet> rows(admin_.statement(query).executeQuery());
    rows->next();
    return rows->getInt64(1);
  }

  chat::MysqlThreadScope thread_;
  chat::MysqlConnectionPool pool_{test_database(), 2, std::chrono::milliseconds(2000)};
  chat::MysqlConnectionPool reads_{test_database(), 2, std::chrono::milliseconds(2000)};
  chat::MysqlConnectionPool health_{test_database(), 1, std::chrono::milliseconds(2000)};
  chat::MysqlStore store_{pool_, reads_, health_};
  chat::MysqlConnection admin_{test_database()};
};

}  // namespace

TEST_F(MysqlStoreTest, MigrationsAreRecordedAndNotAppliedTwice) {
  chat::MysqlConnection connection(test_database());
  EXPECT_TRUE(chat::apply_migrations(connection, std::string(CHAT_SOURCE_DIR) + "/sql").empty());
  EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"),
            static_cast<std::int64_t>(chat::list_migrations(std::string(CHAT_SOURCE_DIR) + "/sql").size()));
}

TEST_F(MysqlStoreTest, ExchangeRoundTripsInOrder) {
  const std::string id = chat::new_uuid_v4();
  EXPECT_FALSE(store_.session_exists(id));
  chat::Exchange first = exchange_in(id, "first");
  first.visitor = {std::string("Ada"), std::nullopt};
  const auto stored_first = store_.record_exchange(first);
  const auto stored_second = store_.record_exchange(exchange_in(id, "second"));
  EXPECT_TRUE(store_.session_exists(id));
  EXPECT_LT(stored_first.bot_message_id, stored_second.bot_message_id);

  const auto transcript = store_.transcript(id);
  ASSERT_TRUE(transcript);
  EXPECT_EQ(transcript->visitor.name, "Ada");
  EXPECT_FALSE(transcript->visitor.email);
  ASSERT_EQ(transcript->messages.size(), 4u);
  EXPECT_EQ(transcript->messages[0].text, "first");
  EXPECT_EQ(transcript->messages[0].sender, chat::Sender::visitor);
  EXPECT_FALSE(transcript->messages[0].source);
  EXPECT_EQ(transcript->messages[1].id, stored_first.bot_message_id);
  EXPECT_EQ(transcript->messages[3].id, stored_second.bot_message_id);
  EXPECT_LT(transcript->messages[0].id, transcript->messages[1].id);
  EXPECT_EQ(transcript->messages[1].response_time_ms, 5);
  EXPECT_EQ(transcript->messages[1].source, chat::Source::knowledge);
  EXPECT_EQ(transcript->messages[3].text, "Answer to second");
  EXPECT_TRUE(transcript->messages[0].created_at.ends_with("Z"));
}

// The per-conversation limit is taken by one UPDATE each: the conversation's first ask (its
// creation) takes one place of 25, and 8 threads asking 10 times at once get exactly the other
// 24; the window after it opens again.
TEST_F(MysqlStoreTest, ConcurrentAsksOfOneConversationNeverPassItsLimit) {
  const std::string id = chat::new_uuid_v4();
  const auto now = std::chrono::system_clock::now();
  store_.create_session(id, {}, now);
  EXPECT_EQ(admitted_at_once([&] { return store_.admit_ask(id, 25, now); }), 24);
  EXPECT_FALSE(store_.admit_ask(id, 25, now + std::chrono::minutes(59)));
  EXPECT_TRUE(store_.admit_ask(id, 25, now + std::chrono::minutes(61)));  // a new window
  EXPECT_FALSE(store_.admit_ask(chat::new_uuid_v4(), 25, now));           // no such conversation
}

// The same for the conversations one client starts: 8 threads starting 10 each from one /64 with
// room for 25 get exactly 25, and the next window opens an hour later.
TEST_F(MysqlStoreTest, ConcurrentStartsOfOneClientNeverPassItsBound) {
  const std::string client = "2001:db8:" + std::to_string(::getpid() % 65536) + "::/64";
  admin_.execute("DELETE FROM session_starts WHERE client_network = '" + client + "'");
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(admitted_at_once([&] { return store_.admit_session_start(client, 25, now); }), 25);
  EXPECT_FALSE(store_.admit_session_start(client, 25, now + std::chrono::minutes(59)));
  EXPECT_TRUE(store_.admit_session_start(client, 25, now + std::chrono::minutes(61)));
}

TEST_F(MysqlStoreTest, LaterVisitorInfoFillsInWithoutErasing) {
  const std::string id = chat::new_uuid_v4();
  chat::Exchange first = exchange_in(id, "one");
  first.visitor = {std::string("Ada"), std::nullopt};
  store_.record_exchange(first);
  chat::Exchange second = exchange_in(id, "two");
  second.visitor = {std::nullopt, std::string("ada@example.com")};
  store_.record_exchange(second);
  const auto transcript = store_.transcript(id);
  EXPECT_EQ(transcript->visitor.name, "Ada");
  EXPECT_EQ(transcript->visitor.email, "ada@example.com");
}

TEST_F(MysqlStoreTest, FourByteUtf8RoundTrips) {
  const std::string id = chat::new_uuid_v4();
  const std::string text = "emoji \xF0\x9F\x98\x80 and \xE6\x97\xA5\xE6\x9C\xAC";
  store_.record_exchange(exchange_in(id, text));
  EXPECT_EQ(store_.transcript(id)->messages[0].text, text);
}

TEST_F(MysqlStoreTest, AnOpenedSessionIsEmptyUntilItsFirstExchange) {
  const std::string id = chat::new_uuid_v4();
  store_.create_session(id, {std::string("Ada"), std::nullopt}, std::chrono::system_clock::now());
  ASSERT_TRUE(store_.session_exists(id));
  EXPECT_TRUE(store_.transcript(id)->messages.empty());
  store_.record_exchange(exchange_in(id, "first"));
  const auto transcript = store_.transcript(id);
  EXPECT_EQ(transcript->messages.size(), 2u);
  EXPECT_EQ(transcript->visitor.name, "Ada");
}

// The version a cached transcript is checked against: read with the transcript, changed by every
// exchange (in its transaction) and by opening the session.
TEST_F(MysqlStoreTest, EveryChangeOfASessionChangesItsVersion) {
  const std::string id = chat::new_uuid_v4();
  const auto version = [&]() -> std::optional<std::int64_t> {
    const auto versions = store_.session_versions({id});
    if (versions.empty()) return std::nullopt;
    return versions.at(id);
  };
  EXPECT_FALSE(version());
  store_.create_session(id, {}, std::chrono::system_clock::now());
  const auto opened = version();
  ASSERT_TRUE(opened);
  EXPECT_EQ(store_.transcript(id)->version, *opened);
  store_.record_exchange(exchange_in(id, "first"));
  const auto answered = version();
  EXPECT_NE(answered, opened);
  EXPECT_EQ(store_.transcript(id)->version, *answered);
  store_.record_exchange(exchange_in(id, "second"));
  EXPECT_NE(version(), answered);
  EXPECT_EQ(store_.transcript(id)->version, *version());
  EXPECT_EQ(store_.transcript(id)->messages.size(), 4u);
}

// Any number of ids up to the batch's limit, repeated or unknown ones among them, in one query.
TEST_F(MysqlStoreTest, SessionVersionsOfManySessionsAtOnce) {
  std::vector<std::string> stored;
  for (int i = 0; i < 20; ++i) {
    stored.push_back(chat::new_uuid_v4());
    store_.record_exchange(exchange_in(stored.back(), "hello"));
    if (i % 2 == 0) store_.record_exchange(exchange_in(stored.back(), "again"));
  }
  for (const std::size_t count : {1u, 2u, 3u, 5u, 17u, 20u}) {
    std::vector<std::string> ids(stored.begin(), stored.begin() + static_cast<long>(count));
    const std::string unknown = chat::new_uuid_v4();
    ids.push_back(unknown);
    ids.push_back(ids.front());
    const auto versions = store_.session_versions(ids);
    EXPECT_EQ(versions.size(), count) << count;
    EXPECT_FALSE(versions.contains(unknown));
    for (std::size_t i = 0; i < count; ++i) EXPECT_EQ(versions.at(ids[i]), store_.transcript(ids[i])->version);
  }
  std::vector<std::string> most(chat::SessionVersionBatch::kMaxIds, stored.back());
  most.front() = stored.front();
  EXPECT_EQ(store_.session_versions(most).size(), 2u);
  most.push_back(stored.front());
  EXPECT_THROW(store_.session_versions(most), std::invalid_argument);
  EXPECT_TRUE(store_.session_versions({}).empty());
}

TEST_F(MysqlStoreTest, TimesAtAWholeSecondKeepTheirMilliseconds) {
  const std::string id = chat::new_uuid_v4();
  chat::Exchange exchange = exchange_in(id, "on the second");
  exchange.asked_at = std::chrono::time_point_cast<std::chrono::seconds>(exchange.asked_at);
  exchange.answered_at = exchange.asked_at;
  store_.record_exchange(exchange);
  const auto transcript = store_.transcript(id);
  ASSERT_TRUE(transcript);
  EXPECT_TRUE(transcript->created_at.ends_with(".000Z")) << transcript->created_at;
  EXPECT_TRUE(transcript->messages[0].created_at.ends_with(".000Z")) << transcript->messages[0].created_at;
}

TEST_F(MysqlStoreTest, ACachedAnswerBelongsToTheSessionThatAskedFirst) {
  const std::string id = chat::new_uuid_v4();
  store_.record_exchange(exchange_in(id, "what do you charge"));
  const std::string hash(64, 'c');
  store_.cache_answer(id, hash, "what do you charge", "Prices start at 5K.", std::chrono::seconds(60));
  EXPECT_EQ(store_.cached_answer(hash), "Prices start at 5K.");
  store_.cache_answer(id, std::string(64, 'x'), "gone", "already expired", std::chrono::seconds(-1));
  EXPECT_FALSE(store_.cached_answer(std::string(64, 'x')));
  admin_.execute("DELETE FROM chat_sessions WHERE id = '" + id + "'");  // a UUID made by the test
  EXPECT_FALSE(store_.cached_answer(hash));
  EXPECT_EQ(count("SELECT COUNT(*) FROM answer_cache WHERE session_id = '" + id + "'"), 0);
}

TEST_F(MysqlStoreTest, UnknownSessionHasNoTranscript) {
  EXPECT_FALSE(store_.transcript(chat::new_uuid_v4()));
}

TEST_F(MysqlStoreTest, ReconnectsAfterTheServerDropsTheConnection) {
  const std::string id = chat::new_uuid_v4();
  store_.record_exchange(exchange_in(id, "before"));
  // Kill every other connection of this user: the store's connection is dropped by the server.
  std::unique_ptr<sql::ResultSet> ids(admin_.statement(
      "SELECT id FROM information_schema.processlist WHERE user = CURRENT_USER() AND id <> CONNECTION_ID()"
      " AND db = DATABASE()").executeQuery());
  while (ids->next()) admin_.execute("KILL CONNECTION " + std::to_string(ids->getInt64(1)));
  EXPECT_NO_THROW(store_.ping());
  store_.record_exchange(exchange_in(id, "after"));
  EXPECT_EQ(store_.transcript(id)->messages.size(), 4u);
}

TEST_F(MysqlStoreTest, AFailedExchangeLeavesNothingBehind) {
  const std::string id = chat::new_uuid_v4();
  chat::Exchange bad = exchange_in(id, "question");
  bad.response_time_ms = -1;  // rejected by INT UNSIGNED in strict mode, after the session upsert
  EXPECT_THROW(store_.record_exchange(bad), sql::SQLException);
  EXPECT_FALSE(store_.session_exists(id));
  EXPECT_EQ(count("SELECT COUNT(*) FROM chat_messages WHERE session_id = '" + id + "'"), 0);
  store_.record_exchange(exchange_in(id, "fine"));  // the connection is usable again
  EXPECT_TRUE(store_.session_exists(id));
}

TEST_F(MysqlStoreTest, UnreachableServerIsStoreUnavailable) {
  chat::DatabaseUrl nowhere = test_database();
  nowhere.socket = "/nonexistent/mariadb.sock";
  chat::MysqlConnectionPool pool(nowhere, 1, std::chrono::milliseconds(100));
  chat::MysqlStore store(pool, pool, pool);
  EXPECT_THROW(store.ping(), chat::StoreUnavailable);
  EXPECT_THROW(store.record_exchange(exchange_in(chat::new_uuid_v4(), "x")), chat::StoreUnavailable);
}
