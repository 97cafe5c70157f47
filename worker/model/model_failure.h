// How a model call ended: the failure classes (each logged with a hint for the operator) and the
// result a call hands back.
#pragma once

#include <curl/curl.h>

#include <string>
#include <string_view>

namespace chat {

enum class ModelFailure {
  none,
  timeout,           // the time budget ran out
  connect,           // no connection (refused, unresolvable, reset)
  tls,               // certificate or handshake failure: never retried without verification
  unauthorized,      // 401: bad or missing token
  payment_required,  // 402: credits exhausted
  rate_limited,      // 429
  bad_request,       // 400: often "model not supported by any provider"
  not_found,         // 404: wrong URL or model
  gone,              // 410: the retired api-inference host
  loading,           // 503 with "loading": the model is starting
  server_error,      // other 5xx
  client_error,      // other 4xx or an unexpected status
  malformed,         // an answer that is not the protocol's JSON
  stream_error,      // an error sent inside a 200 stream
  cut_stream,        // the stream ended before its end marker
  empty,             // a well-formed answer with no text
  internal,          // this process failed while handling the answer (the detail says how)
};

// Stable names for logs ("timeout", "unauthorized", ...) and a hint for the operator.
std::string_view failure_name(ModelFailure failure);
std::string_view failure_hint(ModelFailure failure);

// The class of an HTTP status other than 200 (`body` tells a loading 503 from others), and of a
// transfer that curl ended with `code`.
ModelFailure failure_for_status(long status, std::string_view body);
ModelFailure failure_for_curl(CURLcode code);

struct ModelResult {
  ModelFailure failure = ModelFailure::none;
  std::string text;       // the answer, or what was streamed before a failure or a stop
  long http_status = 0;
  std::string detail;     // short, for the log; never holds the token
  int attempts = 0;

  bool ok() const { return failure == ModelFailure::none; }
};

}  // namespace chat
