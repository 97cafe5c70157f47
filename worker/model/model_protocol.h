// The model services' wire formats, as pure functions: request bodies, streamed events and
// whole answers of the chat-completions and text-generation protocols, and error bodies.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/model_settings.h"
#include "model/prompt.h"
#include "model/sse_parser.h"

namespace chat {

struct StreamStep {
  enum class Kind { token, done, error, ignore, malformed };
  Kind kind = Kind::ignore;
  std::string text;  // the token's text, or the error's message
  bool last = false; // a token that also ends the stream (TGI's final event)
};

// JSON body of a chat-completions request.
std::string chat_request_body(const ModelSettings& settings, const std::vector<ChatTurn>& messages, bool stream);

// JSON body of a text-generation request with Mistral's [INST] prompt.
std::string text_generation_request_body(const ModelSettings& settings, const std::string& prompt, bool stream);

// One streamed event: chat ("data: {choices:[{delta:{content}}]}", "[DONE]") or text-generation
// (TGI's "data: {token:{text,special}, generated_text}"); {"error": ...} inside either is an error;
// a token whose text is not UTF-8 is malformed, as is a whole answer's.
StreamStep parse_stream_event(ModelApi api, const SseEvent& event);

// The text of a whole (non-streamed) answer, or nullopt when the body is not the protocol's.
std::optional<std::string> parse_whole_answer(ModelApi api, std::string_view body);

// The error message of an error body ({"error": "..."} or {"error": {"message": ...}}), cut to
// a log-friendly length; the raw start of the body when it is not JSON.
std::string error_message(std::string_view body);

// A 503 body's {"estimated_time": seconds}, when present.
std::optional<double> loading_estimate_seconds(std::string_view body);

}  // namespace chat
