// libFuzzer target for the admin API's query strings (stats, sessions, messages, export): any
// bytes are either refused with BadInput or parsed, never anything else. Built and run by
// scripts/fuzz.
#include <cstdint>
#include <string_view>

#include "admin_params.h"
#include "admin_query_string.h"
#include "bad_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  for (const auto parse : {+[](std::string_view q) { chat::parse_query_string(q); },
                           +[](std::string_view q) { chat::parse_range_query(q); },
                           +[](std::string_view q) { chat::parse_session_query(q); },
                           +[](std::string_view q) { chat::parse_message_query(q); }}) {
    try {
      parse(query);
    } catch (const chat::BadInput&) {
    }
  }
  return 0;
}
