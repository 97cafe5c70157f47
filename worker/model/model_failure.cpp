// The failure classes of a model call (see the header).
#include "model/model_failure.h"

#include "model/model_protocol.h"

namespace chat {

ModelFailure failure_for_status(long status, std::string_view body) {
  switch (status) {
    case 400: return ModelFailure::bad_request;
    case 401: case 403: return ModelFailure::unauthorized;
    case 402: return ModelFailure::payment_required;
    case 404: return ModelFailure::not_found;
    case 410: return ModelFailure::gone;
    case 429: return ModelFailure::rate_limited;
    case 503:
      return loading_estimate_seconds(body) || body.find("loading") != std::string_view::npos
                 ? ModelFailure::loading
                 : ModelFailure::server_error;
    default: return status >= 500 ? ModelFailure::server_error : ModelFailure::client_error;
  }
}

ModelFailure failure_for_curl(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return ModelFailure::timeout;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR: return ModelFailure::tls;
    default: return ModelFailure::connect;
  }
}

std::string_view failure_name(ModelFailure failure) {
  switch (failure) {
    case ModelFailure::none: return "none";
    case ModelFailure::timeout: return "timeout";
    case ModelFailure::connect: return "connect";
    case ModelFailure::tls: return "tls";
    case ModelFailure::unauthorized: return "unauthorized";
    case ModelFailure::payment_required: return "payment_required";
    case ModelFailure::rate_limited: return "rate_limited";
    case ModelFailure::bad_request: return "bad_request";
    case ModelFailure::not_found: return "not_found";
    case ModelFailure::gone: return "gone";
    case ModelFailure::loading: return "loading";
    case ModelFailure::server_error: return "server_error";
    case ModelFailure::client_error: return "client_error";
    case ModelFailure::malformed: return "malformed";
    case ModelFailure::stream_error: return "stream_error";
    case ModelFailure::cut_stream: return "cut_stream";
    case ModelFailure::empty: return "empty";
    case ModelFailure::internal: return "internal";
  }
  return "unknown";
}

std::string_view failure_hint(ModelFailure failure) {
  switch (failure) {
    case ModelFailure::timeout: return "the model did not answer within CHAT_LLM_TIMEOUT_MS";
    case ModelFailure::connect: return "cannot reach CHAT_LLM_URL: check the host, DNS and firewall";
    case ModelFailure::tls: return "TLS verification failed: check CHAT_CA_FILE and the server certificate";
    case ModelFailure::unauthorized: return "the token was refused: check HUGGINGFACE_API_KEY";
    case ModelFailure::payment_required: return "the account's credits are exhausted: add credits or change provider";
    case ModelFailure::rate_limited: return "the provider rate-limits this token: slow down or upgrade the plan";
    case ModelFailure::bad_request: return "the request was refused: check CHAT_MODEL is served by a provider";
    case ModelFailure::not_found: return "no such endpoint or model: check CHAT_LLM_URL and CHAT_MODEL";
    case ModelFailure::gone:
      return "the endpoint is retired: use https://router.huggingface.co/v1 or "
             "router.huggingface.co/hf-inference/models/<model>";
    case ModelFailure::loading: return "the model is loading at the provider: retry shortly";
    case ModelFailure::server_error: return "the provider failed: retry later";
    case ModelFailure::client_error: return "unexpected status from the provider";
    case ModelFailure::malformed: return "the answer was not the protocol's JSON: check CHAT_LLM_API";
    case ModelFailure::stream_error: return "the provider reported an error inside the stream";
    case ModelFailure::cut_stream: return "the stream ended before its end marker";
    case ModelFailure::empty: return "the model answered with no text";
    case ModelFailure::internal: return "chat-worker failed while relaying the answer: a bug, see the detail";
    case ModelFailure::none: return "";
  }
  return "";
}

}  // namespace chat
