// Who writes the answer to a visitor's question: the local knowledge answerer, and the model
// answerer that falls back to it when the model service fails.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "async/executor.h"
#include "knowledge/knowledge_base.h"
#include "metrics/worker_metrics.h"
#include "model/model_client.h"
#include "store/store.h"
#include "worker_limits.h"

namespace chat {

struct AnswerRequest {
  std::string question;
  std::vector<StoredMessage> history;  // earlier messages of the session, oldest first
  TokenSink sink;                      // set when the visitor receives the answer as a stream
  long waited_ms = 0;                  // how long the ask waited before it was put to the answerer
};

struct Answer {
  // What the visitor was sent; for a visitor who hung up mid-stream, what reached them followed
  // by assistant.json's visitor_left_note, so that the transcript says the answer was cut short.
  std::string text;
  Source source = Source::knowledge;
  std::vector<std::string> section_titles;  // knowledge sections that informed it
  bool visitor_left = false;  // the visitor hung up mid-stream: the answer is a fragment
};

using AnswerDone = std::function<void(Answer)>;
// Stops an answer under way because the visitor left; does nothing once it was given.
using CancelAnswer = std::function<void()>;

class Responder {
 public:
  virtual ~Responder() = default;
  // True when answers come later, from another thread: the caller defers its response first.
  virtual bool answers_later() const = 0;
  // Gives the answer to `done`: before returning, or (answers_later) later on a serving thread,
  // with the request's sink called on the event loop meanwhile.
  virtual CancelAnswer answer(AnswerRequest request, AnswerDone done) = 0;
  // The knowledge sections that inform an answer to `question` (a cached one included).
  virtual std::vector<std::string> sources_of(std::string_view question) const = 0;
};

// Answers from the company knowledge base at once; used when no model service is configured.
class KnowledgeResponder final : public Responder {
 public:
  explicit KnowledgeResponder(const KnowledgeBase& knowledge) : knowledge_(knowledge) {}
  bool answers_later() const override { return false; }
  CancelAnswer answer(AnswerRequest request, AnswerDone done) override;
  std::vector<std::string> sources_of(std::string_view question) const override {
    return knowledge_.answer(question).section_titles;
  }

 private:
  const KnowledgeBase& knowledge_;
};

// Answers from the model service, whose calls wait on the event loop; what follows a call (the
// local fallback on any failure, with the log saying why) runs on the serving threads.
class ModelResponder final : public Responder {
 public:
  // `metrics` (may be null) counts the calls by outcome and failure class.
  ModelResponder(const ModelSettings& settings, const KnowledgeBase& knowledge, EventLoop& loop, Executor& pool,
                 WorkerMetrics* metrics = nullptr);
  bool answers_later() const override { return true; }
  CancelAnswer answer(AnswerRequest request, AnswerDone done) override;
  // The sections the local answerer would pick: the model has the whole knowledge file, and
  // these are the parts of it the question is about.
  std::vector<std::string> sources_of(std::string_view question) const override {
    return knowledge_.answer(question).section_titles;
  }

 private:
  struct Pending;
  Answer settle_or_apologise(Pending& pending, const ModelResult& result);
  Answer settle(Pending& pending, const ModelResult& result);
  Answer fall_back(const AnswerRequest& request, const ModelResult& failed);
  void count_call(const Pending& pending, const ModelResult& result);

  ModelClient client_;
  Executor& pool_;
  std::size_t history_chars_;
  const KnowledgeBase& knowledge_;
  std::string system_prompt_;
  WorkerMetrics* metrics_;
};

}  // namespace chat
