// One HTTP exchange with the model service (one attempt of a call): its curl easy handle, set up
// for HTTPS with the peer and host verified, and everything that handle points at (headers,
// error buffer, the stream's parser), owned together so that none outlives the other. Run by
// CurlMulti; the answer is read with result() once it ended.
#pragma once

#include <curl/curl.h>

#include <functional>
#include <string>
#include <string_view>

#include "model/model_failure.h"
#include "model/model_settings.h"
#include "model/sse_parser.h"

namespace chat {

// Receives streamed text as it arrives; returns false to stop the stream (client gone or answer
// long enough), which ends the call with what was received.
using TokenSink = std::function<bool(std::string_view text)>;

class ModelTransfer {
 public:
  // `body` must outlive the transfer. With a `sink` the answer is streamed to it.
  ModelTransfer(const ModelSettings& settings, const std::string& body, const TokenSink* sink, long budget_ms);
  ~ModelTransfer();
  ModelTransfer(const ModelTransfer&) = delete;
  ModelTransfer& operator=(const ModelTransfer&) = delete;

  CURL* handle() const { return curl_; }
  // How it went, once curl ended it with `code`.
  ModelResult result(CURLcode code);
  // What was streamed so far (for a call stopped before its end).
  const std::string& streamed() const { return text_; }

 private:
  static size_t on_data(char* data, size_t size, size_t count, void* self);
  template <typename Work>
  bool guarded(Work&& work);
  bool take(std::string_view chunk);
  void on_event(const SseEvent& event);
  bool fail(ModelFailure kind, std::string why);
  ModelResult classify(CURLcode code);

  const ModelSettings& settings_;
  const TokenSink* sink_;
  CURL* curl_;
  curl_slist* headers_ = nullptr;
  std::string url_;
  char error_[CURL_ERROR_SIZE] = "";
  SseParser parser_;
  long status_ = 0;
  std::string body_;
  std::string text_;
  bool done_ = false;
  bool stopped_ = false;  // the sink asked to stop: what was received stands
  ModelFailure failure_ = ModelFailure::none;
  std::string detail_;
};

}  // namespace chat
