// One HTTP exchange with the model service (see the header).
#include "model/model_transfer.h"

#include <algorithm>

#include "model/model_protocol.h"
#include "utf8.h"
#include "worker_limits.h"

namespace chat {

ModelTransfer::ModelTransfer(const ModelSettings& settings, const std::string& body, const TokenSink* sink,
                             long budget_ms)
    : settings_(settings),
      sink_(sink),
      curl_(curl_easy_init()),
      url_(settings.api == ModelApi::chat ? settings.url + "/chat/completions" : settings.url),
      parser_([this](const SseEvent& event) { on_event(event); }) {
  headers_ = curl_slist_append(headers_, ("Authorization: Bearer " + settings.api_key).c_str());
  headers_ = curl_slist_append(headers_, "Content-Type: application/json");
  headers_ = curl_slist_append(headers_, sink ? "Accept: text/event-stream" : "Accept: application/json");

  curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &ModelTransfer::on_data);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!settings.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, settings.ca_file.c_str());
  curl_easy_setopt(curl_, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(curl_, CURLOPT_PIPEWAIT, 1L);  // rather a stream of an HTTP/2 connection than a new one
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, std::max(budget_ms, 1L));
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, std::clamp(budget_ms, 1L, kMaxModelConnectMs));
  curl_easy_setopt(curl_, CURLOPT_USERAGENT, "atonix-chat/1.0");
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_);
}

ModelTransfer::~ModelTransfer() {
  curl_easy_cleanup(curl_);
  curl_slist_free_all(headers_);
}

// Runs `work` (which hands text to the sink); an exception from it fails the transfer instead
// of leaving: none may unwind through libcurl's C frames, or out of the event loop's turn.
template <typename Work>
bool ModelTransfer::guarded(Work&& work) {
  try {
    return work();
  } catch (const std::exception& error) {
    return fail(ModelFailure::internal, error.what());
  } catch (...) {
    return fail(ModelFailure::internal, "unknown exception");
  }
}

size_t ModelTransfer::on_data(char* data, size_t size, size_t count, void* self) {
  auto& transfer = *static_cast<ModelTransfer*>(self);
  const bool taken = transfer.guarded([&] { return transfer.take(std::string_view(data, size * count)); });
  return taken ? size * count : 0;
}

bool ModelTransfer::take(std::string_view chunk) {
  if (status_ == 0) curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status_);
  if (status_ != 200 || sink_ == nullptr) {
    if (body_.size() + chunk.size() > kMaxModelBodyBytes) return fail(ModelFailure::malformed, "answer too large");
    body_.append(chunk);
    return true;
  }
  if (!parser_.feed(chunk)) return fail(ModelFailure::malformed, "stream event too large");
  return failure_ == ModelFailure::none && !stopped_;
}

void ModelTransfer::on_event(const SseEvent& event) {
  if (done_ || failure_ != ModelFailure::none || stopped_) return;
  const StreamStep step = parse_stream_event(settings_.api, event);
  switch (step.kind) {
    case StreamStep::Kind::token:
      text_.append(step.text);
      stopped_ = !(*sink_)(step.text);
      done_ = step.last;
      break;
    case StreamStep::Kind::done: done_ = true; break;
    case StreamStep::Kind::error: fail(ModelFailure::stream_error, step.text); break;
    case StreamStep::Kind::malformed: fail(ModelFailure::malformed, step.text); break;
    case StreamStep::Kind::ignore: break;
  }
}

bool ModelTransfer::fail(ModelFailure kind, std::string why) {
  if (failure_ == ModelFailure::none) {
    failure_ = kind;
    detail_ = std::move(why);
  }
  return false;
}

namespace {

// Replaces every occurrence of `secret` in `text`, so no token reaches a log line.
std::string without_secret(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

}  // namespace

ModelResult ModelTransfer::result(CURLcode code) {
  if (status_ == 0) curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status_);
  if (sink_) {
    guarded([this] {  // the stream's last event, when it did not end with a blank line
      parser_.finish();
      return true;
    });
  }
  ModelResult result = classify(code);
  if (result.ok() && !stopped_ && result.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    result.failure = ModelFailure::empty;
  }
  result.detail = without_secret(result.detail, settings_.api_key);
  return result;
}

ModelResult ModelTransfer::classify(CURLcode code) {
  ModelResult result;
  result.http_status = status_;
  result.text = text_;
  if (stopped_) return result;
  if (failure_ != ModelFailure::none) {
    result.failure = failure_;
    result.detail = detail_;
  } else if (code != CURLE_OK) {
    result.failure = failure_for_curl(code);
    result.detail = error_[0] ? error_ : curl_easy_strerror(code);
  } else if (status_ != 200) {
    result.failure = failure_for_status(status_, body_);
    // A 503's body stays JSON as far as it goes: the call reads its estimated_time.
    result.detail = status_ == 503 ? std::string(utf8_prefix(body_, kMaxModelErrorMessageBytes)) : error_message(body_);
  } else if (sink_ && !done_) {
    result.failure = ModelFailure::cut_stream;
  } else if (!sink_) {
    const auto answer = parse_whole_answer(settings_.api, body_);
    if (!answer) result.failure = ModelFailure::malformed;
    result.text = answer.value_or("");
  }
  return result;
}

}  // namespace chat
