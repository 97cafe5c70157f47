// Who writes the answer to a visitor's question: the interface and the local knowledge answerer.
#pragma once

#include <string>
#include <vector>

#include "knowledge_base.h"

namespace chat {

struct Answer {
  std::string text;
  std::string source;                       // "model", "knowledge", "fallback" or "cache"
  std::vector<std::string> section_titles;  // knowledge sections that informed it
};

class Responder {
 public:
  virtual ~Responder() = default;
  virtual Answer answer(const std::string& question) = 0;
};

// Answers from the company knowledge base; used when no model service is configured.
class KnowledgeResponder final : public Responder {
 public:
  explicit KnowledgeResponder(const KnowledgeBase& knowledge) : knowledge_(knowledge) {}
  Answer answer(const std::string& question) override;

 private:
  const KnowledgeBase& knowledge_;
};

}  // namespace chat
