// POST /api/chatbot/feedback/ and POST /api/chatbot/contact/ (contract section 6): parse,
// validate, store. Both run on the serving thread: one short statement or two, no model.
#include "api/api.h"
#include "api/engagement_requests.h"
#include "json_writer.h"
#include "log.h"

namespace chat {

Response handle_feedback(const Request& request, ApiContext& context) {
  check_json_envelope(request);
  FeedbackRequest rated = parse_feedback_request(request.body);
  const Feedback feedback{std::move(rated.session_id), rated.message_id, rated.rating, std::move(rated.comment),
                          std::chrono::system_clock::now()};
  if (!context.store.rate_answer(feedback)) return Response::error(404, "not_found", "no such answer in this session");
  Response response;
  response.status = 204;
  return response;
}

Response handle_contact(const Request& request, ApiContext& context) {
  check_json_envelope(request);
  ContactRequest contact = parse_contact_request(request.body, context.limits.max_message_chars);
  const std::int64_t id = context.store.record_lead({std::move(contact.session_id), std::move(contact.name),
                                                     std::move(contact.email), std::move(contact.message),
                                                     std::chrono::system_clock::now()});
  Json::Value fields(Json::objectValue);
  fields["lead_id"] = Json::Int64(id);
  fields["request_id"] = request.request_id;
  log::info("a visitor asked to talk to a person", fields);
  JsonWriter body;
  body.begin_object().field("lead_id", id).end_object();
  return Response::json(201, body.take());
}

}  // namespace chat
