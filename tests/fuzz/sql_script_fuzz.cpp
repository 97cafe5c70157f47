// libFuzzer target for chat-migrate's SQL splitter: any bytes split into statements that are
// never blank and start on a line of the script, or are refused with a reason.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bad_input.h"
#include "sql_script.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view script(reinterpret_cast<const char*>(data), size);
  try {
    int last_line = 1;
    for (const chat::SqlStatement& statement : chat::split_sql_script(script)) {
      if (statement.text.find_first_not_of(" \t\r\n\f\v") == std::string::npos) std::abort();
      if (statement.line < last_line || statement.line > static_cast<int>(size) + 1) std::abort();
      last_line = statement.line;
    }
  } catch (const chat::BadInput& refused) {
    if (std::string_view(refused.what()).empty()) std::abort();
  }
  return 0;
}
