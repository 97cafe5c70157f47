// The admin API's bearer token check. Only the SHA-256 digest of CHAT_ADMIN_TOKEN is kept, and a
// presented token is compared by its digest with CRYPTO_memcmp: equal-length inputs and a
// constant-time comparison, so timing says nothing about how close a guess was.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "admin_limits.h"

namespace chat {

class AdminToken {
 public:
  // nullopt (CHAT_ADMIN_TOKEN unset): no request is ever accepted.
  explicit AdminToken(const std::optional<std::string>& token);

  // True when `authorization` (the header's value) is "Bearer <the token>"; the scheme name is
  // case-insensitive.
  bool accepts(std::string_view authorization) const;

  bool configured() const { return digest_.has_value(); }

 private:
  using Digest = std::array<unsigned char, 32>;
  static Digest digest_of(std::string_view text);

  std::optional<Digest> digest_;
};

// True when `token` can be CHAT_ADMIN_TOKEN: at least kMinAdminTokenChars characters of the
// bearer token alphabet (letters, digits, "-._~+/", then optional "=" padding).
bool is_acceptable_admin_token(std::string_view token);

}  // namespace chat
