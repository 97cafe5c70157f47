// A transcript, a message and visitor info as JSON (contract sections 3 and 4).
#include "transcript/transcript_json.h"

namespace chat {

void write_message_members(JsonWriter& out, const StoredMessage& message) {
  out.field("id", message.id)
      .field("sender", to_string(message.sender))
      .field("message", message.text)
      .field("created_at", message.created_at)
      .field("response_time_ms", message.response_time_ms)
      .key("source");
  if (message.source) {
    out.value(to_string(*message.source));
  } else {
    out.null();
  }
}

void write_message(JsonWriter& out, const StoredMessage& message) {
  out.begin_object();
  write_message_members(out, message);
  out.end_object();
}

void write_visitor(JsonWriter& out, const VisitorInfo& visitor) {
  out.begin_object();
  if (visitor.name) out.field("name", *visitor.name);
  if (visitor.email) out.field("email", *visitor.email);
  out.end_object();
}

void write_transcript(JsonWriter& out, const Transcript& transcript) {
  out.begin_object()
      .field("session_id", transcript.session_id)
      .field("created_at", transcript.created_at)
      .field("updated_at", transcript.updated_at)
      .key("visitor_info");
  write_visitor(out, transcript.visitor);
  out.key("messages").begin_array();
  for (const auto& message : transcript.messages) write_message(out, message);
  out.end_array().end_object();
}

}  // namespace chat
