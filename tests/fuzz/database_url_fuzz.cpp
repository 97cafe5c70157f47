// libFuzzer target for CHAT_DATABASE_URL: any bytes either parse or give a reason, never a crash.
// Built and run by scripts/fuzz.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mysql/database_url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string reason;
  const auto url = chat::parse_database_url(std::string_view(reinterpret_cast<const char*>(data), size), &reason);
  if (!url && reason.empty()) std::abort();  // a refusal always says why
  if (url) url->redacted();
  return 0;
}
