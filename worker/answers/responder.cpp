// The local knowledge answerer and the model answerer with its fallback (see the header).
#include "answers/responder.h"

#include "clock.h"
#include "log.h"
#include "utf8.h"

namespace chat {
namespace {

// Sends `text` to the stream, if there is one.
void send(const AnswerRequest& request, std::string_view text) {
  if (request.sink) (*request.sink)(text);
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

Answer KnowledgeResponder::answer(const AnswerRequest& request) {
  LocalAnswer local = knowledge_.answer(request.question);
  send(request, local.text);
  return {std::move(local.text), Source::knowledge, std::move(local.section_titles)};
}

ModelResponder::ModelResponder(const ModelSettings& settings, const KnowledgeBase& knowledge)
    : client_(settings),
      history_chars_(settings.history_chars),
      knowledge_(knowledge),
      system_prompt_(knowledge.system_prompt()) {}

Answer ModelResponder::answer(const AnswerRequest& request) {
  const ModelPrompt prompt{system_prompt_, select_history(request.history, history_chars_), request.question};
  // Streamed text goes on to the visitor until the answer reaches its length cap, or until the
  // visitor hangs up, which stops the model call too.
  std::size_t sent = 0;
  bool visitor_left = false;
  const TokenSink capped = [&](std::string_view token) {
    const std::string_view allowed = utf8_prefix(token, kMaxAnswerBytes - sent);
    visitor_left = !(*request.sink)(allowed);
    if (!visitor_left) sent += allowed.size();  // what the visitor did not get is not stored
    return !visitor_left && allowed.size() == token.size();
  };
  const Stopwatch stopwatch;
  ModelResult result = client_.complete(prompt, request.sink ? &capped : nullptr);
  if (!result.ok()) {
    log_model_failure(result, stopwatch.elapsed_ms());
    return fall_back(request, result);
  }
  Answer answer{std::string(utf8_prefix(result.text, kMaxAnswerBytes)), Source::model, {}};
  if (!request.sink) return answer;
  answer.text.resize(sent);  // exactly what reached the visitor
  if (visitor_left) {
    answer.text += knowledge_.words().visitor_left_note;
    answer.visitor_left = true;
  }
  return answer;
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
