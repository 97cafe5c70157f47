// Schema migrations: numbered SQL files applied in order and recorded (see the header).
#include "migrations.h"

#include <cppconn/resultset.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

#include "mysql/mysql_named_lock.h"

namespace chat {
namespace {

const std::string kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT NOT NULL PRIMARY KEY,"
    " name VARCHAR(255) NOT NULL,"
    " applied_at DATETIME(3) NOT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
const std::string kAppliedVersions = "SELECT version FROM schema_migrations";
const std::string kRecordMigration =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, UTC_TIMESTAMP(3))";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool is_blank_statement(const std::string& statement) {
  return std::all_of(statement.begin(), statement.end(),
                     [](unsigned char c) { return std::isspace(c) != 0; });
}

std::set<int> applied_versions(MysqlConnection& connection) {
  std::set<int> versions;
  std::unique_ptr<sql::ResultSet> rows(connection.statement(kAppliedVersions).executeQuery());
  while (rows->next()) versions.insert(rows->getInt(1));
  return versions;
}

void apply_one(MysqlConnection& connection, const Migration& migration) {
  for (const auto& statement : split_sql_statements(read_file(migration.path))) {
    connection.execute(statement);
  }
  auto& record = connection.statement(kRecordMigration);
  record.setInt(1, migration.version);
  record.setString(2, migration.name);
  record.executeUpdate();
}

}  // namespace

std::vector<Migration> list_migrations(const std::filesystem::path& directory) {
  std::vector<Migration> migrations;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".sql") continue;
    const std::size_t underscore = name.find('_');
    if (underscore == 0 || underscore == std::string::npos ||
        !std::all_of(name.begin(), name.begin() + static_cast<long>(underscore), ::isdigit)) {
      throw std::runtime_error("migration file name must be NNN_name.sql: " + name);
    }
    migrations.push_back({std::stoi(name.substr(0, underscore)), name, entry.path()});
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version == migrations[i - 1].version) {
      throw std::runtime_error("two migrations with version " + std::to_string(migrations[i].version));
    }
  }
  return migrations;
}

std::vector<std::string> split_sql_statements(std::string_view script) {
  std::vector<std::string> statements;
  std::string current;
  char quote = 0;
  for (std::size_t i = 0; i < script.size(); ++i) {
    const char c = script[i];
    if (quote == 0 && c == '-' && script.substr(i, 3) == "-- ") {
      const std::size_t end = script.find('\n', i);
      i = end == std::string_view::npos ? script.size() : end;
      current.push_back('\n');
      continue;
    }
    if (quote == 0 && (c == '\'' || c == '"' || c == '`')) {
      quote = c;
    } else if (quote != 0 && c == quote) {
      quote = 0;
    }
    if (quote == 0 && c == ';') {
      if (!is_blank_statement(current)) statements.push_back(current);
      current.clear();
      continue;
    }
    current.push_back(c);
  }
  if (!is_blank_statement(current)) statements.push_back(current);
  return statements;
}

std::vector<std::string> apply_migrations(MysqlConnection& connection,
                                          const std::filesystem::path& directory) {
  const auto migrations = list_migrations(directory);
  const MysqlNamedLock lock(connection, "chat_schema_migrations", std::chrono::seconds(60));
  if (!lock.held()) throw std::runtime_error("another migration holds the lock");
  connection.execute(kCreateMigrationsTable);
  const std::set<int> done = applied_versions(connection);
  std::vector<std::string> applied;
  for (const auto& migration : migrations) {
    if (done.count(migration.version)) continue;
    apply_one(connection, migration);
    applied.push_back(migration.name);
  }
  return applied;
}

}  // namespace chat
