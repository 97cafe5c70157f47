// The transport-neutral request and response that handlers take and return.
#include "http/http.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "json.h"
#include "json_writer.h"
#include "metrics/exposition.h"

namespace chat {
namespace {

std::string lowercase_trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The media type of a header value, without parameters, lowercased.
std::string media_type(std::string_view value) {
  return lowercase_trimmed(value.substr(0, value.find(';')));
}

}  // namespace

Response Response::json(int status, const Json::Value& value) {
  return json(status, chat::json::to_string(value));
}

Response Response::json(int status, std::string body) {
  Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  response.body = std::move(body);
  return response;
}

Response Response::error(int status, std::string_view code, std::string_view message) {
  JsonWriter body;
  body.begin_object().key("error").begin_object().field("code", code).field("message", message);
  body.end_object().end_object();
  return json(status, body.take());
}

Response Response::method_not_allowed(std::string_view method, std::string_view allow) {
  Response response = error(405, "method_not_allowed", "method " + std::string(method) + " is not allowed here");
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

Response Response::metrics(std::string page) {
  Response response;
  response.headers = {{"Content-Type", std::string(kMetricsContentType)}, {"Cache-Control", "no-store"}};
  response.body = std::move(page);
  return response;
}

Response Response::no_content() {
  Response response;
  response.status = 204;
  return response;
}

std::string_view error_code_for_status(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 429: return "rate_limited";
    case 503: return "unavailable";
    default: return "internal";
  }
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

std::string cgi_response_head(int status, const Headers& headers) {
  std::string head = "Status: ";
  head.append(std::to_string(status)).append(" ").append(reason_phrase(status)).append("\r\n");
  for (const auto& [name, value] : headers) head.append(name).append(": ").append(value).append("\r\n");
  head.append("\r\n");
  return head;
}

bool is_json_content_type(std::string_view content_type) {
  const std::string type = media_type(content_type);
  return type == "application/json" ||
         (type.starts_with("application/") && type.ends_with("+json"));
}

bool accepts_event_stream(std::string_view accept) {
  std::size_t start = 0;
  while (start <= accept.size()) {
    const std::size_t comma = std::min(accept.find(',', start), accept.size());
    if (media_type(accept.substr(start, comma - start)) == "text/event-stream") return true;
    start = comma + 1;
  }
  return false;
}

}  // namespace chat
