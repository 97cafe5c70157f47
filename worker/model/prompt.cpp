// Building what the model is sent (see the header).
#include "model/prompt.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace chat {
namespace {

constexpr std::array<std::string_view, 4> kTemplateMarkers = {"[INST]", "[/INST]", "<s>", "</s>"};

// The position of the first marker in `text` (case-insensitive) and its length, or npos.
std::pair<std::size_t, std::size_t> find_marker(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    for (const auto marker : kTemplateMarkers) {
      if (text.size() - i < marker.size()) continue;
      const bool same = std::equal(marker.begin(), marker.end(), text.begin() + static_cast<long>(i),
                                   [](char a, char b) {
                                     return std::tolower(static_cast<unsigned char>(a)) ==
                                            std::tolower(static_cast<unsigned char>(b));
                                   });
      if (same) return {i, marker.size()};
    }
  }
  return {std::string_view::npos, 0};
}

void append_turn(std::vector<ChatTurn>& turns, Role role, const std::string& content) {
  if (!turns.empty() && turns.back().role == role) {
    turns.back().content.append("\n\n").append(content);
  } else {
    turns.push_back({role, content});
  }
}

}  // namespace

std::string_view to_string(Role role) {
  switch (role) {
    case Role::system: return "system";
    case Role::user: return "user";
    case Role::assistant: return "assistant";
  }
  return "user";
}

std::string strip_template_markers(std::string_view text) {
  std::string out(text);
  // Removing one marker can join the pieces of another ("[IN[INST]ST]"): repeat until none.
  for (;;) {
    const auto [at, length] = find_marker(out);
    if (at == std::string::npos) return out;
    out.erase(at, length);
  }
}

std::vector<ChatTurn> select_history(const std::vector<StoredMessage>& history, std::size_t budget_chars) {
  std::vector<ChatTurn> newest_first;
  std::size_t spent = 0;
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (spent + it->text.size() > budget_chars) break;
    spent += it->text.size();
    newest_first.push_back({it->sender == Sender::bot ? Role::assistant : Role::user, it->text});
  }
  std::vector<ChatTurn> turns;
  for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) {
    if (turns.empty() && it->role != Role::user) continue;  // a conversation opens with the visitor
    append_turn(turns, it->role, it->content);
  }
  return turns;
}

std::vector<ChatTurn> build_chat_messages(const std::string& system, const std::vector<ChatTurn>& history,
                                          const std::string& question, SystemRole role) {
  std::vector<ChatTurn> messages;
  if (role == SystemRole::system_message) messages.push_back({Role::system, system});
  for (const auto& turn : history) append_turn(messages, turn.role, turn.content);
  append_turn(messages, Role::user, question);
  if (role == SystemRole::fold_into_user) {
    auto first_user = std::find_if(messages.begin(), messages.end(),
                                   [](const ChatTurn& turn) { return turn.role == Role::user; });
    first_user->content = system + "\n\n" + first_user->content;
  }
  return messages;
}

std::string build_mistral_prompt(const std::string& system, const std::vector<ChatTurn>& history,
                                 const std::string& question) {
  const auto turns = build_chat_messages(system, history, question, SystemRole::fold_into_user);
  std::string prompt = "<s>";
  for (const auto& turn : turns) {
    const std::string content = strip_template_markers(turn.content);
    if (turn.role == Role::user) {
      prompt.append("[INST] ").append(content).append(" [/INST]");
    } else {
      prompt.append(" ").append(content).append("</s>");
    }
  }
  return prompt;
}

}  // namespace chat
