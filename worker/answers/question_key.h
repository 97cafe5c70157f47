// Normalised question text (case, spaces and punctuation ignored) and its hash, the key of the
// answer cache: "What services do you offer?" and "what services do you offer" are one.
#pragma once

#include <string>
#include <string_view>

namespace chat {

std::string normalize_question(std::string_view question);

// SHA-256 of the normalised text, in lowercase hexadecimal.
std::string question_hash(std::string_view normalized_question);

}  // namespace chat
