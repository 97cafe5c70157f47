// libFuzzer target for the knowledge file's Markdown: any bytes give a document made of the
// input's own text (never more of it than was given), never a crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "knowledge/knowledge_document.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto document =
      chat::parse_knowledge_markdown(std::string_view(reinterpret_cast<const char*>(data), size));
  std::size_t text = document.company.size() + document.intro.size();
  for (const chat::KnowledgeSection& section : document.sections) text += section.title.size() + section.body.size();
  if (text > size) std::abort();
  return 0;
}
