// Tests of migration discovery and SQL script splitting (applying them is tested on MariaDB).
#include "migrations.h"
#include "sql_script.h"

#include <gtest/gtest.h>

#include <fstream>
#include <utility>
#include <vector>

#include "bad_input.h"

TEST(MigrationsTest, SplitsStatementsOutsideQuotesAndComments) {
  const auto statements = chat::split_sql_script(
      "-- a comment; with a semicolon\nCREATE TABLE a (x INT);\n"
      "INSERT INTO a VALUES (';'), (\"x;y\");\n  \n");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_NE(statements[0].text.find("CREATE TABLE a"), std::string::npos);
  EXPECT_EQ(statements[0].text.find("comment"), std::string::npos);
  EXPECT_NE(statements[1].text.find("(';'), (\"x;y\")"), std::string::npos);
}

TEST(MigrationsTest, KnowsEveryCommentAndEscapeOfMysql) {
  const auto statements = chat::split_sql_script(
      "# hash comment; here\n"
      "/* block; comment\n over lines */ INSERT INTO t VALUES ('it\\'s; fine', 'it''s; fine');\n"
      "INSERT INTO `we``ird;` VALUES (\"a\\\";b\");\n"
      "/*!40101 SET @x = 1 */;\n"
      "SELECT 1--1;\n"
      "SELECT 2 -- trailing; comment\n;");
  ASSERT_EQ(statements.size(), 5u);
  EXPECT_EQ(statements[0].text, "\n  INSERT INTO t VALUES ('it\\'s; fine', 'it''s; fine')");
  EXPECT_EQ(statements[0].line, 3);  // where its first word is, after the comments
  EXPECT_EQ(statements[1].text, "\nINSERT INTO `we``ird;` VALUES (\"a\\\";b\")");
  EXPECT_EQ(statements[1].line, 4);
  EXPECT_EQ(statements[2].text, "\n/*!40101 SET @x = 1 */");  // executable comments are kept
  EXPECT_EQ(statements[3].text, "\nSELECT 1--1");             // "--" without a space is minus minus
  EXPECT_EQ(statements[4].text, "\nSELECT 2 \n");
  EXPECT_EQ(statements[4].line, 7);
}

TEST(MigrationsTest, AnUnterminatedStringOrCommentNamesItsLine) {
  for (const auto& [script, what] : std::vector<std::pair<std::string, std::string>>{
           {"SELECT 1;\nSELECT 'open;\n", "a string opened on line 2 never ends"},
           {"SELECT 'it\\';", "a string opened on line 1 never ends"},
           {"\n\nSELECT `x;", "an identifier opened on line 3 never ends"},
           {"SELECT 1; /* open", "a comment opened on line 1 never ends"}}) {
    try {
      chat::split_sql_script(script);
      ADD_FAILURE() << script;
    } catch (const chat::BadInput& error) {
      EXPECT_EQ(error.what(), what);
    }
  }
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
