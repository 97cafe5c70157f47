// The local knowledge answerer.
#include "responder.h"

namespace chat {

Answer KnowledgeResponder::answer(const std::string& question) {
  LocalAnswer local = knowledge_.answer(question);
  return {std::move(local.text), "knowledge", std::move(local.section_titles)};
}

}  // namespace chat
