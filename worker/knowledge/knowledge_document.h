// The knowledge file's Markdown as the answerer reads it: the company's name (the first '# '
// heading), the text before the first section, and one section per '## ' heading.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chat {

struct KnowledgeSection {
  std::string title;
  std::string body;  // Markdown text under the heading, trimmed
};

struct KnowledgeDocument {
  std::string company;   // empty when the file has no leading '# ' heading
  std::string intro;     // trimmed text before the first section
  std::vector<KnowledgeSection> sections;
};

// A '# ' line before any section names the company; later '# ' and '## ' headings start a
// section ('### ' and deeper stay inside theirs); headings inside code fences are text.
KnowledgeDocument parse_knowledge_markdown(std::string_view markdown);

}  // namespace chat
