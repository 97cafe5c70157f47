// Schema migrations: numbered SQL files (sql/NNN_name.sql) applied in order, each recorded in
// the schema_migrations table so every upgrade applies just what is pending.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "mysql/mysql_connection.h"

namespace chat {

struct Migration {
  int version = 0;
  std::string name;  // file name
  std::filesystem::path path;
};

// The migrations in `directory`, sorted by version. Throws std::runtime_error on a file name
// that is not NNN_name.sql or on two files with the same version.
std::vector<Migration> list_migrations(const std::filesystem::path& directory);

// Applies the pending migrations under a named lock, statement by statement; returns the names
// applied. A statement that fails stops everything with a message saying what ran, what did not
// and how to resume; the next run resumes after the last statement that ran (progress is kept
// in schema_migration_progress), provided the statements that ran are unchanged.
std::vector<std::string> apply_migrations(MysqlConnection& connection,
                                          const std::filesystem::path& directory);

}  // namespace chat
