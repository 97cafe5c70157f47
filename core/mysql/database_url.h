// Parsing of CHAT_DATABASE_URL: mysql://USER:PASSWORD@HOST:PORT/DB[?OPTIONS], or with several
// servers mysql://USER:PASSWORD@H1:P1,H2:P2,H3:P3/DB (a Galera cluster, or a primary and its
// standby: a connection goes to the first that answers, in that order). OPTIONS are
// socket=/path.sock (a unix socket instead of TCP) and, for TLS to the server, ssl-ca=/ca.pem
// (TLS required, the server's certificate checked against that CA and its name against HOST),
// with ssl-cert=/client.pem&ssl-key=/client.key when the server wants a client certificate.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat {

struct DatabaseHost {
  std::string name;  // a host name or an address (IPv6 without its brackets)
  int port = 3306;
};

struct DatabaseUrl {
  std::string user;
  std::string password;  // a secret: never log it
  std::vector<DatabaseHost> hosts;  // at least one; tried in this order
  std::string database;
  std::string socket;    // unix socket path; when set, the one host is not used
  std::string ssl_ca;    // PEM file of the CAs trusted for the server; when set, TLS is required
  std::string ssl_cert;  // client certificate (PEM), with ssl_key
  std::string ssl_key;   // its private key (PEM)

  bool uses_tls() const { return !ssl_ca.empty(); }

  // The URL with the password masked, for log lines and error messages.
  std::string redacted() const;
};

// Parses the URL; on failure returns nullopt and a reason (without the password) in *error.
std::optional<DatabaseUrl> parse_database_url(std::string_view url, std::string* error);

}  // namespace chat
