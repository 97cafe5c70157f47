// The model service client (see the header).
#include "model/model_client.h"

#include <algorithm>

#include "model/model_protocol.h"
#include "worker_limits.h"

namespace chat {

void init_model_client_library() { curl_global_init(CURL_GLOBAL_DEFAULT); }

ModelClient::ModelClient(ModelSettings settings, EventLoop& loop)
    : settings_(std::move(settings)), loop_(loop), multi_(loop) {}

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

std::shared_ptr<ModelCall> ModelClient::call(const ModelPrompt& prompt, TokenSink sink, ModelDone done,
                                             long spent_ms) {
  const bool streaming = static_cast<bool>(sink);
  const long budget_ms = std::max(1L, settings_.timeout_ms - std::max(0L, spent_ms));
  auto call = std::make_shared<ModelCall>(*this, request_body(prompt, streaming), std::move(sink), std::move(done),
                                          budget_ms);
  loop_.post([call] { call->start_attempt(); });
  return call;
}

ModelCall::ModelCall(ModelClient& client, std::string body, TokenSink sink, ModelDone done, long budget_ms)
    : client_(client),
      body_(std::move(body)),
      sink_(std::move(sink)),
      done_(std::move(done)),
      deadline_(EventLoop::Clock::now() + std::chrono::milliseconds(budget_ms)) {}

long ModelCall::remaining_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - EventLoop::Clock::now()).count();
}

void ModelCall::start_attempt() {
  if (finished_) return;
  ++attempts_;
  transfer_ = std::make_unique<ModelTransfer>(client_.settings_, body_, sink_ ? &sink_ : nullptr, remaining_ms());
  client_.multi_.add(transfer_->handle(), [self = shared_from_this()](CURLcode code) { self->on_finished(code); });
}

void ModelCall::on_finished(CURLcode code) {
  ModelResult result = transfer_->result(code);
  transfer_.reset();
  result.attempts = attempts_;
  if (!result.ok() && retry_later(result)) return;
  finish(std::move(result));
}

// A first attempt that found the model loading or the service unreachable, with nothing
// streamed yet, is tried once more when the wait still fits the budget.
bool ModelCall::retry_later(const ModelResult& failed) {
  const bool retryable = failed.failure == ModelFailure::loading || failed.failure == ModelFailure::connect;
  if (attempts_ > 1 || !retryable || !failed.text.empty()) return false;
  long wait_ms = 0;
  if (failed.failure == ModelFailure::loading) {
    wait_ms = static_cast<long>(loading_estimate_seconds(failed.detail).value_or(1.0) * 1000);
  }
  if (wait_ms + kModelRetryMarginMs > remaining_ms()) return false;  // a retry cannot fit the budget
  retry_timer_ = client_.loop_.add_timer(std::chrono::milliseconds(wait_ms), [self = shared_from_this()] {
    self->retry_timer_.reset();
    self->start_attempt();
  });
  return true;
}

void ModelCall::finish(ModelResult result) {
  if (finished_) return;
  finished_ = true;
  ModelDone done = std::move(done_);
  done(std::move(result));
}

// Never inside a libcurl callback (the visitor's hang-up may be noticed while a token is being
// written): the stop is a task of its own on the loop.
void ModelCall::cancel() {
  client_.loop_.post([self = shared_from_this()] {
    if (self->finished_) return;
    ModelResult stopped;
    stopped.attempts = self->attempts_;
    if (self->retry_timer_) self->client_.loop_.cancel_timer(*self->retry_timer_);
    if (self->transfer_) {
      stopped.text = self->transfer_->streamed();
      self->client_.multi_.remove(self->transfer_->handle());
      self->transfer_.reset();
    }
    self->finish(std::move(stopped));
  });
}

}  // namespace chat
