// The database the MySQL tests use: CHAT_TEST_DATABASE_URL, which scripts/test provides, with
// its schema migrated.
#pragma once

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "mysql/database_url.h"
#include "migrations.h"
#include "mysql/mysql_connection.h"

namespace chat::testing {

inline DatabaseUrl test_database() {
  const char* url = std::getenv("CHAT_TEST_DATABASE_URL");
  if (!url) throw std::runtime_error("CHAT_TEST_DATABASE_URL is not set (scripts/test sets it)");
  const auto parsed = parse_database_url(url, nullptr);
  if (!parsed) throw std::runtime_error("CHAT_TEST_DATABASE_URL is malformed");
  return *parsed;
}

// Makes the driver and brings the test database's schema up to date: every suite's
// SetUpTestSuite.
inline void migrate_test_database() {
  mysql_driver();
  MysqlConnection connection(test_database());
  apply_migrations(connection, std::string(CHAT_SOURCE_DIR) + "/sql");
}

}  // namespace chat::testing
