// Who writes the answer to a visitor's question: the local knowledge answerer, and the model
// answerer that falls back to it when the model service fails.
#pragma once

#include <string>
#include <vector>

#include "knowledge/knowledge_base.h"
#include "model/model_client.h"
#include "store/store.h"
#include "worker_limits.h"

namespace chat {

struct AnswerRequest {
  std::string question;
  std::vector<StoredMessage> history;  // earlier messages of the session, oldest first
  const TokenSink* sink = nullptr;     // set when the visitor receives the answer as a stream
};

struct Answer {
  // What the visitor was sent; for a visitor who hung up mid-stream, what reached them followed
  // by assistant.json's visitor_left_note, so that the transcript says the answer was cut short.
  std::string text;
  Source source = Source::knowledge;
  std::vector<std::string> section_titles;  // knowledge sections that informed it
  bool visitor_left = false;  // the visitor hung up mid-stream: the answer is a fragment
};

class Responder {
 public:
  virtual ~Responder() = default;
  virtual Answer answer(const AnswerRequest& request) = 0;
};

// Answers from the company knowledge base; used when no model service is configured.
class KnowledgeResponder final : public Responder {
 public:
  explicit KnowledgeResponder(const KnowledgeBase& knowledge) : knowledge_(knowledge) {}
  Answer answer(const AnswerRequest& request) override;

 private:
  const KnowledgeBase& knowledge_;
};

// Answers from the model service; on any failure the knowledge base answers instead
// (source "fallback") and the log says why.
class ModelResponder final : public Responder {
 public:
  ModelResponder(const ModelSettings& settings, const KnowledgeBase& knowledge);
  Answer answer(const AnswerRequest& request) override;

 private:
  Answer fall_back(const AnswerRequest& request, const ModelResult& failed);

  ModelClient client_;
  std::size_t history_chars_;
  const KnowledgeBase& knowledge_;
  std::string system_prompt_;
};

}  // namespace chat
