// The model service client over HTTPS (see the header).
#include "model/model_client.h"

#include <curl/curl.h>

#include <chrono>
#include <thread>

#include "model/model_protocol.h"
#include "model/sse_parser.h"
#include "utf8.h"
#include "worker_limits.h"

namespace chat {
namespace {

using Clock = std::chrono::steady_clock;

ModelFailure failure_for_status(long status, std::string_view body) {
  switch (status) {
    case 400: return ModelFailure::bad_request;
    case 401: case 403: return ModelFailure::unauthorized;
    case 402: return ModelFailure::payment_required;
    case 404: return ModelFailure::not_found;
    case 410: return ModelFailure::gone;
    case 429: return ModelFailure::rate_limited;
    case 503:
      return loading_estimate_seconds(body) || body.find("loading") != std::string_view::npos
                 ? ModelFailure::loading
                 : ModelFailure::server_error;
    default: return status >= 500 ? ModelFailure::server_error : ModelFailure::client_error;
  }
}

ModelFailure failure_for_curl(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return ModelFailure::timeout;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR: return ModelFailure::tls;
    default: return ModelFailure::connect;
  }
}

// Replaces every occurrence of `secret` in `text`, so no token reaches a log line.
std::string without_secret(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

}  // namespace

std::string_view failure_name(ModelFailure failure) {
  switch (failure) {
    case ModelFailure::none: return "none";
    case ModelFailure::timeout: return "timeout";
    case ModelFailure::connect: return "connect";
    case ModelFailure::tls: return "tls";
    case ModelFailure::unauthorized: return "unauthorized";
    case ModelFailure::payment_required: return "payment_required";
    case ModelFailure::rate_limited: return "rate_limited";
    case ModelFailure::bad_request: return "bad_request";
    case ModelFailure::not_found: return "not_found";
    case ModelFailure::gone: return "gone";
    case ModelFailure::loading: return "loading";
    case ModelFailure::server_error: return "server_error";
    case ModelFailure::client_error: return "client_error";
    case ModelFailure::malformed: return "malformed";
    case ModelFailure::stream_error: return "stream_error";
    case ModelFailure::cut_stream: return "cut_stream";
    case ModelFailure::empty: return "empty";
    case ModelFailure::internal: return "internal";
  }
  return "unknown";
}

std::string_view failure_hint(ModelFailure failure) {
  switch (failure) {
    case ModelFailure::timeout: return "the model did not answer within CHAT_LLM_TIMEOUT_MS";
    case ModelFailure::connect: return "cannot reach CHAT_LLM_URL: check the host, DNS and firewall";
    case ModelFailure::tls: return "TLS verification failed: check CHAT_CA_FILE and the server certificate";
    case ModelFailure::unauthorized: return "the token was refused: check HUGGINGFACE_API_KEY";
    case ModelFailure::payment_required: return "the account's credits are exhausted: add credits or change provider";
    case ModelFailure::rate_limited: return "the provider rate-limits this token: slow down or upgrade the plan";
    case ModelFailure::bad_request: return "the request was refused: check CHAT_MODEL is served by a provider";
    case ModelFailure::not_found: return "no such endpoint or model: check CHAT_LLM_URL and CHAT_MODEL";
    case ModelFailure::gone:
      return "the endpoint is retired: use https://router.huggingface.co/v1 or "
             "router.huggingface.co/hf-inference/models/<model>";
    case ModelFailure::loading: return "the model is loading at the provider: retry shortly";
    case ModelFailure::server_error: return "the provider failed: retry later";
    case ModelFailure::client_error: return "unexpected status from the provider";
    case ModelFailure::malformed: return "the answer was not the protocol's JSON: check CHAT_LLM_API";
    case ModelFailure::stream_error: return "the provider reported an error inside the stream";
    case ModelFailure::cut_stream: return "the stream ended before its end marker";
    case ModelFailure::empty: return "the model answered with no text";
    case ModelFailure::internal: return "chat-worker failed while relaying the answer: a bug, see the detail";
    case ModelFailure::none: return "";
  }
  return "";
}

void init_model_client_library() { curl_global_init(CURL_GLOBAL_DEFAULT); }

// The state of one HTTP exchange with the model service. It owns everything the curl handle
// points at during the exchange (headers, error buffer, itself as the write target) and takes
// those pointers back from the handle when it goes, so the handle, which lives on for the next
// call, never points at freed memory.
struct ModelClient::Transfer {
  Transfer(CURL* handle, ModelApi protocol, const TokenSink* token_sink)
      : curl(handle), api(protocol), sink(token_sink),
        parser([this](const SseEvent& event) { on_event(event); }) {}
  ~Transfer() {
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, nullptr);
    curl_slist_free_all(headers);
  }
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  void add_header(const std::string& header) { headers = curl_slist_append(headers, header.c_str()); }

  // Runs `work` (which hands text to the sink); an exception from it fails the transfer instead
  // of leaving: none may unwind through libcurl's C frames, or out of the call.
  template <typename Work>
  bool guarded(Work&& work) {
    try {
      return work();
    } catch (const std::exception& error) {
      return fail(ModelFailure::internal, error.what());
    } catch (...) {
      return fail(ModelFailure::internal, "unknown exception");
    }
  }

  // The stream's last event, when it did not end with a blank line.
  void finish_stream() {
    guarded([this] {
      parser.finish();
      return true;
    });
  }

  // libcurl's write callback.
  static size_t on_data(char* data, size_t size, size_t count, void* self) {
    auto& transfer = *static_cast<Transfer*>(self);
    const bool taken = transfer.guarded([&] { return transfer.take(std::string_view(data, size * count)); });
    return taken ? size * count : 0;
  }

  bool take(std::string_view chunk) {
    if (status == 0) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200 || sink == nullptr) {
      if (body.size() + chunk.size() > kMaxModelBodyBytes) return fail(ModelFailure::malformed, "answer too large");
      body.append(chunk);
      return true;
    }
    if (!parser.feed(chunk)) return fail(ModelFailure::malformed, "stream event too large");
    return failure == ModelFailure::none && !stopped;
  }

  void on_event(const SseEvent& event) {
    if (done || failure != ModelFailure::none || stopped) return;
    const StreamStep step = parse_stream_event(api, event);
    switch (step.kind) {
      case StreamStep::Kind::token:
        text.append(step.text);
        stopped = !(*sink)(step.text);
        done = step.last;
        break;
      case StreamStep::Kind::done: done = true; break;
      case StreamStep::Kind::error: fail(ModelFailure::stream_error, step.text); break;
      case StreamStep::Kind::malformed: fail(ModelFailure::malformed, step.text); break;
      case StreamStep::Kind::ignore: break;
    }
  }

  bool fail(ModelFailure kind, std::string why) {
    if (failure == ModelFailure::none) {
      failure = kind;
      detail = std::move(why);
    }
    return false;
  }

  CURL* curl;
  ModelApi api;
  const TokenSink* sink;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = "";
  SseParser parser;
  long status = 0;
  std::string body;
  std::string text;
  bool done = false;
  bool stopped = false;  // the sink asked to stop: what was received stands
  ModelFailure failure = ModelFailure::none;
  std::string detail;
};

ModelClient::ModelClient(ModelSettings settings) : settings_(std::move(settings)), curl_(curl_easy_init()) {}

ModelClient::~ModelClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

std::string ModelClient::request_body(const ModelPrompt& prompt, bool stream) const {
  if (settings_.api == ModelApi::chat) {
    return chat_request_body(settings_,
                             build_chat_messages(prompt.system, prompt.history, prompt.question,
                                                 settings_.system_role),
                             stream);
  }
  return text_generation_request_body(
      settings_, build_mistral_prompt(prompt.system, prompt.history, prompt.question), stream);
}

ModelResult ModelClient::complete(const ModelPrompt& prompt, const TokenSink* sink) {
  const std::string body = request_body(prompt, sink != nullptr);
  const auto deadline = Clock::now() + std::chrono::milliseconds(settings_.timeout_ms);
  const auto remaining_ms = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  };
  ModelResult result = attempt(body, sink, remaining_ms());
  result.attempts = 1;
  const bool retryable = result.failure == ModelFailure::loading || result.failure == ModelFailure::connect;
  if (result.ok() || !retryable || !result.text.empty()) return result;

  long wait_ms = 0;
  if (result.failure == ModelFailure::loading) {
    wait_ms = static_cast<long>(loading_estimate_seconds(result.detail).value_or(1.0) * 1000);
  }
  if (wait_ms + kModelRetryMarginMs > remaining_ms()) return result;  // a retry cannot fit the budget
  std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
  ModelResult retry = attempt(body, sink, remaining_ms());
  retry.attempts = 2;
  return retry;
}

ModelResult ModelClient::attempt(const std::string& body, const TokenSink* sink, long budget_ms) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  Transfer transfer(curl, settings_.api, sink);
  const std::string url = settings_.api == ModelApi::chat ? settings_.url + "/chat/completions" : settings_.url;
  transfer.add_header("Authorization: Bearer " + settings_.api_key);
  transfer.add_header("Content-Type: application/json");
  transfer.add_header(sink ? "Accept: text/event-stream" : "Accept: application/json");

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, transfer.headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Transfer::on_data);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!settings_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, std::max(budget_ms, 1L));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::clamp(budget_ms, 1L, kMaxModelConnectMs));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "atonix-chat/1.0");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, transfer.error);

  const CURLcode code = curl_easy_perform(curl);
  if (transfer.status == 0) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &transfer.status);
  if (sink) transfer.finish_stream();

  ModelResult result;
  result.http_status = transfer.status;
  result.text = std::move(transfer.text);
  if (transfer.stopped) return result;
  if (transfer.failure != ModelFailure::none) {
    result.failure = transfer.failure;
    result.detail = transfer.detail;
  } else if (code != CURLE_OK) {
    result.failure = failure_for_curl(code);
    result.detail = transfer.error[0] ? transfer.error : curl_easy_strerror(code);
  } else if (transfer.status != 200) {
    result.failure = failure_for_status(transfer.status, transfer.body);
    // A 503's body stays JSON as far as it goes: complete() reads its estimated_time.
    result.detail = transfer.status == 503 ? std::string(utf8_prefix(transfer.body, kMaxModelErrorMessageBytes))
                                           : error_message(transfer.body);
  } else if (sink && !transfer.done) {
    result.failure = ModelFailure::cut_stream;
  } else if (!sink) {
    const auto answer = parse_whole_answer(settings_.api, transfer.body);
    if (!answer) result.failure = ModelFailure::malformed;
    result.text = answer.value_or("");
  }
  if (result.ok() && result.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    result.failure = ModelFailure::empty;
  }
  result.detail = without_secret(result.detail, settings_.api_key);
  return result;
}

}  // namespace chat
