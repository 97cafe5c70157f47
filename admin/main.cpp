// chat-admin: the admin API (reports, search, transcripts, CSV export, erasure) as a FastCGI
// process behind nginx, with the statistics rollups and the message search index kept up in the
// background, and the retention command.
//   chat-admin [--listen /path.sock | HOST:PORT]   (without --listen it serves fd 0)
//   chat-admin --check-config                      (validates the settings and exits)
//   chat-admin --purge-older-than DAYS             (erases sessions inactive for DAYS days, exits)
#include <curl/curl.h>
#include <fcgiapp.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "admin_api.h"
#include "admin_auth.h"
#include "admin_config.h"
#include "admin_limits.h"
#include "admin_metrics.h"
#include "admin_mysql_store.h"
#include "admin_retention.h"
#include "background_work.h"
#include "http/fcgi_server.h"
#include "leads/lead_delivery.h"
#include "log.h"
#include "process.h"

namespace {

constexpr std::string_view kProgram = "chat-admin";
constexpr std::string_view kUsage =
    "usage: chat-admin [--listen ADDRESS] [--check-config] [--purge-older-than DAYS]\n"
    "The admin API (FastCGI) behind nginx, with its background rollups and search indexing.\n"
    "  --listen ADDRESS          serve a Unix socket path or HOST:PORT (default: fd 0, from\n"
    "                            systemd or spawn-fcgi)\n"
    "  --check-config            check the settings (CHAT_* environment) and exit\n"
    "  --purge-older-than DAYS   erase the sessions inactive for DAYS days and exit\n"
    "  --help                    print this and exit\n"
    "Settings: CHAT_DATABASE_URL, CHAT_ADMIN_TOKEN and the others in chat-admin(8) and README.";

// Everything one serving thread owns: its MySQL connections. /metrics (which nginx serves to an
// allowlist) asks for no token; everything else is the admin API.
class AdminThread final : public chat::RequestHandler {
 public:
  AdminThread(const chat::AdminConfig& config, const chat::AdminToken& token, const chat::BackgroundLag& lag)
      : store_(config.read_database, config.database),
        context_{store_, token},
        metrics_{store_, lag, config.lead_webhook.has_value()} {}

  chat::Response handle(const chat::Request& request) override {
    if (request.path == chat::kAdminMetricsPath) return chat::handle_admin_metrics(request, metrics_);
    return chat::handle_admin_request(request, context_);
  }

 private:
  chat::MysqlThreadScope mysql_thread_;
  chat::MysqlAdminStore store_;
  chat::AdminContext context_;
  chat::AdminMetricsSources metrics_;
};

struct Arguments {
  std::string listen_address;
  bool check_config = false;
  std::optional<int> purge_older_than_days;
};

int parse_days(std::string_view text) {
  int days = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), days);
  if (error != std::errc() || end != text.data() + text.size() || days < 1 || days > chat::kMaxRetentionDays) {
    chat::exit_with_startup_error(kProgram, "--purge-older-than: DAYS must be a whole number from 1 to " +
                                                std::to_string(chat::kMaxRetentionDays));
  }
  return days;
}

Arguments parse_arguments(int argc, char** argv) {
  Arguments arguments;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help") {
      chat::exit_with_usage(kUsage);
    } else if (arg == "--listen" && i + 1 < argc) {
      arguments.listen_address = argv[++i];
    } else if (arg == "--check-config") {
      arguments.check_config = true;
    } else if (arg == "--purge-older-than" && i + 1 < argc) {
      arguments.purge_older_than_days = parse_days(argv[++i]);
    } else {
      chat::exit_with_startup_error(kProgram, "unknown argument " + arg + " (see chat-admin --help)");
    }
  }
  return arguments;
}

// Erases, on the primary, the sessions whose last message is older than `days` days.
int purge(const chat::AdminConfig& config, int days) {
  const auto cutoff = std::chrono::system_clock::now() - std::chrono::days(days);
  try {
    chat::MysqlThreadScope thread;
    chat::MysqlConnection connection(config.database);
    const std::int64_t purged = chat::purge_sessions_inactive_since(connection, cutoff);
    std::cout << "purged " << purged << " sessions inactive for more than " << days << " days" << std::endl;
  } catch (const std::exception& failure) {
    chat::exit_with_startup_error(kProgram, failure.what());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  chat::block_stop_signals();
  const Arguments arguments = parse_arguments(argc, argv);
  std::string error;
  const auto config = chat::load_admin_config([](const char* name) { return std::getenv(name); }, &error);
  if (!config) chat::exit_with_startup_error(kProgram, error);
  if (arguments.check_config) return 0;
  chat::mysql_driver();  // not thread-safe: made once here, before any thread
  curl_global_init(CURL_GLOBAL_DEFAULT);  // the same, for the lead webhook's libcurl
  if (arguments.purge_older_than_days) return purge(*config, *arguments.purge_older_than_days);

  const int listen_fd = chat::listening_socket_or_exit(kProgram, arguments.listen_address);
  const chat::AdminToken token(config->token);
  chat::BackgroundLag lag;
  FCGX_Init();
  chat::FcgiServer server(
      listen_fd, [&] { return std::make_unique<AdminThread>(*config, token, lag); },
      chat::FcgiServerOptions{.threads = chat::kServingThreads, .peers = config->fastcgi_peers});
  server.start();
  std::optional<chat::BackgroundWork> background(std::in_place, config->database, lag);
  std::optional<chat::LeadDelivery> lead_delivery;
  if (config->lead_webhook) lead_delivery.emplace(config->database, *config->lead_webhook, lag);

  Json::Value fields(Json::objectValue);
  fields["pid"] = static_cast<int>(getpid());
  fields["threads"] = chat::kServingThreads;
  fields["database"] = config->database.redacted();
  fields["read_database"] = config->read_database.redacted();
  fields["token_configured"] = token.configured();
  fields["fastcgi_peers"] = config->fastcgi_peers.describe();
  fields["lead_webhook"] = config->lead_webhook ? "configured" : "not set";
  chat::log::info("chat-admin started", fields);
  if (!token.configured()) chat::log::warn("CHAT_ADMIN_TOKEN is not set: every admin request gets 401");

  const int signal = chat::wait_for_stop_signal();
  Json::Value stopping(Json::objectValue);
  stopping["signal"] = signal;
  chat::log::info("chat-admin stopping: requests in flight finish first", stopping);
  server.stop();
  server.join();
  background.reset();
  lead_delivery.reset();
  chat::log::info("chat-admin stopped");
  return 0;
}
