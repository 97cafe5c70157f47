// chat-worker: the visitor API as a multi-threaded FastCGI process behind nginx.
//   chat-worker [--listen /path.sock | HOST:PORT]   (without --listen it serves fd 0)
//   chat-worker --check-config                      (validates the settings and exits)
#include <fcgiapp.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "api.h"
#include "config.h"
#include "fcgi_server.h"
#include "knowledge_base.h"
#include "log.h"
#include "mysql_store.h"
#include "process.h"
#include "responder.h"

namespace {

constexpr std::string_view kProgram = "chat-worker";

chat::ApiLimits limits_from(const chat::Config& config) {
  chat::ApiLimits limits;
  limits.max_message_chars = config.max_message_chars;
  limits.session_asks_per_hour = config.session_asks_per_hour;
  limits.answer_cache = config.model.enabled() && config.cache_ttl_seconds > 0;
  limits.cache_ttl = std::chrono::seconds(config.cache_ttl_seconds);
  return limits;
}

// The model answers when a token is configured; otherwise the knowledge base does.
std::unique_ptr<chat::Responder> make_responder(const chat::Config& config, const chat::KnowledgeBase& knowledge) {
  if (config.model.enabled()) return std::make_unique<chat::ModelResponder>(config.model, knowledge);
  return std::make_unique<chat::KnowledgeResponder>(knowledge);
}

// Everything one serving thread owns: its MySQL connection and its responder (with its
// connection to the model service).
class WorkerThread final : public chat::RequestHandler {
 public:
  WorkerThread(const chat::Config& config, const chat::KnowledgeBase& knowledge)
      : store_(config.database),
        responder_(make_responder(config, knowledge)),
        context_{store_, *responder_, limits_from(config)} {}

  chat::Response handle(const chat::Request& request) override {
    return chat::handle_api_request(request, context_);
  }

 private:
  chat::MysqlThreadScope mysql_thread_;
  chat::MysqlStore store_;
  std::unique_ptr<chat::Responder> responder_;
  chat::ApiContext context_;
};

struct Arguments {
  std::string listen_address;
  bool check_config = false;
};

Arguments parse_arguments(int argc, char** argv) {
  Arguments arguments;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--listen" && i + 1 < argc) {
      arguments.listen_address = argv[++i];
    } else if (arg == "--check-config") {
      arguments.check_config = true;
    } else {
      chat::exit_with_startup_error(
          kProgram, "unknown argument " + arg + " (usage: chat-worker [--listen ADDRESS] [--check-config])");
    }
  }
  return arguments;
}

}  // namespace

int main(int argc, char** argv) {
  chat::block_stop_signals();
  const Arguments arguments = parse_arguments(argc, argv);
  std::string error;
  const auto config = chat::load_config([](const char* name) { return std::getenv(name); }, &error);
  if (!config) chat::exit_with_startup_error(kProgram, error);
  const auto knowledge = chat::KnowledgeBase::load_file(config->knowledge_file, &error);
  if (!knowledge) chat::exit_with_startup_error(kProgram, "CHAT_KNOWLEDGE_FILE: " + error);
  if (arguments.check_config) return 0;

  const int listen_fd = chat::listening_socket_or_exit(kProgram, arguments.listen_address);
  chat::mysql_driver();  // not thread-safe: made once here, before the threads
  chat::init_model_client_library();
  FCGX_Init();
  chat::FcgiServer server(listen_fd, config->worker_threads, [&] {
    return std::make_unique<WorkerThread>(*config, *knowledge);
  });
  server.start();

  Json::Value fields(Json::objectValue);
  fields["pid"] = static_cast<int>(getpid());
  fields["threads"] = config->worker_threads;
  fields["database"] = config->database.redacted();
  fields["knowledge_sections"] = static_cast<int>(knowledge->sections().size());
  fields["answers"] = config->model.enabled() ? "model " + config->model.model + " at " + config->model.url
                                              : std::string("knowledge base (HUGGINGFACE_API_KEY is not set)");
  chat::log::info("chat-worker started", fields);

  const int signal = chat::wait_for_stop_signal();
  Json::Value stopping(Json::objectValue);
  stopping["signal"] = signal;
  chat::log::info("chat-worker stopping: requests in flight finish first", stopping);
  server.stop();
  server.join();
  chat::log::info("chat-worker stopped");
  return 0;
}
