// libFuzzer target for the ask body (POST /api/chatbot/ask/): any bytes are either refused with
// BadInput or give a request that may be stored as is: a non-empty UTF-8 message within the
// limit, visitor fields in UTF-8, a session id that is a UUID. Built and run by scripts/fuzz.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/ask_request.h"
#include "bad_input.h"
#include "utf8.h"
#include "uuid.h"

namespace {

constexpr std::size_t kMaxChars = 50;

bool storable(const chat::AskRequest& ask) {
  const auto length = chat::utf8_length(ask.message);
  if (!length || *length == 0 || *length > kMaxChars) return false;
  if (ask.session_id && !chat::is_uuid(*ask.session_id)) return false;
  for (const auto* field : {&ask.visitor.name, &ask.visitor.email}) {
    if (*field && !chat::is_valid_utf8(**field)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    if (!storable(chat::parse_ask_request(std::string_view(reinterpret_cast<const char*>(data), size), kMaxChars))) {
      std::abort();
    }
  } catch (const chat::BadInput&) {
  }
  return 0;
}
