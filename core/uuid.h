// Session ids: random (version 4) UUIDs from OpenSSL's CSPRNG, and their validation.
#pragma once

#include <string>
#include <string_view>

namespace chat {

// A new lowercase UUID v4. Throws std::runtime_error if the random generator fails.
std::string new_uuid_v4();

// True for the canonical 8-4-4-4-12 hexadecimal form (either case).
bool is_uuid(std::string_view text);

}  // namespace chat
