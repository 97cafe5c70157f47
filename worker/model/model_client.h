// The model service client over HTTPS (libcurl + OpenSSL, peer and host always verified): the
// OpenAI-compatible chat-completions protocol (Hugging Face router, TGI, vLLM, llama.cpp server)
// and the legacy Hugging Face text-generation protocol, each plain or streamed (SSE). One client
// per process: its calls run on the event loop, all at once, sharing connections.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "async/event_loop.h"
#include "model/curl_multi.h"
#include "model/model_failure.h"
#include "model/model_settings.h"
#include "model/model_transfer.h"
#include "model/prompt.h"

namespace chat {

struct ModelPrompt {
  std::string system;
  std::vector<ChatTurn> history;  // earlier turns, user first, alternating
  std::string question;
};

// Receives a call's result once, on the loop's thread.
using ModelDone = std::function<void(ModelResult)>;

class ModelClient;

// One call in flight: its attempts (within the time budget it retries once after a 503
// "loading", waiting estimated_time when that fits, or after a connection failure; never after
// a 4xx or once text was streamed).
class ModelCall : public std::enable_shared_from_this<ModelCall> {
 public:
  ModelCall(ModelClient& client, std::string body, TokenSink sink, ModelDone done, long budget_ms);
  // Stops the call (the visitor left): `done` then runs with what was streamed so far. Safe
  // from any thread, and after the call ended (then it does nothing).
  void cancel();

 private:
  friend class ModelClient;
  void start_attempt();
  void on_finished(CURLcode code);
  bool retry_later(const ModelResult& failed);
  void finish(ModelResult result);
  long remaining_ms() const;

  ModelClient& client_;
  const std::string body_;
  const TokenSink sink_;  // empty: the answer comes whole
  ModelDone done_;
  const EventLoop::Clock::time_point deadline_;
  int attempts_ = 0;
  std::unique_ptr<ModelTransfer> transfer_;
  std::optional<EventLoop::TimerId> retry_timer_;
  bool finished_ = false;
};

class ModelClient {
 public:
  ModelClient(ModelSettings settings, EventLoop& loop);
  ModelClient(const ModelClient&) = delete;
  ModelClient& operator=(const ModelClient&) = delete;

  // Starts a call; safe from any thread. With a `sink` the answer streams to it. `sink` and
  // `done` run on the loop's thread. It ends within `spent_ms` less than CHAT_LLM_TIMEOUT_MS
  // (what the ask already waited), so that an ask's whole life stays within the timeout.
  std::shared_ptr<ModelCall> call(const ModelPrompt& prompt, TokenSink sink, ModelDone done, long spent_ms = 0);

  // The JSON request body for `prompt` (exposed for tests).
  std::string request_body(const ModelPrompt& prompt, bool stream) const;

 private:
  friend class ModelCall;
  ModelSettings settings_;
  EventLoop& loop_;
  CurlMulti multi_;
};

// Call once in main before any thread uses a ModelClient.
void init_model_client_library();

}  // namespace chat
