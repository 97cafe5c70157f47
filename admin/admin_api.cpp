// The admin API's handlers and router (see the header).
#include "admin_api.h"

#include <algorithm>
#include <cctype>

#include "admin_csv.h"
#include "bad_input.h"
#include "log.h"
#include "transcript/transcript_json.h"
#include "uuid.h"

namespace chat {
namespace {

constexpr std::string_view kPrefix = "/admin/api/";
constexpr std::string_view kSessionPrefix = "sessions/";

// Logs who was refused and why, never what they sent.
Response unauthorized(const Request& request, AdminContext& context) {
  const char* reason = !context.token.configured() ? "CHAT_ADMIN_TOKEN is not set"
                       : request.authorization.empty() ? "no bearer token"
                                                       : "wrong bearer token";
  Json::Value fields(Json::objectValue);
  fields["request_id"] = request.request_id;
  fields["remote_addr"] = request.remote_addr;
  fields["path"] = request.path;
  fields["reason"] = reason;
  log::warn("admin request refused", fields);
  Response response = Response::error(401, "unauthorized", "a valid admin bearer token is required");
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"chat-admin\"");
  return response;
}

Json::Value optional_number(const std::optional<std::int64_t>& value) {
  return value ? Json::Value(Json::Int64(*value)) : Json::Value();
}

Json::Value stats_to_json(const AdminStats& stats) {
  Json::Value json(Json::objectValue);
  json["sessions"] = Json::Int64(stats.sessions);
  json["messages"] = Json::Int64(stats.messages);
  json["visitor_messages"] = Json::Int64(stats.visitor_messages);
  json["bot_messages"] = Json::Int64(stats.bot_messages);
  Json::Value& times = json["response_time_ms"] = Json::Value(Json::objectValue);
  times["avg"] = optional_number(stats.response_time.avg);
  times["p50"] = optional_number(stats.response_time.p50);
  times["p95"] = optional_number(stats.response_time.p95);
  times["max"] = optional_number(stats.response_time.max);
  Json::Value& sources = json["sources"] = Json::Value(Json::objectValue);
  for (const auto& [source, count] : stats.sources) sources[std::string(to_string(source))] = Json::Int64(count);
  Json::Value& days = json["per_day"] = Json::Value(Json::arrayValue);
  for (const auto& day : stats.per_day) {
    Json::Value entry(Json::objectValue);
    entry["date"] = day.date;
    entry["sessions"] = Json::Int64(day.sessions);
    entry["messages"] = Json::Int64(day.messages);
    days.append(entry);
  }
  Json::Value& feedback = json["feedback"] = Json::Value(Json::objectValue);
  feedback["up"] = Json::Int64(stats.feedback_up);
  feedback["down"] = Json::Int64(stats.feedback_down);
  Json::Value& rated_days = json["feedback_per_day"] = Json::Value(Json::arrayValue);
  for (const DayRatings& day : stats.feedback_per_day) {
    Json::Value entry(Json::objectValue);
    entry["date"] = day.date;
    entry["up"] = Json::Int64(day.up);
    entry["down"] = Json::Int64(day.down);
    rated_days.append(entry);
  }
  json["leads"] = Json::Int64(stats.leads);
  return json;
}

std::string lead_page_json(const LeadPage& page) {
  JsonWriter out;
  out.begin_object().field("total", page.total).key("leads").begin_array();
  for (const LeadSummary& lead : page.leads) {
    out.begin_object()
        .field("id", lead.id)
        .field("session_id", lead.session_id)
        .field("name", lead.name)
        .field("email", lead.email)
        .field("message", lead.message)
        .field("created_at", lead.created_at)
        .field("delivered", lead.delivered)
        .end_object();
  }
  out.end_array().end_object();
  return out.take();
}

std::string feedback_page_json(const FeedbackPage& page) {
  JsonWriter out;
  out.begin_object().field("total", page.total).key("feedback").begin_array();
  for (const FeedbackEntry& entry : page.feedback) {
    out.begin_object()
        .field("message_id", entry.message_id)
        .field("session_id", entry.session_id)
        .field("rating", entry.rating)
        .field("comment", entry.comment)
        .field("created_at", entry.created_at)
        .field("answer", entry.answer)
        .end_object();
  }
  out.end_array().end_object();
  return out.take();
}

std::string top_questions_json(const std::vector<QuestionCount>& questions) {
  JsonWriter out;
  out.begin_object().key("questions").begin_array();
  for (const QuestionCount& question : questions) {
    out.begin_object().field("question", question.question).field("count", question.count).end_object();
  }
  out.end_array().end_object();
  return out.take();
}

// {"total", "total_capped", NAME: [ — the start of a page of sessions or messages.
void begin_page(JsonWriter& out, std::int64_t total, bool total_capped, std::string_view name) {
  out.begin_object().field("total", total).field("total_capped", total_capped).key(name).begin_array();
}

std::string session_page_json(const SessionPage& page) {
  JsonWriter out;
  begin_page(out, page.total, page.total_capped, "sessions");
  for (const auto& session : page.sessions) {
    out.begin_object()
        .field("session_id", session.session_id)
        .field("created_at", session.created_at)
        .field("updated_at", session.updated_at)
        .field("message_count", session.message_count)
        .key("visitor_info");
    write_visitor(out, session.visitor);
    out.field("last_message", session.last_message).end_object();
  }
  out.end_array().end_object();
  return out.take();
}

std::string message_page_json(const MessagePage& page) {
  JsonWriter out;
  begin_page(out, page.total, page.total_capped, "messages");
  for (const auto& [session_id, message] : page.messages) {
    out.begin_object().field("session_id", session_id);
    write_message_members(out, message);
    out.end_object();
  }
  out.end_array().end_object();
  return out.take();
}

std::string canonical_session_id(std::string_view text) {
  if (!is_uuid(text)) throw BadInput("session id must be a UUID");
  std::string id(text);
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return id;
}

Headers export_headers(const DateRange& range) {
  std::string name = "chat-messages";
  if (range.from) name.append("-from-").append(format_date(*range.from));
  if (range.to) name.append("-to-").append(format_date(*range.to));
  std::string disposition = "attachment; filename=\"";
  disposition.append(name).append(".csv\"");
  return {{"Content-Type", "text/csv; charset=utf-8; header=present"},
          {"Content-Disposition", disposition},
          {"X-Accel-Buffering", "no"}};  // nginx passes each piece on instead of spooling it
}

void append_export_row(std::string& out, const ExportedMessage& row) {
  const StoredMessage& message = row.message.message;
  const std::string id = std::to_string(message.id);
  const std::string response_time = message.response_time_ms ? std::to_string(*message.response_time_ms) : "";
  const std::string source(message.source ? to_string(*message.source) : "");
  append_csv_record(out, {id, row.message.session_id, message.created_at, std::string(to_string(message.sender)),
                          message.text, response_time, source, row.visitor.name.value_or(""),
                          row.visitor.email.value_or("")});
}

// Streams the CSV a batch at a time. The stream begins with the first batch, so a database that
// cannot be reached at all still gets a JSON 503.
Response handle_export(const Request& request, AdminContext& context) {
  const DateRange range = parse_range_query(request.query);
  if (!request.stream) throw std::logic_error("the export needs a response stream");
  ResponseStream& stream = *request.stream;
  const auto begin = [&] {
    stream.begin(200, export_headers(range));
    return stream.write(kExportHeader);
  };
  std::string piece;
  context.store.export_messages(range, [&](const std::vector<ExportedMessage>& batch) {
    if (!stream.begun() && !begin()) return false;
    piece.clear();
    for (const auto& row : batch) append_export_row(piece, row);
    return stream.write(piece);
  });
  if (!stream.begun()) begin();
  Response sent;  // for the request log only: the stream has begun, so this is not sent
  sent.status = 200;
  return sent;
}

Response handle_session(const Request& request, AdminContext& context, std::string_view id_text) {
  const std::string id = canonical_session_id(id_text);
  if (request.method == "DELETE") {
    if (!context.store.erase_session(id)) return Response::error(404, "not_found", "no such session");
    Json::Value fields(Json::objectValue);
    fields["request_id"] = request.request_id;
    fields["session_id"] = id;
    log::info("admin erased a session", fields);
    return Response::no_content();
  }
  const auto transcript = context.store.transcript(id);
  if (!transcript) return Response::error(404, "not_found", "no such session");
  JsonWriter body;
  write_transcript(body, *transcript);
  return Response::json(200, body.take());
}

// The reports, each answered to GET only: the path after /admin/api/ and what answers it.
using Report = Response (*)(const Request&, AdminContext&);
const std::pair<std::string_view, Report> kReports[] = {
    {"stats", [](const Request& request, AdminContext& context) {
       return Response::json(200, stats_to_json(context.store.stats(parse_range_query(request.query))));
     }},
    {"sessions", [](const Request& request, AdminContext& context) {
       return Response::json(200, session_page_json(context.store.sessions(parse_session_query(request.query))));
     }},
    {"messages", [](const Request& request, AdminContext& context) {
       return Response::json(200, message_page_json(context.store.messages(parse_message_query(request.query))));
     }},
    {"export.csv", handle_export},
    {"leads", [](const Request& request, AdminContext& context) {
       return Response::json(200, lead_page_json(context.store.leads(parse_lead_query(request.query))));
     }},
    {"feedback", [](const Request& request, AdminContext& context) {
       return Response::json(200, feedback_page_json(context.store.feedback(parse_feedback_query(request.query))));
     }},
    {"top-questions", [](const Request& request, AdminContext& context) {
       return Response::json(200, top_questions_json(context.store.top_questions(parse_top_questions_query(request.query))));
     }},
};

Response route(const Request& request, AdminContext& context) {
  std::string_view path = request.path;
  if (!path.starts_with(kPrefix)) return Response::error(404, "not_found", "no such endpoint");
  path.remove_prefix(kPrefix.size());
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const bool get = request.method == "GET";

  if (path.starts_with(kSessionPrefix)) {
    if (!get && request.method != "DELETE") return Response::method_not_allowed(request.method, "GET, DELETE");
    return handle_session(request, context, path.substr(kSessionPrefix.size()));
  }
  for (const auto& [name, answer] : kReports) {
    if (path != name) continue;
    if (!get) return Response::method_not_allowed(request.method, "GET");
    return answer(request, context);
  }
  return Response::error(404, "not_found", "no such endpoint");
}

Response failure(const Request& request, int status, const char* what, const std::exception& error) {
  Json::Value fields(Json::objectValue);
  fields["request_id"] = request.request_id;
  fields["path"] = request.path;
  fields["detail"] = error.what();
  log::error(what, fields);
  if (request.stream && request.stream->begun()) request.stream->abort();
  return status == 503 ? Response::error(503, "unavailable", "the service is temporarily unavailable, try again shortly")
                       : Response::error(500, "internal", "internal error");
}

}  // namespace

Response handle_admin_request(const Request& request, AdminContext& context) {
  if (!context.token.accepts(request.authorization)) return unauthorized(request, context);
  try {
    return route(request, context);
  } catch (const BadInput& error) {
    return Response::error(400, error_code_for_status(400), error.what());
  } catch (const ClientError& error) {
    return Response::error(error.status(), error_code_for_status(error.status()), error.what());
  } catch (const StoreUnavailable& error) {
    return failure(request, 503, "database unavailable", error);
  } catch (const std::exception& error) {
    return failure(request, 500, "unhandled error", error);
  }
}

}  // namespace chat
