// The knowledge file's Markdown as the answerer reads it (see the header).
#include "knowledge/knowledge_document.h"

#include "knowledge/text_analysis.h"

namespace chat {
namespace {

// Heading level (1-6) of a Markdown ATX heading line, or 0; sets *text.
int heading_level(std::string_view line, std::string* text) {
  std::size_t level = 0;
  while (level < line.size() && line[level] == '#') ++level;
  if (level == 0 || level > 6) return 0;
  if (level < line.size() && line[level] != ' ' && line[level] != '\t') return 0;
  std::string_view rest = trim(line.substr(level));
  const std::size_t closing = rest.find_last_not_of('#');
  if (closing != std::string_view::npos && closing + 1 < rest.size() && rest[closing] == ' ') {
    rest = trim(rest.substr(0, closing));
  }
  *text = std::string(rest);
  return static_cast<int>(level);
}

bool is_fence(std::string_view line) {
  const std::string_view t = trim(line);
  return t.starts_with("```") || t.starts_with("~~~");
}

}  // namespace

KnowledgeDocument parse_knowledge_markdown(std::string_view markdown) {
  KnowledgeDocument document;
  bool in_fence = false;
  while (!markdown.empty()) {
    const std::size_t eol = markdown.find('\n');
    std::string_view line = markdown.substr(0, eol);
    markdown.remove_prefix(eol == std::string_view::npos ? markdown.size() : eol + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    std::string heading;
    const int level = in_fence ? 0 : heading_level(line, &heading);
    if (is_fence(line)) in_fence = !in_fence;
    if (level == 1 && document.company.empty() && document.sections.empty()) {
      document.company = heading;
    } else if (level == 1 || level == 2) {
      document.sections.push_back({heading, ""});
    } else {
      (document.sections.empty() ? document.intro : document.sections.back().body).append(line).append("\n");
    }
  }
  for (KnowledgeSection& s : document.sections) s.body = std::string(trim(s.body));
  document.intro = std::string(trim(document.intro));
  return document;
}

}  // namespace chat
