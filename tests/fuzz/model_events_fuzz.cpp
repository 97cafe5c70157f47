// libFuzzer target for what the model service sends: any bytes, as one server-sent event of
// either protocol or as a whole answer, give a step or an answer of valid UTF-8, never a crash.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "model/model_protocol.h"
#include "utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const chat::ModelApi api : {chat::ModelApi::chat, chat::ModelApi::text_generation}) {
    const chat::StreamStep step = chat::parse_stream_event(api, chat::SseEvent{"", std::string(bytes)});
    if (step.kind == chat::StreamStep::Kind::token && !chat::is_valid_utf8(step.text)) std::abort();
    if (const auto answer = chat::parse_whole_answer(api, bytes); answer && !chat::is_valid_utf8(*answer)) {
      std::abort();
    }
  }
  chat::error_message(bytes);
  chat::loading_estimate_seconds(bytes);
  return 0;
}
