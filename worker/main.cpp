// chat-worker: the visitor API as a multi-threaded FastCGI process behind nginx.
//   chat-worker [--listen /path.sock | HOST:PORT]   (without --listen it serves fd 0)
//   chat-worker --check-config                      (validates the settings and exits)
// The process is a master that keeps CHAT_WORKER_PROCESSES children serving the socket (see
// worker/supervisor.h): SIGTERM stops gracefully, SIGHUP reloads settings and knowledge.
#include <fcgiapp.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "answers/responder.h"
#include "api/api.h"
#include "async/thread_pool.h"
#include "http/fcgi_server.h"
#include "knowledge/knowledge_base.h"
#include "log.h"
#include "metrics/metrics_block.h"
#include "metrics/worker_metrics.h"
#include "process.h"
#include "store/mysql_store.h"
#include "supervisor.h"
#include "worker_config.h"
#include "worker_limits.h"

namespace {

constexpr std::string_view kProgram = "chat-worker";
constexpr std::string_view kUsage =
    "usage: chat-worker [--listen ADDRESS] [--check-config]\n"
    "The visitor API (FastCGI) behind nginx: a master keeping CHAT_WORKER_PROCESSES children.\n"
    "  --listen ADDRESS   serve a Unix socket path or HOST:PORT (default: fd 0, from systemd\n"
    "                     or spawn-fcgi)\n"
    "  --check-config     check the settings (CHAT_* environment) and the knowledge file, and exit\n"
    "  --help             print this and exit\n"
    "Signals: SIGTERM stops after the requests in flight, SIGHUP reloads settings and knowledge.\n"
    "Settings: CHAT_DATABASE_URL, HUGGINGFACE_API_KEY and the others in chat-worker(8) and README.";

chat::ApiLimits limits_from(const chat::Config& config) {
  chat::ApiLimits limits;
  limits.max_message_chars = config.max_message_chars;
  limits.session_asks_per_hour = config.session_asks_per_hour;
  limits.session_starts_per_hour = config.session_starts_per_hour;
  limits.answer_cache = config.model.enabled() && config.cache_ttl_seconds > 0;
  limits.cache_ttl = std::chrono::seconds(config.cache_ttl_seconds);
  return limits;
}

// The model answers when a token is configured (its calls on `loop`, what follows them on
// `database_work`); otherwise the knowledge base does.
std::unique_ptr<chat::Responder> make_responder(const chat::Config& config, const chat::KnowledgeBase& knowledge,
                                                chat::EventLoop& loop, chat::Executor& database_work,
                                                chat::WorkerMetrics& metrics) {
  if (config.model.enabled()) {
    return std::make_unique<chat::ModelResponder>(config.model, knowledge, loop, database_work, &metrics);
  }
  return std::make_unique<chat::KnowledgeResponder>(knowledge);
}

// A serving thread: MySQL's per-thread state, and the process's shared context.
class WorkerThread final : public chat::RequestHandler {
 public:
  explicit WorkerThread(chat::ApiContext& context) : context_(context) {}

  chat::Response handle(const chat::Request& request) override {
    return chat::handle_api_request(request, context_);
  }

 private:
  chat::MysqlThreadScope mysql_thread_;
  chat::ApiContext& context_;
};

struct Arguments {
  std::string listen_address;
  bool check_config = false;
};

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
    } else {
      chat::exit_with_startup_error(
          kProgram, "unknown argument " + arg + " (see chat-worker --help)");
    }
  }
  return arguments;
}

// What the workers serve with: read at start, and again by the master on SIGHUP.
struct Settings {
  chat::Config config;
  chat::KnowledgeBase knowledge;
};

std::optional<Settings> load_settings(std::string* error) {
  auto config = chat::load_config([](const char* name) { return std::getenv(name); }, error);
  if (!config) return std::nullopt;
  auto knowledge = chat::KnowledgeBase::load_file(config->knowledge_file, error);
  if (!knowledge) {
    *error = "CHAT_KNOWLEDGE_FILE: " + *error;
    return std::nullopt;
  }
  return Settings{std::move(*config), std::move(*knowledge)};
}

void log_started(const Settings& settings) {
  const chat::Config& config = settings.config;
  Json::Value fields(Json::objectValue);
  fields["pid"] = static_cast<int>(getpid());
  fields["processes"] = config.worker_processes;
  fields["threads"] = config.worker_threads;
  fields["database_pool"] = static_cast<int>(config.database_pool_size);
  fields["max_asks_in_flight"] = config.max_asks_in_flight;
  fields["fastcgi_peers"] = config.fastcgi_peers.describe();
  fields["database"] = config.database.redacted();
  fields["knowledge_sections"] = static_cast<int>(settings.knowledge.sections().size());
  fields["answers"] = config.model.enabled() ? "model " + config.model.model + " at " + config.model.url
                                             : std::string("knowledge base (HUGGINGFACE_API_KEY is not set)");
  chat::log::info("chat-worker started", fields);
}

// A child process: its threads serve until SIGTERM or its request limit, then finish (asks
// still waiting on the model included). Its event loop runs the model calls; the database work
// of those asks runs on as many threads as the pool has connections. It counts into the shared
// metrics `block`, its gauges in `slot`.
int serve_child(int listen_fd, const Settings& settings, chat::MetricsBlock& block, int slot) {
  chat::mysql_driver();  // not thread-safe: made once here, before the threads
  chat::init_model_client_library();
  FCGX_Init();
  const chat::Config& config = settings.config;
  chat::WorkerMetrics metrics(block, slot);
  const auto pool_size = static_cast<std::size_t>(config.database_pool_size);
  const auto read_size = chat::read_pool_size(pool_size);
  const std::chrono::milliseconds pool_wait(config.database_pool_wait_ms);
  chat::MysqlConnectionPool pool(config.database, pool_size, pool_wait, metrics.pool(chat::PoolKind::asks, pool_size));
  chat::MysqlConnectionPool reads(config.database, read_size, pool_wait, metrics.pool(chat::PoolKind::reads, read_size));
  chat::MysqlConnectionPool health(config.database, 1, pool_wait, metrics.pool(chat::PoolKind::health, 1));
  chat::TranscriptCache transcripts(chat::kTranscriptCacheBytes, chat::kTranscriptCacheMaxAge);
  chat::SessionVersionBatch versions;
  chat::AskAdmission admission(config.max_asks_in_flight);
  chat::EventLoop loop;
  chat::ThreadPool database_work(static_cast<int>(pool_size),
                                 [] { return std::make_shared<chat::MysqlThreadScope>(); });
  chat::MysqlStore store(pool, reads, health);
  const auto responder = make_responder(config, settings.knowledge, loop, database_work, metrics);
  chat::ApiContext context{store,         *responder,     limits_from(config),
                           &transcripts,  &versions,      config.model.enabled() ? &admission : nullptr,
                           &database_work, &metrics};
  loop.start();
  {
    chat::FcgiServer server(listen_fd, [&] { return std::make_unique<WorkerThread>(context); },
                            chat::FcgiServerOptions{.threads = config.worker_threads,
                                                    .max_requests = config.worker_max_requests,
                                                    .loop = &loop,
                                                    .peers = config.fastcgi_peers,
                                                    .observer = &metrics});
    server.start();
    chat::wait_for_stop([&] { return server.stopping(); });
    server.stop();
    server.join();
    server.wait_until_drained();
  }
  database_work.stop();
  loop.stop();
  loop.join();  // before the responder's transfers go
  return 0;
}

// The master's count of a child that ended: its slot freed, and a restart unless a reload or a
// stop retired it.
void count_child_end(chat::MetricsBlock& block, int slot, chat::ChildEnd how) {
  std::optional<chat::ChildRestart> restart;
  if (how == chat::ChildEnd::died) restart = chat::ChildRestart::died;
  if (how == chat::ChildEnd::recycled) restart = chat::ChildRestart::recycled;
  chat::child_ended(block, slot, restart);
}

// Reloads the settings for the next generation of children; bad ones keep the current.
bool reload(std::optional<Settings>& settings) {
  std::string error;
  auto fresh = load_settings(&error);
  if (!fresh) {
    Json::Value fields(Json::objectValue);
    fields["reason"] = error;
    chat::log::error("reload refused, the current settings stay", fields);
    return false;
  }
  settings = std::move(fresh);
  chat::log::info("reloaded the settings and the knowledge file");
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // glibc consolidates its fast bins before every allocation of 1 KiB or more, which a request
  // (JSON of a transcript, result rows) makes many of: measured as a fifth of the worker's CPU.
  // Small blocks still come from the per-thread caches.
  mallopt(M_MXFAST, 0);
  chat::block_stop_signals();
  const Arguments arguments = parse_arguments(argc, argv);
  std::string error;
  std::optional<Settings> settings = load_settings(&error);
  if (!settings) chat::exit_with_startup_error(kProgram, error);
  if (arguments.check_config) return 0;

  const int listen_fd = chat::listening_socket_or_exit(kProgram, arguments.listen_address);
  chat::MetricsBlock* metrics = nullptr;  // mapped before any child, so that they all share it
  try {
    metrics = &chat::map_shared_metrics_block();
  } catch (const std::exception& failure) {
    chat::exit_with_startup_error(kProgram, failure.what());
  }
  log_started(*settings);
  const chat::SupervisorOptions options{settings->config.worker_processes,
                                        std::chrono::seconds(settings->config.stop_timeout_seconds),
                                        chat::kMetricsChildSlots};
  return chat::supervise(
      options, [&](int slot) { return serve_child(listen_fd, *settings, *metrics, slot); },
      [&] { return reload(settings); }, [&](int slot, chat::ChildEnd how) { count_child_end(*metrics, slot, how); });
}
