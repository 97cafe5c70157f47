// The visitor API's handlers: ask, session transcript, health, feedback and contact, plus the
// router over them.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>

#include "answers/responder.h"
#include "async/executor.h"
#include "api/ask_admission.h"
#include "http/http.h"
#include "metrics/worker_metrics.h"
#include "store/session_version_batch.h"
#include "store/store.h"
#include "store/transcript_cache.h"

namespace chat {

struct ApiLimits {
  std::size_t max_message_chars = 2000;
  int session_asks_per_hour = 60;  // 0: no limit
  int session_starts_per_hour = 60;  // conversations one client may start in an hour; 0: no limit
  bool answer_cache = false;       // reuse model answers to first questions
  std::chrono::seconds cache_ttl{86400};
  int history_messages = 20;       // earlier messages loaded for the model's context
};

// What a handler may use: the process's, shared by its serving threads (each of which has
// entered MySQL's thread state).
struct ApiContext {
  Store& store;
  Responder& responder;
  ApiLimits limits;
  // Both or neither (then every read is a fresh query).
  TranscriptCache* transcripts = nullptr;
  SessionVersionBatch* versions = nullptr;
  // Null when asks need no admission (no model to wait on).
  AskAdmission* admission = nullptr;
  // Where asks that wait on the model do their database work (as many threads as database
  // connections); null: on the calling thread (tests).
  Executor* database_work = nullptr;
  // This process's view of the shared metrics (GET /metrics, asks and answers counted); null:
  // nothing is counted and /metrics is not served (tests).
  WorkerMetrics* metrics = nullptr;
};

// Routes and answers one request. Never throws: client mistakes become 4xx, an unreachable
// database 503, anything else 500 with the detail in the log only; after a stream has begun
// the error is sent as an "error" event instead.
Response handle_api_request(const Request& request, ApiContext& context);

// The contract's error response for what a handler threw (BadInput 400, ClientError its status,
// StoreUnavailable 503, anything else 500 with the detail in the log only).
Response response_for_error(const std::exception_ptr& failure, const std::string& request_id);
// `response`, also sent as an "error" event when `stream` has begun (an answer streaming).
Response error_reply(ResponseStream* stream, Response response);

// Throws for a body over kMaxRequestBodyBytes (413) or not sent as JSON (415).
void check_json_envelope(const Request& request);

// May defer its response (an answer that waits on the model); its returned Response then is not sent.
Response handle_ask(const Request& request, ApiContext& context);
Response handle_session(const Request& request, ApiContext& context, const std::string& session_id);
Response handle_healthz(const Request& request, ApiContext& context);
// GET /metrics: every worker process's counters, in Prometheus's text format (nginx serves it to
// an allowlist only).
Response handle_metrics(const Request& request, ApiContext& context);
Response handle_feedback(const Request& request, ApiContext& context);
Response handle_contact(const Request& request, ApiContext& context);

}  // namespace chat
