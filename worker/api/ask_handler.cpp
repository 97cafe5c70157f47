// POST /api/chatbot/ask/: parse, validate, find the session, answer (cache, model or knowledge),
// store both messages in one transaction, reply as JSON or as a stream of events.
//
// An answer from the model holds no serving thread: once the ask is parsed and admitted, its
// response is deferred to the event loop and the rest runs on the database work threads (find
// the session, start the stream), the loop (the model call, its tokens), the database work
// threads again (store both messages) and the loop (`done`). Asks answered at once (the
// knowledge base, when no model is configured) stay on their serving thread.
#include <chrono>
#include <memory>
#include <optional>

#include "answers/question_key.h"
#include "api/api.h"
#include "api/ask_request.h"
#include "api/event_stream.h"
#include "clock.h"
#include "http/client_network.h"
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

// One ask from its parsing to its stored answer; shared by the steps on the serving threads
// and the event loop.
struct AskInFlight {
  AskInFlight(ApiContext& api, const Request& request, AskRequest asked)
      : context(api), request_id(request.request_id), client(client_network(request.remote_addr)),
        ask(std::move(asked)), counted(api.metrics ? api.metrics->ask_in_flight() : GaugeHold(nullptr)) {}

  ApiContext& context;
  std::string request_id;
  std::string client;  // client_network() of the visitor
  AskRequest ask;
  SessionState session;
  std::chrono::system_clock::time_point asked_at;
  Stopwatch stopwatch;
  std::optional<AskAdmission::Ticket> ticket;  // held until the answer is stored
  bool streaming = false;                      // the visitor asked for events
  std::shared_ptr<ResponseStream> out;         // where a streamed or deferred reply goes
  std::optional<EventStream> events;           // over `out`, once the stream has begun
  bool cacheable = false;
  std::string normalized;  // the question as the cache knows it
  std::string hash;
  GaugeHold counted;  // among the asks in flight, until the last step lets go
};

// A new conversation, unless its client started too many this hour.
SessionState start_session(const std::string& client, ApiContext& context, std::chrono::system_clock::time_point now) {
  const int limit = context.limits.session_starts_per_hour;
  if (limit > 0 && !client.empty() && !context.store.admit_session_start(client, limit, now)) {
    throw ClientError(429, "this address has started " + std::to_string(limit) +
                               " conversations in an hour; continue one of them or try again later",
                      kSessionLimitRetryAfterSeconds);
  }
  return {new_uuid_v4(), false, {}};
}

// The session the question belongs to; enforces the per-session and per-client hourly limits.
SessionState find_session(const AskRequest& ask, const std::string& client, ApiContext& context,
                          std::chrono::system_clock::time_point now) {
  if (!ask.session_id || !context.store.session_exists(*ask.session_id)) return start_session(client, context, now);
  const ApiLimits& limits = context.limits;
  if (limits.session_asks_per_hour > 0 &&
      !context.store.admit_ask(*ask.session_id, limits.session_asks_per_hour, now)) {
    throw ClientError(429, "this conversation has reached " + std::to_string(limits.session_asks_per_hour) +
                               " questions in an hour; try again later",
                      kSessionLimitRetryAfterSeconds);
  }
  return {*ask.session_id, true, context.store.recent_messages(*ask.session_id, limits.history_messages)};
}

void remember_answer(const AskInFlight& flight, const Answer& answer) {
  try {
    flight.context.store.cache_answer(flight.session.id, flight.hash, flight.normalized, answer.text,
                                      flight.context.limits.cache_ttl);
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

std::string answer_json(const Exchange& exchange, const StoredExchange& stored, const std::vector<std::string>& sources) {
  JsonWriter body;
  body.begin_object()
      .field("session_id", exchange.session_id)
      .field("message_id", stored.bot_message_id)
      .field("response", exchange.answer)
      .field("response_time_ms", exchange.response_time_ms)
      .field("source", to_string(exchange.source))
      .key("sources")
      .begin_array();
  for (const std::string& title : sources) body.begin_object().field("title", title).end_object();
  body.end_array().end_object();
  return body.take();
}

// {"NAME": "VALUE"}: the payload of the session and token events.
std::string one_field_json(std::string_view name, std::string_view value) {
  JsonWriter out;
  out.begin_object().field(name, value).end_object();
  return out.take();
}

// Stores both messages and caches what may be reused; the reply's JSON (the `done` payload).
std::string store_answer(AskInFlight& flight, const Answer& answer) {
  const Exchange exchange{flight.session.id, flight.ask.visitor, flight.ask.message, flight.asked_at,
                          answer.text, std::chrono::system_clock::now(), flight.stopwatch.elapsed_ms(),
                          answer.source};
  const StoredExchange stored = flight.context.store.record_exchange(exchange);
  flight.ticket.reset();
  if (flight.context.metrics) flight.context.metrics->answered(answer.source);
  // Only an answer the model finished is reused: never a fallback, never a visitor's fragment.
  if (flight.cacheable && answer.source == Source::model && !answer.visitor_left) remember_answer(flight, answer);
  return answer_json(exchange, stored, answer.section_titles);
}

// The reply on a thread that is serving the request: returned, or ended with `done`.
Response reply_now(AskInFlight& flight, std::string body) {
  if (!flight.events) return Response::json(200, std::move(body));
  flight.events->send("done", body);
  Response sent;  // already streamed; kept for the access log
  sent.status = 200;
  return sent;
}

// The reply of a deferred response, from whichever serving thread stored the answer.
void reply_later(AskInFlight& flight, const Response& response) {
  ResponseStream& out = *flight.out;
  if (flight.events) {
    flight.events->send(response.status == 200 ? "done" : "error", response.body);
  } else {
    out.begin(response.status, response.headers);
    out.write(response.body);
  }
  out.finish();
}

// reply_later, or, should even that fail (out of memory), the connection dropped: a deferred
// response must end either way.
void reply_or_drop(AskInFlight& flight, const Response& response) {
  try {
    reply_later(flight, response);
  } catch (const std::exception&) {
    flight.out->abort();
  }
}

void finish_later(const std::shared_ptr<AskInFlight>& flight, const Answer& answer) {
  Response response;
  try {
    response = Response::json(200, store_answer(*flight, answer));
  } catch (...) {
    response = response_for_error(std::current_exception(), flight->request_id);
  }
  reply_or_drop(*flight, response);
}

// The session event first: the visitor's session exists before anything else is said.
void start_stream(AskInFlight& flight) {
  if (!flight.session.known) flight.context.store.create_session(flight.session.id, flight.ask.visitor, flight.asked_at);
  flight.events.emplace(*flight.out);
  flight.events->begin();
  flight.events->send("session", one_field_json("session_id", flight.session.id));
}

TokenSink token_sink(const std::shared_ptr<AskInFlight>& flight) {
  if (!flight->events) return {};
  return [raw = flight.get()](std::string_view text) { return raw->events->send("token", one_field_json("text", text)); };
}

// The session (and its stream, when asked for), then a cached answer to a first question.
std::optional<Answer> prepare(AskInFlight& flight) {
  flight.asked_at = std::chrono::system_clock::now();
  flight.session = find_session(flight.ask, flight.client, flight.context, flight.asked_at);
  if (flight.streaming) start_stream(flight);
  flight.cacheable = flight.context.limits.answer_cache && !flight.session.known;
  if (!flight.cacheable) return std::nullopt;
  flight.normalized = normalize_question(flight.ask.message);
  flight.hash = question_hash(flight.normalized);
  auto text = flight.context.store.cached_answer(flight.hash);
  if (!text) return std::nullopt;
  if (flight.events) flight.events->send("token", one_field_json("text", *text));
  return Answer{std::move(*text), Source::cache, flight.context.responder.sources_of(flight.ask.message)};
}

// On its serving thread, start to finish (no model to wait on).
Response answer_now(const std::shared_ptr<AskInFlight>& flight) {
  std::optional<Answer> answer = prepare(*flight);
  if (!answer) {
    AnswerRequest asked{flight->ask.message, std::move(flight->session.history), token_sink(flight)};
    flight->context.responder.answer(std::move(asked), [&](Answer given) { answer = std::move(given); });
  }
  return reply_now(*flight, store_answer(*flight, *answer));
}

// On a database work thread, with the response deferred: the session, then the model (or the
// cache); the visitor hanging up from then on stops the answer.
void answer_later(const std::shared_ptr<AskInFlight>& flight) {
  try {
    if (std::optional<Answer> cached = prepare(*flight)) return finish_later(flight, *cached);
    AnswerRequest asked{flight->ask.message, std::move(flight->session.history), token_sink(flight),
                        flight->stopwatch.elapsed_ms()};
    const CancelAnswer cancel =
        flight->context.responder.answer(std::move(asked), [flight](Answer answer) { finish_later(flight, answer); });
    flight->out->on_client_gone(cancel);
  } catch (...) {
    reply_or_drop(*flight, response_for_error(std::current_exception(), flight->request_id));
  }
}

}  // namespace

Response handle_ask(const Request& request, ApiContext& context) {
  check_json_envelope(request);
  auto flight = std::make_shared<AskInFlight>(context, request,
                                              parse_ask_request(request.body, context.limits.max_message_chars));
  // Refused before any database work, so that refusals stay fast when the database is busy.
  if (context.admission && !flight->ticket.emplace(context.admission->try_enter())) return busy();
  flight->streaming = request.stream != nullptr && accepts_event_stream(request.accept);
  if (!context.responder.answers_later()) {
    if (flight->streaming) flight->out = std::shared_ptr<ResponseStream>(std::shared_ptr<void>(), request.stream);
    return answer_now(flight);
  }
  if (!request.stream) throw std::logic_error("an answer that comes later needs a response stream");
  flight->out = request.stream->defer();
  if (context.database_work) {
    context.database_work->post([flight] { answer_later(flight); });
  } else {
    answer_later(flight);
  }
  Response deferred;  // not sent: the loop has the response
  deferred.status = 200;
  return deferred;
}

}  // namespace chat
