// Tests of the model client's own robustness on its event loop, against a one-shot plain-HTTP
// server on loopback (the TLS paths are the integration tests'): a sink that throws, a whole
// answer, a call cancelled while the server is silent.
#include "model/model_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <list>
#include <stdexcept>
#include <string>
#include <thread>

namespace chat {
namespace {

// Answers one connection with `response` (raw HTTP) after reading the request, then closes; or,
// silent, waits for the client to close the connection and notes that it did.
class OneShotServer {
 public:
  explicit OneShotServer(std::string response, bool silent = false) : response_(std::move(response)), silent_(silent) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 1);
    socklen_t size = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~OneShotServer() {
    join();
    ::close(listener_);
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  bool client_closed() const { return client_closed_; }

 private:
  void serve() {
    const int client = ::accept(listener_, nullptr, nullptr);
    std::string request;
    char buffer[4096];
    // The request's headers, then as much body as Content-Length says.
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t got = ::recv(client, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      request.append(buffer, static_cast<std::size_t>(got));
    }
    const std::size_t length_at = request.find("Content-Length: ");
    const std::size_t body_at = request.find("\r\n\r\n") + 4;
    const std::size_t length = length_at == std::string::npos ? 0 : std::stoul(request.substr(length_at + 16));
    while (request.size() < body_at + length) {
      const ssize_t got = ::recv(client, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      request.append(buffer, static_cast<std::size_t>(got));
    }
    if (silent_) {
      client_closed_ = ::recv(client, buffer, sizeof buffer, 0) == 0;
    } else {
      ::send(client, response_.data(), response_.size(), MSG_NOSIGNAL);
    }
    ::close(client);
  }

  std::string response_;
  bool silent_;
  std::atomic<bool> client_closed_{false};
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
};

std::string http_response(const std::string& content_type, const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

const std::string kStream =
    "data: {\"choices\":[{\"delta\":{\"content\":\"Hello \"}}]}\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"there\"}}]}\n\n"
    "data: [DONE]\n\n";

ModelSettings settings_for(const OneShotServer& server) {
  ModelSettings settings;
  settings.api_key = "test-token";
  settings.url = server.url();
  settings.timeout_ms = 5000;
  return settings;
}

class ModelClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_model_client_library(); }
  void SetUp() override { loop_.start(); }

  // Calls the model and waits for the result, which comes on the loop's thread.
  ModelResult complete(ModelClient& client, TokenSink sink) {
    std::promise<ModelResult> result;
    client.call(prompt_, std::move(sink), [&](ModelResult given) { result.set_value(std::move(given)); });
    return result.get_future().get();
  }

  // A client on the test's loop; it lives until the loop has stopped (as in chat-worker), so
  // that no loop turn still runs in it when it goes.
  ModelClient& client_for(ModelSettings settings) { return clients_.emplace_back(std::move(settings), loop_); }

  const ModelPrompt prompt_{"system", {}, "question"};
  std::list<ModelClient> clients_;
  EventLoop loop_;
};

TEST_F(ModelClientTest, StreamsTokensToTheSink) {
  OneShotServer server(http_response("text/event-stream", kStream));
  ModelClient& client = client_for(settings_for(server));
  std::string received;
  const TokenSink sink = [&](std::string_view token) {
    received.append(token);
    return true;
  };
  const ModelResult result = complete(client, sink);
  EXPECT_TRUE(result.ok()) << failure_name(result.failure) << ": " << result.detail;
  EXPECT_EQ(received, "Hello there");
  EXPECT_EQ(result.text, "Hello there");
}

// An exception must not unwind through libcurl's C frames (std::terminate): the call fails
// instead, and the client stays usable.
TEST_F(ModelClientTest, ASinkThatThrowsFailsTheCallInsteadOfTheProcess) {
  OneShotServer server(http_response("text/event-stream", kStream));
  ModelClient& client = client_for(settings_for(server));
  const TokenSink sink = [](std::string_view) -> bool { throw std::runtime_error("the visitor's stream broke"); };
  const ModelResult result = complete(client, sink);
  EXPECT_EQ(result.failure, ModelFailure::internal);
  EXPECT_NE(result.detail.find("the visitor's stream broke"), std::string::npos) << result.detail;

  OneShotServer again(http_response("application/json",
                                    R"({"choices":[{"message":{"role":"assistant","content":"Fine"}}]})"));
  ModelClient& second = client_for(settings_for(again));
  const ModelResult whole = complete(second, {});
  EXPECT_TRUE(whole.ok()) << failure_name(whole.failure) << ": " << whole.detail;
  EXPECT_EQ(whole.text, "Fine");
}

// The last event of a stream that ends without a blank line is handed on after the transfer,
// outside libcurl: a sink that throws there fails the call too.
TEST_F(ModelClientTest, ASinkThatThrowsOnTheStreamsLastEventFailsTheCall) {
  OneShotServer server(http_response("text/event-stream", "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n"));
  ModelClient& client = client_for(settings_for(server));
  const TokenSink sink = [](std::string_view) -> bool { throw std::runtime_error("boom"); };
  const ModelResult result = complete(client, sink);
  EXPECT_EQ(result.failure, ModelFailure::internal);
  EXPECT_EQ(result.detail, "boom");
}

// The visitor left: the call stops at once with what was streamed (nothing here), and the model
// service sees its connection closed, so no tokens are paid for nobody.
TEST_F(ModelClientTest, ACancelledCallEndsAtOnceAndClosesTheConnection) {
  OneShotServer server("", /*silent=*/true);
  ModelSettings settings = settings_for(server);
  settings.timeout_ms = 30000;
  ModelClient& client = client_for(settings);
  std::promise<ModelResult> result;
  const auto call = client.call(prompt_, [](std::string_view) { return true; },
                                [&](ModelResult given) { result.set_value(std::move(given)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // connected, waiting for the answer
  call->cancel();
  auto finished = result.get_future();
  ASSERT_EQ(finished.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const ModelResult stopped = finished.get();
  EXPECT_TRUE(stopped.ok());
  EXPECT_EQ(stopped.text, "");
  call->cancel();  // after the end: nothing happens
  server.join();
  EXPECT_TRUE(server.client_closed());
}

}  // namespace
}  // namespace chat
