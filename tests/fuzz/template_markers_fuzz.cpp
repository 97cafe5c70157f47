// libFuzzer target for the Mistral template: visitor text with markers stripped never contains
// a marker, whatever was nested or split to rebuild one ("[IN[INST]ST]"), and the prompt built
// around it holds exactly the template's own markers.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "model/prompt.h"

namespace {

std::size_t count(const std::string& text, std::string_view marker) {
  std::size_t found = 0;
  for (std::size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) ++found;
  return found;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string stripped = chat::strip_template_markers(text);
  for (const char* marker : {"[INST]", "[/INST]", "<s>", "</s>"}) {
    if (stripped.find(marker) != std::string::npos) std::abort();
  }
  const std::string prompt = chat::build_mistral_prompt("system", {}, std::string(text));
  if (count(prompt, "[INST]") != 1 || count(prompt, "[/INST]") != 1) std::abort();
  return 0;
}
