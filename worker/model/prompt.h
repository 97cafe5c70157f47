// Building what the model is sent: the chat messages (system text, earlier turns within a
// budget, the question) and Mistral's [INST] template for the text-generation protocol.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/model_settings.h"
#include "store/store.h"

namespace chat {

// Who speaks a turn, in the chat-completions protocol's words (to_string).
enum class Role { system, user, assistant };
std::string_view to_string(Role role);

struct ChatTurn {
  Role role = Role::user;
  std::string content;
};

// The earlier turns to send: taken newest first until `budget_chars` is spent, returned in
// order, starting with a user turn, user and assistant alternating.
std::vector<ChatTurn> select_history(const std::vector<StoredMessage>& history, std::size_t budget_chars);

// System text, history and question as chat messages; with SystemRole::fold_into_user the
// system text opens the first user turn instead of being a message of its own.
std::vector<ChatTurn> build_chat_messages(const std::string& system, const std::vector<ChatTurn>& history,
                                          const std::string& question, SystemRole role);

// The same conversation in Mistral's instruct template:
//   <s>[INST] system + first question [/INST] answer</s>[INST] question [/INST]
std::string build_mistral_prompt(const std::string& system, const std::vector<ChatTurn>& history,
                                 const std::string& question);

// Visitor or model text with every template marker ([INST], [/INST], <s>, </s>) taken out, so
// it can never close or forge a turn.
std::string strip_template_markers(std::string_view text);

}  // namespace chat
