// The admin API's bearer token check (see the header).
#include "admin_auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cctype>

namespace chat {
namespace {

constexpr std::string_view kScheme = "bearer ";

bool starts_with_scheme(std::string_view authorization) {
  if (authorization.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return false;
  }
  return true;
}

bool is_token_character(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

}  // namespace

AdminToken::AdminToken(const std::optional<std::string>& token) {
  if (token) digest_ = digest_of(*token);
}

AdminToken::Digest AdminToken::digest_of(std::string_view text) {
  Digest digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

bool AdminToken::accepts(std::string_view authorization) const {
  if (!digest_ || !starts_with_scheme(authorization)) return false;
  const Digest presented = digest_of(authorization.substr(kScheme.size()));
  return CRYPTO_memcmp(presented.data(), digest_->data(), presented.size()) == 0;
}

bool is_acceptable_admin_token(std::string_view token) {
  std::size_t i = 0;
  while (i < token.size() && is_token_character(static_cast<unsigned char>(token[i]))) ++i;
  const std::size_t body = i;
  while (i < token.size() && token[i] == '=') ++i;
  return i == token.size() && body >= kMinAdminTokenChars;
}

}  // namespace chat
