// Normalised question text and its hash (see the header).
#include "answers/question_key.h"

#include <openssl/sha.h>

#include <cctype>

namespace chat {

std::string normalize_question(std::string_view question) {
  std::string out;
  bool pending_space = false;
  for (const char c : question) {
    const auto byte = static_cast<unsigned char>(c);
    // ASCII punctuation and spaces separate words; other bytes (letters, UTF-8) are kept.
    if (byte < 0x80 && (std::isspace(byte) || std::ispunct(byte))) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(static_cast<char>(byte < 0x80 ? std::tolower(byte) : byte));
  }
  return out;
}

std::string question_hash(std::string_view normalized_question) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(normalized_question.data()), normalized_question.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : digest) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0x0F]);
  }
  return out;
}

}  // namespace chat
