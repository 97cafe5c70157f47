// Schema migrations: numbered SQL files (sql/NNN_name.sql) applied in order, each recorded in
// the schema_migrations table so every upgrade applies just what is pending.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
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

// Splits a migration script into statements at each ";" outside quotes and "-- " comments.
std::vector<std::string> split_sql_statements(std::string_view script);

// Applies the pending migrations under a named lock; returns the names applied.
std::vector<std::string> apply_migrations(MysqlConnection& connection,
                                          const std::filesystem::path& directory);

}  // namespace chat
