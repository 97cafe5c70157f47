// The visitor API's routes (see the header).
#include "api/routes.h"

namespace chat {
namespace {

constexpr std::string_view kAskPath = "/api/chatbot/ask";
constexpr std::string_view kSessionPrefix = "/api/chatbot/session/";
constexpr std::string_view kHealthPath = "/healthz";
constexpr std::string_view kFeedbackPath = "/api/chatbot/feedback";
constexpr std::string_view kContactPath = "/api/chatbot/contact";
constexpr std::string_view kMetricsPath = "/metrics";

std::string_view without_trailing_slash(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

}  // namespace

Route route_of(std::string_view path) {
  path = without_trailing_slash(path);
  if (path == kAskPath) return Route::ask;
  if (path.starts_with(kSessionPrefix)) return Route::session;
  if (path == kFeedbackPath) return Route::feedback;
  if (path == kContactPath) return Route::contact;
  if (path == kHealthPath) return Route::healthz;
  if (path == kMetricsPath) return Route::metrics;
  return Route::other;
}

std::string_view session_id_in(std::string_view path) {
  return without_trailing_slash(path).substr(kSessionPrefix.size());
}

std::string_view route_name(Route route) {
  switch (route) {
    case Route::ask: return "ask";
    case Route::session: return "session";
    case Route::feedback: return "feedback";
    case Route::contact: return "contact";
    case Route::healthz: return "healthz";
    case Route::metrics: return "metrics";
    case Route::other: return "other";
  }
  return "other";
}

}  // namespace chat
