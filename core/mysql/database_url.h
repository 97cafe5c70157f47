// Parsing of CHAT_DATABASE_URL: mysql://USER:PASSWORD@HOST:PORT/DB[?socket=/path.sock].
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chat {

struct DatabaseUrl {
  std::string user;
  std::string password;  // a secret: never log it
  std::string host;
  int port = 3306;
  std::string database;
  std::string socket;    // unix socket path; when set, host and port are not used

  // The URL with the password masked, for log lines and error messages.
  std::string redacted() const;
};

// Parses the URL; on failure returns nullopt and a reason (without the password) in *error.
std::optional<DatabaseUrl> parse_database_url(std::string_view url, std::string* error);

}  // namespace chat
