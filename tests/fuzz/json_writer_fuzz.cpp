// libFuzzer target for the JSON writer: any valid UTF-8 text written as a key and a value reads
// back the same through jsoncpp's strict parser (so no response body can be broken JSON).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json.h"
#include "json_writer.h"
#include "utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!chat::is_valid_utf8(text)) return 0;  // the writer's contract: UTF-8 in
  chat::JsonWriter as_value;
  as_value.begin_array().value(text).end_array();
  const auto array = chat::json::parse_strict(as_value.str(), nullptr);
  if (!array || (*array)[0].asString() != text) std::abort();
  chat::JsonWriter as_key;
  as_key.begin_object().field(text, static_cast<std::int64_t>(size)).end_object();
  const auto object = chat::json::parse_strict(as_key.str(), nullptr);
  if (!object || (*object)[std::string(text)].asInt64() != static_cast<std::int64_t>(size)) std::abort();
  return 0;
}
