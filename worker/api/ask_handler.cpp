// POST /api/chatbot/ask/: parse, validate, find the session, answer (cache, model or knowledge),
// store both messages in one transaction, reply as JSON or as a stream of events.
#include <chrono>
#include <optional>

#include "answers/question_key.h"
#include "api/api.h"
#include "api/ask_request.h"
#include "api/event_stream.h"
#include "clock.h"
#include "json_writer.h"
#include "log.h"
#include "uuid.h"
#include "worker_limits.h"

namespace chat {
namespace {

struct SessionState {
  std::string id;
  bool known = false;                  // an existing session (else a new one starts)
  std::vector<StoredMessage> history;  // its last messages, oldest first
};

void check_envelope(const Request& request) {
  if (request.body_too_large) {
    throw ClientError(413, "body must be at most " + std::to_string(kMaxRequestBodyBytes) + " bytes");
  }
  if (!is_json_content_type(request.content_type)) {
    throw ClientError(415, "Content-Type must be application/json");
  }
}

// The session the question belongs to; enforces the per-session hourly limit.
SessionState find_session(const AskRequest& ask, ApiContext& context,
                          std::chrono::system_clock::time_point now) {
  if (!ask.session_id || !context.store.session_exists(*ask.session_id)) {
    return {new_uuid_v4(), false, {}};
  }
  const ApiLimits& limits = context.limits;
  if (limits.session_asks_per_hour > 0 &&
      context.store.visitor_messages_since(*ask.session_id, now - std::chrono::hours(1)) >=
          limits.session_asks_per_hour) {
    throw ClientError(429, "this conversation has reached " + std::to_string(limits.session_asks_per_hour) +
                               " questions in an hour; try again later",
                      kSessionLimitRetryAfterSeconds);
  }
  return {*ask.session_id, true, context.store.recent_messages(*ask.session_id, limits.history_messages)};
}

// A first question asked before: the model's stored answer, sent as one token when streaming.
std::optional<Answer> cached_answer(const std::string& hash, const AnswerRequest& request, ApiContext& context) {
  auto text = context.store.cached_answer(hash);
  if (!text) return std::nullopt;
  if (request.sink) (*request.sink)(*text);
  return Answer{std::move(*text), Source::cache, {}};
}

void remember_answer(const std::string& session_id, const std::string& hash, const std::string& normalized_question,
                     const Answer& answer, ApiContext& context) {
  try {
    context.store.cache_answer(session_id, hash, normalized_question, answer.text, context.limits.cache_ttl);
  } catch (const std::exception& error) {  // the answer is stored; only its reuse is lost
    Json::Value fields(Json::objectValue);
    fields["detail"] = error.what();
    log::warn("could not cache an answer", fields);
  }
}

// All places among the asks in flight are taken: come back shortly.
Response busy() {
  Response response = Response::error(503, "unavailable",
                                      "too many questions are being answered right now; try again in a moment");
  response.headers.emplace_back("Retry-After", std::to_string(kAskAdmissionRetryAfterSeconds));
  return response;
}

std::string answer_json(const Exchange& exchange, const StoredExchange& stored) {
  JsonWriter body;
  body.begin_object()
      .field("session_id", exchange.session_id)
      .field("message_id", stored.bot_message_id)
      .field("response", exchange.answer)
      .field("response_time_ms", exchange.response_time_ms)
      .field("source", to_string(exchange.source))
      .end_object();
  return body.take();
}

// {"NAME": "VALUE"}: the payload of the session and token events.
std::string one_field_json(std::string_view name, std::string_view value) {
  JsonWriter out;
  out.begin_object().field(name, value).end_object();
  return out.take();
}

}  // namespace

Response handle_ask(const Request& request, ApiContext& context) {
  check_envelope(request);
  const AskRequest ask = parse_ask_request(request.body, context.limits.max_message_chars);
  const auto asked_at = std::chrono::system_clock::now();
  SessionState session = find_session(ask, context, asked_at);
  std::optional<AskAdmission::Ticket> ticket;  // held until the answer is stored
  if (context.admission && !ticket.emplace(context.admission->try_enter())) return busy();

  const bool streaming = request.stream != nullptr && accepts_event_stream(request.accept);
  std::optional<EventStream> events;
  const TokenSink to_browser = [&](std::string_view text) {
    return events->send("token", one_field_json("text", text));
  };
  if (streaming) {
    if (!session.known) context.store.create_session(session.id, ask.visitor, asked_at);
    events.emplace(*request.stream);
    events->begin();
    events->send("session", one_field_json("session_id", session.id));
  }

  const Stopwatch stopwatch;
  const AnswerRequest answer_request{ask.message, std::move(session.history), streaming ? &to_browser : nullptr};
  const bool cacheable = context.limits.answer_cache && !session.known;
  const std::string normalized = cacheable ? normalize_question(ask.message) : "";
  const std::string hash = cacheable ? question_hash(normalized) : "";
  std::optional<Answer> answer = cacheable ? cached_answer(hash, answer_request, context) : std::nullopt;
  if (!answer) answer = context.responder.answer(answer_request);

  const Exchange exchange{session.id, ask.visitor, ask.message, asked_at, answer->text,
                          std::chrono::system_clock::now(), stopwatch.elapsed_ms(), answer->source};
  const StoredExchange stored = context.store.record_exchange(exchange);
  // Only an answer the model finished is reused: never a fallback, never a visitor's fragment.
  if (cacheable && answer->source == Source::model && !answer->visitor_left) {
    remember_answer(session.id, hash, normalized, *answer, context);
  }

  std::string body = answer_json(exchange, stored);
  if (streaming) {
    events->send("done", body);
    Response sent;  // already streamed; kept for the access log
    sent.status = 200;
    return sent;
  }
  return Response::json(200, std::move(body));
}

}  // namespace chat
