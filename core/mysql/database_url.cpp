// Parsing of CHAT_DATABASE_URL (see the header for its form and options).
#include "mysql/database_url.h"

#include <charconv>

#include "http/percent_decoding.h"

namespace chat {
namespace {

std::optional<int> parse_port(std::string_view text) {
  int port = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (error != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

std::optional<DatabaseUrl> fail(std::string* error, const char* reason) {
  if (error) *error = reason;
  return std::nullopt;
}

// The query parameters that name a file, each an absolute path.
std::string* path_option(std::string_view name, DatabaseUrl& url) {
  if (name == "socket") return &url.socket;
  if (name == "ssl-ca") return &url.ssl_ca;
  if (name == "ssl-cert") return &url.ssl_cert;
  if (name == "ssl-key") return &url.ssl_key;
  return nullptr;
}

// Reads "name=/path" pairs separated by '&'; a parameter named twice or unknown is an error, and
// so is a client certificate without its key (or the other way round), or without ssl-ca.
bool parse_query(std::string_view query, DatabaseUrl& url) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) return false;
    std::string* slot = path_option(pair.substr(0, equals), url);
    const auto path = percent_decode(pair.substr(equals + 1));
    if (!slot || !slot->empty() || !path || path->empty() || path->front() != '/') return false;
    *slot = *path;
  }
  if (url.ssl_cert.empty() != url.ssl_key.empty()) return false;
  return url.ssl_cert.empty() || url.uses_tls();
}

// "host", "host:port", "[v6]" or "[v6]:port".
std::optional<DatabaseHost> parse_host_port(std::string_view text) {
  DatabaseHost host;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host.name = std::string(text.substr(1, close - 1));
    const std::string_view after = text.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return std::nullopt;
    port_text = after.empty() ? "" : after.substr(1);
  } else {
    const std::size_t colon = text.find(':');
    host.name = std::string(text.substr(0, colon));
    port_text = colon == std::string_view::npos ? "" : text.substr(colon + 1);
    if (colon != std::string_view::npos && port_text.empty()) return std::nullopt;
  }
  if (!port_text.empty()) {
    const auto port = parse_port(port_text);
    if (!port) return std::nullopt;
    host.port = *port;
  }
  if (host.name.empty()) return std::nullopt;
  return host;
}

// "host[:port]" items separated by commas, each one well formed.
bool parse_host_list(std::string_view text, DatabaseUrl& url) {
  while (true) {
    const std::size_t comma = text.find(',');
    const auto host = parse_host_port(text.substr(0, comma));
    if (!host) return false;
    url.hosts.push_back(*host);
    if (comma == std::string_view::npos) return true;
    text.remove_prefix(comma + 1);
  }
}

}  // namespace

std::string DatabaseUrl::redacted() const {
  // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict on chained operator+.
  std::string out = "mysql://";
  out.append(user).append(":***@");
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (i > 0) out.append(",");
    const bool ipv6 = hosts[i].name.find(':') != std::string::npos;
    out.append(ipv6 ? "[" : "").append(hosts[i].name).append(ipv6 ? "]" : "");
    if (socket.empty()) out.append(":").append(std::to_string(hosts[i].port));
  }
  out.append("/").append(database);
  char separator = '?';
  const auto option = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    out.append(1, separator).append(name).append("=").append(value);
    separator = '&';
  };
  option("socket", socket);
  option("ssl-ca", ssl_ca);
  option("ssl-cert", ssl_cert);
  option("ssl-key", ssl_key);
  return out;
}

std::optional<DatabaseUrl> parse_database_url(std::string_view text, std::string* error) {
  constexpr std::string_view kScheme = "mysql://";
  if (!text.starts_with(kScheme)) return fail(error, "must start with mysql://");
  text.remove_prefix(kScheme.size());
  const std::size_t at = text.rfind('@');
  if (at == std::string_view::npos) return fail(error, "must name a user: mysql://USER:PASSWORD@HOST/DB");
  const std::string_view credentials = text.substr(0, at);
  std::string_view rest = text.substr(at + 1);

  DatabaseUrl url;
  const std::size_t colon = credentials.find(':');
  const auto user = percent_decode(credentials.substr(0, colon));
  const auto password = percent_decode(colon == std::string_view::npos ? "" : credentials.substr(colon + 1));
  if (!user || user->empty() || !password) return fail(error, "bad user or password encoding");
  url.user = *user;
  url.password = *password;

  const std::size_t question = rest.find('?');
  if (!parse_query(question == std::string_view::npos ? "" : rest.substr(question + 1), url)) {
    return fail(error, "options are socket=, ssl-ca=, ssl-cert= and ssl-key= (absolute paths, each once; "
                       "ssl-cert and ssl-key together, with ssl-ca)");
  }
  rest = rest.substr(0, question);
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 == rest.size()) return fail(error, "must name a database: .../DB");
  url.database = std::string(rest.substr(slash + 1));
  if (url.database.find('/') != std::string::npos) return fail(error, "bad database name");

  if (!parse_host_list(rest.substr(0, slash), url)) return fail(error, "bad host or port");
  if (!url.socket.empty() && url.hosts.size() > 1) return fail(error, "socket= goes with one host");
  return url;
}

}  // namespace chat
