// chat-migrate: applies the pending schema migrations (sql/NNN_name.sql) to CHAT_DATABASE_URL.
//   chat-migrate [--dir SQL_DIRECTORY]   (default: CMake's CHAT_SQL_DIR, the source tree's sql/)
#include <cstdlib>
#include <iostream>
#include <string>

#include "migrations.h"
#include "process.h"
#include "settings.h"

namespace {

constexpr std::string_view kProgram = "chat-migrate";
constexpr std::string_view kUsage =
    "usage: chat-migrate [--dir SQL_DIRECTORY]\n"
    "Applies the pending schema migrations (NNN_name.sql) to CHAT_DATABASE_URL, in order.\n"
    "  --dir SQL_DIRECTORY   the migrations (default: " CHAT_SQL_DIR ")\n"
    "  --help                print this and exit";

std::string directory_from(int argc, char** argv) {
  std::string directory = CHAT_SQL_DIR;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help") {
      chat::exit_with_usage(kUsage);
    } else if (arg == "--dir" && i + 1 < argc) {
      directory = argv[++i];
    } else {
      chat::exit_with_startup_error(kProgram, "unknown argument " + arg + " (see chat-migrate --help)");
    }
  }
  return directory;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string directory = directory_from(argc, argv);
  std::string error;
  chat::DatabaseUrl database;  // chat-migrate needs nothing else: the worker's settings are not read
  if (!chat::read_database_url([](const char* name) { return std::getenv(name); }, "CHAT_DATABASE_URL",
                               /*required=*/true, database, &error)) {
    chat::exit_with_startup_error(kProgram, error);
  }
  try {
    chat::MysqlThreadScope thread;
    chat::MysqlConnection connection(database);
    const auto applied = chat::apply_migrations(connection, directory);
    for (const auto& name : applied) std::cout << "applied " << name << "\n";
    std::cout << "schema up to date (" << applied.size() << " applied)" << std::endl;
  } catch (const std::exception& failure) {
    chat::exit_with_startup_error(kProgram, failure.what());
  }
  return 0;
}
