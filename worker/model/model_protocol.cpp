// The model services' wire formats (see the header).
#include "model/model_protocol.h"

#include "json.h"
#include "utf8.h"
#include "worker_limits.h"

namespace chat {
namespace {

std::optional<Json::Value> parse_any_json(std::string_view text) {
  // parse_strict takes objects and arrays only, which is every body these protocols send.
  return json::parse_strict(text, nullptr);
}

std::string error_text(const Json::Value& error) {
  if (error.isString()) return error.asString();
  if (error.isObject() && error["message"].isString()) return error["message"].asString();
  return json::to_string(error);
}

// A token's text, or malformed when it is not UTF-8 (jsoncpp decodes a lone surrogate's escape
// into such bytes): model text reaches a visitor and the database only as UTF-8.
StreamStep token_step(std::string text) {
  if (!is_valid_utf8(text)) return {StreamStep::Kind::malformed, "token is not UTF-8"};
  return {StreamStep::Kind::token, std::move(text)};
}

StreamStep chat_step(const Json::Value& event) {
  const Json::Value& choices = event["choices"];
  if (!choices.isArray()) return {StreamStep::Kind::malformed, "no choices"};
  if (choices.empty()) return {};  // e.g. a usage-only chunk
  const Json::Value& content = choices[0]["delta"]["content"];
  if (content.isString() && !content.asString().empty()) return token_step(content.asString());
  return {};
}

StreamStep text_generation_step(const Json::Value& event) {
  const Json::Value& token = event["token"];
  if (!token.isObject()) return {StreamStep::Kind::malformed, "no token"};
  StreamStep step;
  if (token["text"].isString() && !token["special"].asBool()) {
    step = token_step(token["text"].asString());
    if (step.kind == StreamStep::Kind::malformed) return step;
  }
  if (event["generated_text"].isString()) {  // the last event: its token, if any, then the end
    if (step.kind != StreamStep::Kind::token) return {StreamStep::Kind::done, ""};
    step.last = true;
  }
  return step;
}

std::optional<std::string> read_whole_answer(ModelApi api, const Json::Value& value) {
  if (api == ModelApi::chat) {
    if (!value.isObject() || !value["choices"].isArray()) return std::nullopt;
    const Json::Value& content = value["choices"][0]["message"]["content"];
    if (!content.isString()) return std::nullopt;
    return content.asString();
  }
  const Json::Value& answer = value.isArray() ? value[0] : value;
  if (!answer.isObject() || !answer["generated_text"].isString()) return std::nullopt;
  return answer["generated_text"].asString();
}

// jsoncpp throws when a value of the wrong type is indexed: garbage from the model service must
// come out as "malformed", never as an exception, so the readers run inside this guard.
template <typename Read, typename Result>
Result guarded(Read read, Result on_garbage) {
  try {
    return read();
  } catch (const Json::Exception&) {
    return on_garbage;
  }
}

}  // namespace

std::string chat_request_body(const ModelSettings& settings, const std::vector<ChatTurn>& messages, bool stream) {
  Json::Value body(Json::objectValue);
  body["model"] = settings.model;
  body["messages"] = Json::Value(Json::arrayValue);
  for (const auto& turn : messages) {
    Json::Value message(Json::objectValue);
    message["role"] = std::string(to_string(turn.role));
    message["content"] = turn.content;
    body["messages"].append(message);
  }
  body["max_tokens"] = settings.max_tokens;
  body["temperature"] = settings.temperature;
  body["top_p"] = settings.top_p;
  body["stream"] = stream;
  return json::to_string(body);
}

std::string text_generation_request_body(const ModelSettings& settings, const std::string& prompt, bool stream) {
  Json::Value body(Json::objectValue);
  body["inputs"] = prompt;
  Json::Value& parameters = body["parameters"];
  parameters["max_new_tokens"] = settings.max_tokens;
  parameters["temperature"] = settings.temperature;
  parameters["top_p"] = settings.top_p;
  parameters["repetition_penalty"] = settings.repetition_penalty;
  parameters["return_full_text"] = false;
  body["stream"] = stream;
  return json::to_string(body);
}

StreamStep parse_stream_event(ModelApi api, const SseEvent& event) {
  if (event.data == "[DONE]") return {StreamStep::Kind::done, ""};
  const auto value = parse_any_json(event.data);
  if (!value || !value->isObject()) return {StreamStep::Kind::malformed, "event is not a JSON object"};
  if (value->isMember("error")) return {StreamStep::Kind::error, error_message(event.data)};
  return guarded([&] { return api == ModelApi::chat ? chat_step(*value) : text_generation_step(*value); },
                 StreamStep{StreamStep::Kind::malformed, "unexpected event shape"});
}

std::optional<std::string> parse_whole_answer(ModelApi api, std::string_view body) {
  const auto value = parse_any_json(body);
  if (!value) return std::nullopt;
  auto answer = guarded([&] { return read_whole_answer(api, *value); }, std::optional<std::string>());
  if (answer && !is_valid_utf8(*answer)) return std::nullopt;  // see token_step
  return answer;
}

std::string error_message(std::string_view body) {
  const auto value = parse_any_json(body);
  std::string message = value && value->isObject() && value->isMember("error")
                            ? guarded([&] { return error_text((*value)["error"]); }, std::string("error"))
                            : std::string(body);
  return std::string(utf8_prefix(message, kMaxModelErrorMessageBytes));
}

std::optional<double> loading_estimate_seconds(std::string_view body) {
  const auto value = parse_any_json(body);
  if (!value || !value->isObject() || !(*value)["estimated_time"].isNumeric()) return std::nullopt;
  return (*value)["estimated_time"].asDouble();
}

}  // namespace chat
