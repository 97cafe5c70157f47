// The local knowledge answerer and the model answerer with its fallback (see the header).
#include "answers/responder.h"

#include <atomic>

#include "clock.h"
#include "log.h"
#include "utf8.h"

namespace chat {
namespace {

// Sends `text` to the stream, if there is one.
void send(const AnswerRequest& request, std::string_view text) {
  if (request.sink) request.sink(text);
}

void log_model_failure(const ModelResult& failed, std::int64_t ms) {
  Json::Value fields(Json::objectValue);
  fields["failure"] = std::string(failure_name(failed.failure));
  fields["http_status"] = Json::Int64(failed.http_status);
  fields["attempts"] = failed.attempts;
  fields["detail"] = failed.detail;
  fields["hint"] = std::string(failure_hint(failed.failure));
  fields["streamed_chars"] = Json::UInt64(failed.text.size());
  fields["ms"] = Json::Int64(ms);
  log::warn("model call failed, answering from the knowledge base", fields);
}

}  // namespace

CancelAnswer KnowledgeResponder::answer(AnswerRequest request, AnswerDone done) {
  LocalAnswer local = knowledge_.answer(request.question);
  send(request, local.text);
  done({std::move(local.text), Source::knowledge, std::move(local.section_titles)});
  return [] {};
}

// One answer under way: its request and what its stream sent (touched on the loop only, until
// the call ends and the rest moves to a serving thread).
struct ModelResponder::Pending {
  AnswerRequest request;
  AnswerDone done;
  Stopwatch stopwatch;
  std::size_t sent = 0;             // bytes that reached the visitor
  std::atomic<bool> visitor_left{false};
};

ModelResponder::ModelResponder(const ModelSettings& settings, const KnowledgeBase& knowledge, EventLoop& loop,
                               Executor& pool, WorkerMetrics* metrics)
    : client_(settings, loop),
      pool_(pool),
      history_chars_(settings.history_chars),
      knowledge_(knowledge),
      system_prompt_(knowledge.system_prompt()),
      metrics_(metrics) {}

CancelAnswer ModelResponder::answer(AnswerRequest request, AnswerDone done) {
  auto pending = std::make_shared<Pending>();
  pending->request = std::move(request);
  pending->done = std::move(done);
  const AnswerRequest& asked = pending->request;
  const ModelPrompt prompt{system_prompt_, select_history(asked.history, history_chars_), asked.question};
  // Streamed text goes on to the visitor until the answer reaches its length cap, or until the
  // visitor hangs up, which stops the model call too.
  TokenSink capped;
  if (asked.sink) {
    capped = [raw = pending.get()](std::string_view token) {
      const std::string_view allowed = utf8_prefix(token, kMaxAnswerBytes - raw->sent);
      if (!raw->request.sink(allowed)) {
        raw->visitor_left = true;  // what the visitor did not get is not stored
        return false;
      }
      raw->sent += allowed.size();
      return allowed.size() == token.size();
    };
  }
  const auto call = client_.call(prompt, std::move(capped), [this, pending](ModelResult result) {
    pool_.post([this, pending, result = std::move(result)] { pending->done(settle_or_apologise(*pending, result)); });
  }, asked.waited_ms);
  return [pending, weak = std::weak_ptr<ModelCall>(call)] {
    pending->visitor_left = true;
    if (const auto running = weak.lock()) running->cancel();
  };
}

// The answer, whatever happens while it is settled: an answer is always given, so that its
// response always ends (a failure here is a bug, and the log says what it was).
Answer ModelResponder::settle_or_apologise(Pending& pending, const ModelResult& result) {
  try {
    return settle(pending, result);
  } catch (const std::exception& error) {
    Json::Value fields(Json::objectValue);
    fields["detail"] = error.what();
    log::error("could not settle a model answer; answering that we do not know", fields);
    return {knowledge_.words().dont_know_without_contact, Source::fallback, {}};
  }
}

// The answer a finished call gives: the model's, what reached a visitor who left, or the
// local fallback.
Answer ModelResponder::settle(Pending& pending, const ModelResult& result) {
  count_call(pending, result);
  const AnswerRequest& request = pending.request;
  if (pending.visitor_left) {
    std::string reached = request.sink ? std::string(utf8_prefix(result.text, pending.sent)) : "";
    return {reached + knowledge_.words().visitor_left_note, Source::model, {}, true};
  }
  if (!result.ok()) {
    log_model_failure(result, pending.stopwatch.elapsed_ms());
    return fall_back(request, result);
  }
  Answer answer{std::string(utf8_prefix(result.text, kMaxAnswerBytes)), Source::model, sources_of(request.question)};
  if (request.sink) answer.text.resize(pending.sent);  // exactly what reached the visitor
  return answer;
}

void ModelResponder::count_call(const Pending& pending, const ModelResult& result) {
  if (!metrics_) return;
  const ModelOutcome outcome = pending.visitor_left ? ModelOutcome::cancelled
                               : result.ok()        ? ModelOutcome::ok
                                                    : ModelOutcome::failed;
  metrics_->model_call_ended(outcome, result.failure, std::chrono::milliseconds(pending.stopwatch.elapsed_ms()));
}

// The local answer stands in. When part of the model's answer was already streamed, it stays
// (the visitor has seen it) and the local answer follows it, marked as such.
Answer ModelResponder::fall_back(const AnswerRequest& request, const ModelResult& failed) {
  LocalAnswer local = knowledge_.answer(request.question);
  std::string streamed = request.sink ? std::string(utf8_prefix(failed.text, kMaxAnswerBytes)) : "";
  std::string addition = streamed.empty() ? local.text : knowledge_.words().interrupted_note + local.text;
  send(request, addition);
  return {streamed + addition, Source::fallback, std::move(local.section_titles)};
}

}  // namespace chat
