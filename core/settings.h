// Reading settings from the environment (contract section 2), the same way in every program:
// an unset variable keeps its default, a bad value stops startup with one line naming the
// variable (never a secret's value).
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "http/peer_allowlist.h"
#include "mysql/database_url.h"

namespace chat {

// Looks a variable up; returns nullptr when unset (std::getenv in production).
using EnvLookup = std::function<const char*(const char*)>;

// Each reader leaves `out` alone when the variable is unset and returns true; on a bad value it
// writes "NAME: reason" to *error and returns false.

// Sets *error to "NAME: reason" and returns false.
bool setting_error(std::string* error, std::string_view name, std::string_view reason);

// An integer in [low, high].
bool read_bounded(const EnvLookup& env, const char* name, long low, long high, long& out, std::string* error);

// A decimal number in [low, high].
bool read_double(const EnvLookup& env, const char* name, double low, double high, double& out,
                 std::string* error);

// One of `choices`, by name; its index goes to `out`.
bool read_choice(const EnvLookup& env, const char* name, std::initializer_list<const char*> choices, int& out,
                 std::string* error);

// A database URL (mysql://...). Unset or empty is an error when `required`.
bool read_database_url(const EnvLookup& env, const char* name, bool required, DatabaseUrl& out,
                       std::string* error);

// A list of peer addresses and networks (CHAT_FASTCGI_ALLOWED_PEERS).
bool read_peer_allowlist(const EnvLookup& env, const char* name, PeerAllowlist& out, std::string* error);

}  // namespace chat
