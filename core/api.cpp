// The visitor API's handlers: parse, validate, act, store (contract section 3).
#include "api.h"

#include <algorithm>

#include "ask_request.h"
#include "clock.h"
#include "log.h"
#include "uuid.h"

namespace chat {
namespace {

constexpr std::string_view kAskPath = "/api/chatbot/ask/";
constexpr std::string_view kSessionPrefix = "/api/chatbot/session/";
constexpr std::string_view kHealthPath = "/healthz";

Response method_not_allowed(const Request& request, const char* allow) {
  Response response =
      Response::error(405, "method_not_allowed", "method " + request.method + " is not allowed here");
  response.headers.emplace_back("Allow", allow);
  return response;
}

Json::Value optional_json(const std::optional<std::string>& value) {
  return value ? Json::Value(*value) : Json::Value();
}

Json::Value message_to_json(const StoredMessage& message) {
  Json::Value json(Json::objectValue);
  json["id"] = Json::Int64(message.id);
  json["sender"] = message.sender;
  json["message"] = message.text;
  json["created_at"] = message.created_at;
  json["response_time_ms"] =
      message.response_time_ms ? Json::Value(Json::Int64(*message.response_time_ms)) : Json::Value();
  json["source"] = optional_json(message.source);
  return json;
}

Json::Value visitor_to_json(const VisitorInfo& visitor) {
  Json::Value json(Json::objectValue);
  if (visitor.name) json["name"] = *visitor.name;
  if (visitor.email) json["email"] = *visitor.email;
  return json;
}

// The path without its trailing slash ("/api/chatbot/ask/" and "/api/chatbot/ask" are one).
std::string_view without_trailing_slash(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

Response route(const Request& request, ApiContext& context) {
  const std::string_view path = without_trailing_slash(request.path);
  if (path == without_trailing_slash(kAskPath)) {
    if (request.method != "POST") return method_not_allowed(request, "POST, OPTIONS");
    return handle_ask(request, context);
  }
  if (path.starts_with(kSessionPrefix)) {
    if (request.method != "GET" && request.method != "HEAD") return method_not_allowed(request, "GET, HEAD, OPTIONS");
    return handle_session(request, context, std::string(path.substr(kSessionPrefix.size())));
  }
  if (path == kHealthPath) {
    if (request.method != "GET" && request.method != "HEAD") return method_not_allowed(request, "GET, HEAD");
    return handle_healthz(request, context);
  }
  return Response::error(404, "not_found", "no such endpoint");
}

}  // namespace

Json::Value transcript_to_json(const Transcript& transcript) {
  Json::Value json(Json::objectValue);
  json["session_id"] = transcript.session_id;
  json["created_at"] = transcript.created_at;
  json["updated_at"] = transcript.updated_at;
  json["visitor_info"] = visitor_to_json(transcript.visitor);
  json["messages"] = Json::Value(Json::arrayValue);
  for (const auto& message : transcript.messages) json["messages"].append(message_to_json(message));
  return json;
}

Response handle_ask(const Request& request, ApiContext& context) {
  if (request.body_too_large) {
    throw ClientError(413, "body must be at most " + std::to_string(kMaxRequestBodyBytes) + " bytes");
  }
  if (!is_json_content_type(request.content_type)) {
    throw ClientError(415, "Content-Type must be application/json");
  }
  const AskRequest ask = parse_ask_request(request.body, context.max_message_chars);
  const auto asked_at = std::chrono::system_clock::now();
  const bool known = ask.session_id && context.store.session_exists(*ask.session_id);

  const Stopwatch stopwatch;
  Answer answer = context.responder.answer(ask.message);
  Exchange exchange{known ? *ask.session_id : new_uuid_v4(), ask.visitor, ask.message, asked_at,
                    std::move(answer.text), std::chrono::system_clock::now(),
                    stopwatch.elapsed_ms(), answer.source};
  const StoredExchange stored = context.store.record_exchange(exchange);

  Json::Value body(Json::objectValue);
  body["session_id"] = exchange.session_id;
  body["message_id"] = Json::Int64(stored.bot_message_id);
  body["response"] = exchange.answer;
  body["response_time_ms"] = Json::Int64(exchange.response_time_ms);
  body["source"] = exchange.source;
  return Response::json(200, body);
}

Response handle_session(const Request&, ApiContext& context, const std::string& session_id) {
  if (!is_uuid(session_id)) throw ClientError(400, "session id must be a UUID");
  std::string id = session_id;
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto transcript = context.store.transcript(id);
  if (!transcript) return Response::error(404, "not_found", "no such session");
  return Response::json(200, transcript_to_json(*transcript));
}

Response handle_healthz(const Request&, ApiContext& context) {
  Json::Value body(Json::objectValue);
  try {
    context.store.ping();
  } catch (const StoreUnavailable& error) {
    Json::Value fields(Json::objectValue);
    fields["detail"] = error.what();
    log::warn("health check: database unavailable", fields);
    body["status"] = "unavailable";
    body["database"] = "unavailable";
    return Response::json(503, body);
  }
  body["status"] = "ok";
  body["database"] = "ok";
  return Response::json(200, body);
}

Response handle_api_request(const Request& request, ApiContext& context) {
  try {
    return route(request, context);
  } catch (const ClientError& error) {
    return Response::error(error.status(), error_code_for_status(error.status()), error.what());
  } catch (const StoreUnavailable& error) {
    Json::Value fields(Json::objectValue);
    fields["request_id"] = request.request_id;
    fields["detail"] = error.what();
    log::error("database unavailable", fields);
    return Response::error(503, "unavailable", "the service is temporarily unavailable, try again shortly");
  } catch (const std::exception& error) {
    Json::Value fields(Json::objectValue);
    fields["request_id"] = request.request_id;
    fields["detail"] = error.what();
    log::error("unhandled error", fields);
    return Response::error(500, "internal", "internal error");
  }
}

}  // namespace chat
