// Tests of migration discovery and SQL script splitting (applying them is tested on MariaDB).
#include "migrations.h"

#include <gtest/gtest.h>

#include <fstream>

TEST(MigrationsTest, SplitsStatementsOutsideQuotesAndComments) {
  const auto statements = chat::split_sql_statements(
      "-- a comment; with a semicolon\nCREATE TABLE a (x INT);\n"
      "INSERT INTO a VALUES (';'), (\"x;y\");\n  \n");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_NE(statements[0].find("CREATE TABLE a"), std::string::npos);
  EXPECT_EQ(statements[0].find("comment"), std::string::npos);
  EXPECT_NE(statements[1].find("(';'), (\"x;y\")"), std::string::npos);
}

TEST(MigrationsTest, ProjectMigrationsAreNumberedAndOrdered) {
  const auto migrations = chat::list_migrations(std::string(CHAT_SOURCE_DIR) + "/sql");
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations.front().version, 1);
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_LT(migrations[i - 1].version, migrations[i].version);
  }
}

TEST(MigrationsTest, RejectsBadFileNamesAndDuplicateVersions) {
  const auto directory = std::filesystem::temp_directory_path() / ("migrations_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(directory);
  std::ofstream(directory / "001_a.sql") << "SELECT 1;";
  std::ofstream(directory / "001_b.sql") << "SELECT 1;";
  EXPECT_THROW(chat::list_migrations(directory), std::runtime_error);
  std::filesystem::remove(directory / "001_b.sql");
  std::ofstream(directory / "bad.sql") << "SELECT 1;";
  EXPECT_THROW(chat::list_migrations(directory), std::runtime_error);
  std::filesystem::remove_all(directory);
}
