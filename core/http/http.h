// The transport-neutral request and response that handlers take and return.
#pragma once

#include <json/value.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core_limits.h"

namespace chat {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Lets a handler send its response in pieces (server-sent events, CSV export) instead of
// returning it whole. Once begun, the handler's returned Response is not sent.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Sends the status and headers; call once, before any write.
  virtual void begin(int status, const Headers& headers) = 0;
  // Sends a piece of the body and flushes it to the client. False once the client has gone.
  virtual bool write(std::string_view data) = 0;
  virtual bool begun() const = 0;
  // Ends a begun response as failed: the connection is dropped, so the client sees an incomplete
  // transfer instead of a body that looks whole; later writes return false. (Does nothing here,
  // for test doubles.)
  virtual void abort() {}

  // Hands the rest of the response to the server's event loop: the handler returns at once (its
  // returned Response is not sent) and ends the response later, from any thread, through the
  // stream returned, whose writes never block. Throws std::logic_error where there is no loop.
  virtual std::shared_ptr<ResponseStream> defer() {
    throw std::logic_error("this server cannot defer a response");
  }
  // Ends a deferred response (for the others the server does, when the handler returns).
  virtual void finish() {}
  // A deferred response runs `callback` once, on the event loop, if the client hangs up first.
  virtual void on_client_gone(std::function<void()> callback) { (void)callback; }
};

// A mistake of the client's: answered with `status` and the contract's error body, never logged
// as a fault.
class ClientError : public std::runtime_error {
 public:
  ClientError(int status, const std::string& message, int retry_after_seconds = 0)
      : std::runtime_error(message), status_(status), retry_after_seconds_(retry_after_seconds) {}
  int status() const { return status_; }
  int retry_after_seconds() const { return retry_after_seconds_; }  // 0: no Retry-After

 private:
  int status_;
  int retry_after_seconds_;
};

struct Request {
  std::string method;        // "GET", "POST", ...
  std::string path;          // decoded path without the query, e.g. "/api/chatbot/ask/"
  std::string query;         // raw query string without '?'
  std::string content_type;  // as sent, may carry parameters
  std::string accept;
  std::string remote_addr;
  std::string request_id;    // nginx's $request_id, for log correlation
  std::string authorization;  // the Authorization header: a secret, never log it
  std::string body;
  bool body_too_large = false;  // the body was longer than kMaxRequestBodyBytes and not read
  ResponseStream* stream = nullptr;  // for handlers that answer in pieces; may be null in tests
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response json(int status, const Json::Value& value);
  // A body that is JSON already.
  static Response json(int status, std::string body);
  // The contract's error shape: {"error": {"code", "message"}}.
  static Response error(int status, std::string_view code, std::string_view message);
  // 405 for `method`, with the Allow header listing the methods served (e.g. "GET, HEAD").
  static Response method_not_allowed(std::string_view method, std::string_view allow);
  // A Prometheus scrape's page (text exposition format 0.0.4), never cached.
  static Response metrics(std::string page);
  static Response no_content();
};

// The short error code of the contract's error table for an HTTP status ("bad_request", ...).
std::string_view error_code_for_status(int status);

// The CGI head of a response: "Status: 200 OK", the headers, the blank line.
std::string cgi_response_head(int status, const Headers& headers);

// The reason phrase for the status line ("Not Found").
std::string_view reason_phrase(int status);

// True when a Content-Type header names JSON ("application/json; charset=utf-8" included).
bool is_json_content_type(std::string_view content_type);

// True when an Accept header asks for an event stream.
bool accepts_event_stream(std::string_view accept);

}  // namespace chat
