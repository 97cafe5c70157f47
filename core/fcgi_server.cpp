// The FastCGI adapter over libfcgi (see the header).
#include "fcgi_server.h"

#include <fcgiapp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <charconv>
#include <cstring>

#include "clock.h"
#include "log.h"

namespace chat {
namespace {

std::string param(FCGX_Request& request, const char* name) {
  const char* value = FCGX_GetParam(name, request.envp);
  return value ? value : "";
}

// Reads the body unless CONTENT_LENGTH says it is over the limit.
void read_body(FCGX_Request& fcgi, Request& request) {
  const std::string length_text = param(fcgi, "CONTENT_LENGTH");
  std::size_t length = 0;
  std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
  if (length > kMaxRequestBodyBytes) {
    request.body_too_large = true;
    return;
  }
  request.body.resize(length);
  std::size_t read = 0;
  while (read < length) {
    const int got = FCGX_GetStr(request.body.data() + read, static_cast<int>(length - read), fcgi.in);
    if (got <= 0) break;
    read += static_cast<std::size_t>(got);
  }
  request.body.resize(read);
}

Request read_request(FCGX_Request& fcgi) {
  Request request;
  request.method = param(fcgi, "REQUEST_METHOD");
  request.path = param(fcgi, "DOCUMENT_URI");
  if (request.path.empty()) {
    request.path = param(fcgi, "REQUEST_URI");
    request.path = request.path.substr(0, request.path.find('?'));
  }
  request.query = param(fcgi, "QUERY_STRING");
  request.content_type = param(fcgi, "CONTENT_TYPE");
  request.accept = param(fcgi, "HTTP_ACCEPT");
  request.remote_addr = param(fcgi, "REMOTE_ADDR");
  request.request_id = param(fcgi, "REQUEST_ID");
  read_body(fcgi, request);
  return request;
}

void write_response(FCGX_Request& fcgi, const Response& response) {
  std::string head = "Status: " + std::to_string(response.status) + " " +
                     std::string(reason_phrase(response.status)) + "\r\n";
  for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
  head += "\r\n";
  FCGX_PutStr(head.data(), static_cast<int>(head.size()), fcgi.out);
  if (!response.body.empty()) {
    FCGX_PutStr(response.body.data(), static_cast<int>(response.body.size()), fcgi.out);
  }
}

void log_request(const Request& request, const Response& response, std::int64_t ms) {
  Json::Value fields(Json::objectValue);
  fields["request_id"] = request.request_id;
  fields["method"] = request.method;
  fields["path"] = request.path;
  fields["status"] = response.status;
  fields["ms"] = Json::Int64(ms);
  log::write(response.status >= 500 ? log::Level::error : log::Level::info, "request", fields);
}

}  // namespace

int open_fastcgi_socket(const std::string& address, int backlog) {
  const int fd = FCGX_OpenSocket(address.c_str(), backlog);
  if (fd >= 0 && !address.empty() && address.front() == '/') ::chmod(address.c_str(), 0660);
  return fd;
}

bool is_listening_socket(int fd) {
  int listening = 0;
  socklen_t size = sizeof listening;
  return ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0 && listening != 0;
}

FcgiServer::FcgiServer(int listen_fd, int threads, HandlerFactory factory)
    : listen_fd_(listen_fd), thread_count_(threads), factory_(std::move(factory)) {}

FcgiServer::~FcgiServer() {
  stop();
  join();
}

void FcgiServer::start() {
  for (int i = 0; i < thread_count_; ++i) threads_.emplace_back([this] { serve(); });
}

// Blocked accept() calls are not woken by signals, so stopping shuts the listening socket down:
// every accept fails at once and each thread leaves after its current request.
void FcgiServer::stop() {
  if (stopping_.exchange(true)) return;
  FCGX_ShutdownPending();
  ::shutdown(listen_fd_, SHUT_RDWR);
}

void FcgiServer::join() {
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void FcgiServer::serve() {
  std::unique_ptr<RequestHandler> handler = factory_();
  FCGX_Request fcgi;
  FCGX_InitRequest(&fcgi, listen_fd_, 0);
  while (!stopping_ && FCGX_Accept_r(&fcgi) == 0) {
    const Stopwatch stopwatch;
    const Request request = read_request(fcgi);
    const Response response = handler->handle(request);
    write_response(fcgi, response);
    FCGX_Finish_r(&fcgi);
    log_request(request, response, stopwatch.elapsed_ms());
  }
  FCGX_Free(&fcgi, 1);
}

}  // namespace chat
