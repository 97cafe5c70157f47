// Tests of the event loop and of the FastCGI responses it finishes, over socket pairs: records
// as nginx reads them, a client that stops reading, a client that hangs up.
#include "http/loop_response.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "core_limits.h"

namespace chat {
namespace {

struct Record {
  int type = 0;
  int request_id = 0;
  std::string content;
};

// Reads records from `fd` until END_REQUEST, the peer closing, or `timeout`.
std::vector<Record> read_records(int fd, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  std::string bytes;
  std::vector<Record> records;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    while (bytes.size() >= 8) {
      const auto* header = reinterpret_cast<const unsigned char*>(bytes.data());
      const std::size_t length = (header[4] << 8) | header[5];
      const std::size_t total = 8 + length + header[6];
      if (bytes.size() < total) break;
      records.push_back({header[1], (header[2] << 8) | header[3], bytes.substr(8, length)});
      bytes.erase(0, total);
      if (records.back().type == 3) return records;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd readable{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&readable, 1, static_cast<int>(left.count())) <= 0) return records;
    char buffer[65536];
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) return records;
    bytes.append(buffer, static_cast<std::size_t>(got));
  }
}

std::string stdout_of(const std::vector<Record>& records) {
  std::string text;
  for (const Record& record : records) {
    if (record.type == 6) text += record.content;
  }
  return text;
}

// A connection as the worker holds it (`ours`) and as nginx does (`theirs`).
struct Connection {
  Connection() {
    int pair[2];
    ::socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    ours = pair[0];
    theirs = pair[1];
  }
  ~Connection() { ::close(theirs); }
  int ours;
  int theirs;
};

class LoopResponseTest : public ::testing::Test {
 protected:
  void SetUp() override { loop_.start(); }
  std::shared_ptr<LoopResponse> adopt(const Connection& connection, bool begun = false) {
    return LoopResponse::adopt(loop_, connection.ours, 7, begun ? 200 : 0, [this](int status) {
      ++released_;
      released_status_ = status;
    });
  }

  // Waits until `count` responses were released, for 30 s at most (a deadline for a loaded
  // machine, not a pause: it returns as soon as they are).
  void wait_for_released(int count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (released_ < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  std::atomic<int> released_{0};  // before the loop: its last tasks may still release responses
  std::atomic<int> released_status_{-1};
  EventLoop loop_;
};

TEST_F(LoopResponseTest, WritesTheResponseAsFastCgiRecordsAndEndsTheRequest) {
  Connection connection;
  auto response = adopt(connection);
  response->begin(200, {{"Content-Type", "application/json"}});
  EXPECT_TRUE(response->write(R"({"ok":true})"));
  response->finish();
  const auto records = read_records(connection.theirs);
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.back().type, 3);  // END_REQUEST
  EXPECT_EQ(records.back().request_id, 7);
  EXPECT_EQ(stdout_of(records), "Status: 200 OK\r\nContent-Type: application/json\r\n\r\n{\"ok\":true}");
  EXPECT_EQ(records[records.size() - 2].content, "");  // the empty record that ends stdout
  response.reset();
  loop_.stop();
  loop_.join();
  EXPECT_EQ(released_, 1);
  EXPECT_EQ(released_status_, 200);  // what the metrics count it as
}

TEST_F(LoopResponseTest, ReleasesWithTheStatusItsHeadWasSentWithOrNone) {
  Connection begun_elsewhere;
  Connection never_begun;
  adopt(begun_elsewhere, /*begun=*/true).reset();
  wait_for_released(1);
  EXPECT_EQ(released_status_, 200);
  auto refused = adopt(never_begun);
  refused->begin(503, {});
  refused->finish();
  refused.reset();
  wait_for_released(2);
  EXPECT_EQ(released_status_, 503);
  Connection dropped;
  adopt(dropped).reset();  // the visitor left before anything was sent
  wait_for_released(3);
  EXPECT_EQ(released_, 3);
  EXPECT_EQ(released_status_, 0);
}

// A full socket is its own response's problem: the other streams go on, and the stalled one is
// dropped once it holds more than kMaxUnsentResponseBytes.
TEST_F(LoopResponseTest, AClientThatStopsReadingDelaysNoOtherResponse) {
  Connection stalled;
  Connection reading;
  auto slow = adopt(stalled, true);
  auto fast = adopt(reading, true);
  std::promise<void> gone;
  slow->on_client_gone([&] { gone.set_value(); });
  const std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 4; ++i) slow->write(chunk);  // more than the socket holds: it waits for EPOLLOUT
  EXPECT_TRUE(fast->write("event: token\n\n"));
  fast->finish();
  const auto records = read_records(reading.theirs, std::chrono::seconds(2));
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.back().type, 3);
  EXPECT_EQ(stdout_of(records), "event: token\n\n");

  for (std::size_t sent = 0; sent <= kMaxUnsentResponseBytes; sent += chunk.size()) slow->write(chunk);
  EXPECT_EQ(gone.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(slow->write("more"));
}

TEST_F(LoopResponseTest, AClientThatHangsUpIsNoticedWithoutAWrite) {
  Connection connection;
  auto response = adopt(connection, true);
  std::promise<void> gone;
  response->on_client_gone([&] { gone.set_value(); });
  ::shutdown(connection.theirs, SHUT_RDWR);  // nginx closes: the visitor went away
  EXPECT_EQ(gone.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(response->write("late"));
}

TEST_F(LoopResponseTest, AResponseLetGoUnfinishedDropsItsConnection) {
  Connection connection;
  auto response = adopt(connection, true);
  response->write("partial");
  response.reset();  // a bug upstream: nobody will finish it
  const auto records = read_records(connection.theirs);
  EXPECT_TRUE(records.empty() || records.back().type != 3);  // no END_REQUEST: nginx sees it cut
  char byte;
  EXPECT_EQ(::recv(connection.theirs, &byte, 1, 0), 0);  // closed
  wait_for_released(1);  // right after the close, on the loop's thread
  EXPECT_EQ(released_, 1);
}

TEST(EventLoopTest, RunsPostedTasksTimersInOrderAndSurvivesATaskThatThrows) {
  EventLoop loop;
  loop.start();
  std::promise<std::string> order;
  auto text = std::make_shared<std::string>();
  loop.post([] { throw std::runtime_error("a task failed"); });
  loop.post([&loop, text, &order] {
    loop.add_timer(std::chrono::milliseconds(30), [text, &order] {
      *text += "late";
      order.set_value(*text);
    });
    const auto cancelled = loop.add_timer(std::chrono::milliseconds(10), [text] { *text += "never"; });
    loop.add_timer(std::chrono::milliseconds(10), [text] { *text += "soon,"; });
    loop.cancel_timer(cancelled);
  });
  auto result = order.get_future();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(result.get(), "soon,late");
}

}  // namespace
}  // namespace chat
