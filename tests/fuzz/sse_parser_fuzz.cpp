// libFuzzer target for the SSE parser: any input, split anywhere, must parse like the whole
// input, within the event size limit, without crashing. Built and run by scripts/fuzz.
#include <cstdint>
#include <cstdlib>

#include "sse_split_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = stream.empty() ? 0 : data[0] % (stream.size() + 1);
  if (!chat::fuzz::splits_agree(stream, split, 64)) std::abort();
  return 0;
}
