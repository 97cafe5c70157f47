// Settings of the model service (contract section 2: HUGGINGFACE_API_KEY, CHAT_LLM_*,
// CHAT_MODEL, CHAT_CA_FILE) and of the prompt sent to it.
#pragma once

#include <string>

namespace chat {

enum class ModelApi { chat, text_generation };

// Where the knowledge (system) text goes: a "system" message, or folded into the first user
// turn for chat templates that accept only user and assistant roles (Mistral's).
enum class SystemRole { system_message, fold_into_user };

struct ModelSettings {
  std::string api_key;  // HUGGINGFACE_API_KEY; empty: no model, answers are local. A secret.
  std::string url = "https://router.huggingface.co/v1";
  ModelApi api = ModelApi::chat;
  std::string model = "mistralai/Mistral-7B-Instruct-v0.3";
  std::string ca_file;  // empty: the system store
  long timeout_ms = 30000;
  int max_tokens = 256;
  double temperature = 0.7;
  double top_p = 0.95;
  double repetition_penalty = 1.2;  // text-generation only
  SystemRole system_role = SystemRole::fold_into_user;
  std::size_t history_chars = 4000;  // budget of earlier turns sent with a question

  bool enabled() const { return !api_key.empty(); }
};

}  // namespace chat
