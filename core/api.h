// The visitor API's handlers: ask, session transcript and health, plus the router over them.
#pragma once

#include <cstddef>

#include "http.h"
#include "responder.h"
#include "store.h"

namespace chat {

// What a handler may use. One per serving thread.
struct ApiContext {
  Store& store;
  Responder& responder;
  std::size_t max_message_chars = 2000;
};

// Routes and answers one request. Never throws: client mistakes become 4xx, an unreachable
// database 503, anything else 500 with the detail in the log only.
Response handle_api_request(const Request& request, ApiContext& context);

Response handle_ask(const Request& request, ApiContext& context);
Response handle_session(const Request& request, ApiContext& context, const std::string& session_id);
Response handle_healthz(const Request& request, ApiContext& context);

// JSON for a stored transcript, shared with the admin API.
Json::Value transcript_to_json(const Transcript& transcript);

}  // namespace chat
