// A transcript, a message and visitor info as JSON, as the contract shows them (the visitor
// API's GET session and the admin API's transcript and message list).
#pragma once

#include "json_writer.h"
#include "transcript/transcript.h"

namespace chat {

void write_transcript(JsonWriter& out, const Transcript& transcript);
void write_message(JsonWriter& out, const StoredMessage& message);
// A message's members alone, for an object that has more (the admin API adds session_id).
void write_message_members(JsonWriter& out, const StoredMessage& message);
void write_visitor(JsonWriter& out, const VisitorInfo& visitor);

}  // namespace chat
