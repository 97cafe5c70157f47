// The visitor API's handlers: parse, validate, act, store (contract section 3).
#include "api/api.h"

#include <algorithm>

#include "api/event_stream.h"
#include "api/routes.h"
#include "bad_input.h"
#include "core_limits.h"
#include "json.h"
#include "log.h"
#include "metrics/metrics_exposition.h"
#include "transcript/transcript_json.h"
#include "uuid.h"

namespace chat {
namespace {

bool is_read(const Request& request) { return request.method == "GET" || request.method == "HEAD"; }

Response route(const Request& request, ApiContext& context) {
  switch (route_of(request.path)) {
    case Route::ask:
      if (request.method != "POST") return Response::method_not_allowed(request.method, "POST, OPTIONS");
      return handle_ask(request, context);
    case Route::session:
      if (!is_read(request)) return Response::method_not_allowed(request.method, "GET, HEAD, OPTIONS");
      return handle_session(request, context, std::string(session_id_in(request.path)));
    case Route::feedback:
      if (request.method != "POST") return Response::method_not_allowed(request.method, "POST, OPTIONS");
      return handle_feedback(request, context);
    case Route::contact:
      if (request.method != "POST") return Response::method_not_allowed(request.method, "POST, OPTIONS");
      return handle_contact(request, context);
    case Route::healthz:
      if (!is_read(request)) return Response::method_not_allowed(request.method, "GET, HEAD");
      return handle_healthz(request, context);
    case Route::metrics:
      if (!context.metrics) break;
      if (!is_read(request)) return Response::method_not_allowed(request.method, "GET, HEAD");
      return handle_metrics(request, context);
    case Route::other:
      break;
  }
  return Response::error(404, "not_found", "no such endpoint");
}

}  // namespace

namespace {

// The transcript's JSON, from the process's cache when the session's version says it is current.
std::optional<std::string> transcript_body(ApiContext& context, const std::string& session_id) {
  const bool caching = context.transcripts && context.versions;
  if (caching) {
    if (auto cached = context.transcripts->find(session_id)) {
      const auto version = context.versions->version(
          session_id, [&](const std::vector<std::string>& ids) { return context.store.session_versions(ids); });
      if (!version) {
        context.transcripts->erase(session_id);
        return std::nullopt;
      }
      if (*version == cached->version) return std::move(cached->body);
    }
  }
  const auto transcript = context.store.transcript(session_id);
  if (!transcript) return std::nullopt;
  JsonWriter body;
  write_transcript(body, *transcript);
  if (caching) context.transcripts->put(session_id, transcript->version, body.str());
  return body.take();
}

}  // namespace

Response handle_session(const Request&, ApiContext& context, const std::string& session_id) {
  if (!is_uuid(session_id)) throw BadInput("session id must be a UUID");
  std::string id = session_id;
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto body = transcript_body(context, id);
  if (!body) return Response::error(404, "not_found", "no such session");
  return Response::json(200, std::move(*body));
}

Response handle_metrics(const Request&, ApiContext& context) {
  return Response::metrics(render_worker_metrics(context.metrics->block()));
}

Response handle_healthz(const Request&, ApiContext& context) {
  bool up = true;
  try {
    context.store.ping();
  } catch (const StoreUnavailable& error) {
    Json::Value fields(Json::objectValue);
    fields["detail"] = error.what();
    log::warn("health check: database unavailable", fields);
    up = false;
  }
  const char* state = up ? "ok" : "unavailable";
  JsonWriter body;
  body.begin_object().field("status", state).field("database", state).end_object();
  return Response::json(up ? 200 : 503, body.take());
}

namespace {

void log_failure(const std::string& request_id, const char* message, const std::exception& error) {
  Json::Value fields(Json::objectValue);
  fields["request_id"] = request_id;
  fields["detail"] = error.what();
  log::error(message, fields);
}

}  // namespace

Response response_for_error(const std::exception_ptr& failure, const std::string& request_id) {
  try {
    std::rethrow_exception(failure);
  } catch (const BadInput& error) {
    return Response::error(400, error_code_for_status(400), error.what());
  } catch (const ClientError& error) {
    Response response = Response::error(error.status(), error_code_for_status(error.status()), error.what());
    if (error.retry_after_seconds() > 0) {
      response.headers.emplace_back("Retry-After", std::to_string(error.retry_after_seconds()));
    }
    return response;
  } catch (const StoreUnavailable& error) {
    log_failure(request_id, "database unavailable", error);
    return Response::error(503, "unavailable", "the service is temporarily unavailable, try again shortly");
  } catch (const std::exception& error) {
    log_failure(request_id, "unhandled error", error);
    return Response::error(500, "internal", "internal error");
  }
}

void check_json_envelope(const Request& request) {
  if (request.body_too_large) {
    throw ClientError(413, "body must be at most " + std::to_string(kMaxRequestBodyBytes) + " bytes");
  }
  if (!is_json_content_type(request.content_type)) throw ClientError(415, "Content-Type must be application/json");
}

Response error_reply(ResponseStream* stream, Response response) {
  if (stream && stream->begun()) stream->write(format_sse_event("error", response.body));
  return response;
}

Response handle_api_request(const Request& request, ApiContext& context) {
  try {
    return route(request, context);
  } catch (...) {
    return error_reply(request.stream, response_for_error(std::current_exception(), request.request_id));
  }
}

}  // namespace chat
