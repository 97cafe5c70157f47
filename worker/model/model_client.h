// The model service client over HTTPS (libcurl + OpenSSL, peer and host always verified): the
// OpenAI-compatible chat-completions protocol (Hugging Face router, TGI, vLLM, llama.cpp server)
// and the legacy Hugging Face text-generation protocol, each plain or streamed (SSE). One
// client per thread: its curl handle keeps the connection open between calls.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/model_settings.h"
#include "model/prompt.h"

namespace chat {

enum class ModelFailure {
  none,
  timeout,           // the time budget ran out
  connect,           // no connection (refused, unresolvable, reset)
  tls,               // certificate or handshake failure: never retried without verification
  unauthorized,      // 401: bad or missing token
  payment_required,  // 402: credits exhausted
  rate_limited,      // 429
  bad_request,       // 400: often "model not supported by any provider"
  not_found,         // 404: wrong URL or model
  gone,              // 410: the retired api-inference host
  loading,           // 503 with "loading": the model is starting
  server_error,      // other 5xx
  client_error,      // other 4xx or an unexpected status
  malformed,         // an answer that is not the protocol's JSON
  stream_error,      // an error sent inside a 200 stream
  cut_stream,        // the stream ended before its end marker
  empty,             // a well-formed answer with no text
  internal,          // this process failed while handling the answer (the detail says how)
};

// Stable names for logs ("timeout", "unauthorized", ...) and a hint for the operator.
std::string_view failure_name(ModelFailure failure);
std::string_view failure_hint(ModelFailure failure);

struct ModelResult {
  ModelFailure failure = ModelFailure::none;
  std::string text;       // the answer, or what was streamed before a failure
  long http_status = 0;
  std::string detail;     // short, for the log; never holds the token
  int attempts = 0;

  bool ok() const { return failure == ModelFailure::none; }
};

struct ModelPrompt {
  std::string system;
  std::vector<ChatTurn> history;  // earlier turns, user first, alternating
  std::string question;
};

// Receives streamed text as it arrives; returns false to stop the stream (client gone or answer
// long enough), which ends the call with what was received.
using TokenSink = std::function<bool(std::string_view text)>;

class ModelClient {
 public:
  explicit ModelClient(ModelSettings settings);
  ~ModelClient();
  ModelClient(const ModelClient&) = delete;
  ModelClient& operator=(const ModelClient&) = delete;

  // Asks the model; streams when `sink` is given. Within settings.timeout_ms it retries once
  // after a 503 "loading" (waiting estimated_time when that fits) or a connection failure, and
  // never after a 4xx or once text was streamed.
  ModelResult complete(const ModelPrompt& prompt, const TokenSink* sink);

  // The JSON request body for `prompt` (exposed for tests).
  std::string request_body(const ModelPrompt& prompt, bool stream) const;

 private:
  struct Transfer;
  ModelResult attempt(const std::string& body, const TokenSink* sink, long budget_ms);

  ModelSettings settings_;
  void* curl_;  // CURL*, kept between calls for connection reuse
};

// Call once in main before any thread uses a ModelClient.
void init_model_client_library();

}  // namespace chat
