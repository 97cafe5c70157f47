// Tests of applying migrations on MariaDB: a migration that fails halfway says what ran and what
// did not, keeps its progress, and the next run resumes where it stopped (its schema changes
// cannot be rolled back, so they must not run twice); one whose statements that ran were edited
// since is refused.
#include "migrations.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_database.h"

namespace chat {
namespace {

// Versions far above the project's, in a directory of their own, cleaned up after each test.
class MigrationFailureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { testing::migrate_test_database(); }
  // ctest runs each test as a process of its own, two at a time: the tables and versions these
  // tests share are theirs one test at a time.
  void SetUp() override {
    connection_.execute("DO GET_LOCK('chat_migration_failure_tests', 120)");
    directory_ = std::filesystem::temp_directory_path() / ("chat-migrations-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory_);
    clean_up();
  }
  void TearDown() override {
    clean_up();
    std::filesystem::remove_all(directory_);
    connection_.execute("DO RELEASE_LOCK('chat_migration_failure_tests')");
  }
  void clean_up() {
    for (const char* table : {"migration_test_a", "migration_test_b", "migration_test_c"}) {
      connection_.execute(std::string("DROP TABLE IF EXISTS ") + table);
    }
    connection_.execute("DELETE FROM schema_migrations WHERE version >= 9000");
    connection_.execute("DELETE FROM schema_migration_progress WHERE version >= 9000");
  }
  void write(const std::string& name, const std::string& script) {
    std::ofstream(directory_ / name) << script;
  }
  bool table_exists(const std::string& name) {
    auto& query = connection_.statement(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?");
    query.setString(1, name);
    std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
    return rows->next() && rows->getInt(1) == 1;
  }
  // The error chat-migrate would print, or "" when it succeeded.
  std::string apply() {
    try {
      apply_migrations(connection_, directory_);
      return "";
    } catch (const std::exception& error) {
      return error.what();
    }
  }

  MysqlThreadScope thread_;
  MysqlConnection connection_{testing::test_database()};
  std::filesystem::path directory_;
};

const char* kHalfBroken =
    "CREATE TABLE migration_test_a (id INT PRIMARY KEY);\n"
    "CREATE TABLE migration_test_b (id INT PRIMARY KEY);\n"
    "-- the third statement names a table that does not exist\n"
    "INSERT INTO migration_test_missing VALUES (1);\n"
    "CREATE TABLE migration_test_c (id INT PRIMARY KEY);\n";

TEST_F(MigrationFailureTest, AFailureHalfwaySaysWhatRanAndTheNextRunResumesThere) {
  write("9001_half_broken.sql", kHalfBroken);
  write("9002_later.sql", "ALTER TABLE migration_test_c ADD COLUMN note TEXT;");
  const std::string error = apply();
  EXPECT_NE(error.find("9001_half_broken.sql stopped at its statement 3 of 4 (line 4): "), std::string::npos) << error;
  EXPECT_NE(error.find("migration_test_missing"), std::string::npos) << error;
  EXPECT_NE(error.find("Its statements 1 to 2 ran and stay"), std::string::npos) << error;
  EXPECT_NE(error.find("it resumes at statement 3"), std::string::npos) << error;
  EXPECT_TRUE(table_exists("migration_test_a"));
  EXPECT_TRUE(table_exists("migration_test_b"));
  EXPECT_FALSE(table_exists("migration_test_c"));

  // The operator fixes the statement; statements 1 and 2 must not run again ("already exists").
  write("9001_half_broken.sql",
        "CREATE TABLE migration_test_a (id INT PRIMARY KEY);\n"
        "CREATE TABLE migration_test_b (id INT PRIMARY KEY);\n"
        "INSERT INTO migration_test_b VALUES (1);\n"
        "CREATE TABLE migration_test_c (id INT PRIMARY KEY);\n");
  EXPECT_EQ(apply(), "");
  EXPECT_TRUE(table_exists("migration_test_c"));
  std::unique_ptr<sql::ResultSet> rows(connection_.statement(
      "SELECT (SELECT COUNT(*) FROM schema_migrations WHERE version IN (9001, 9002)),"
      " (SELECT COUNT(*) FROM schema_migration_progress WHERE version >= 9000),"
      " (SELECT COUNT(*) FROM migration_test_b)").executeQuery());
  ASSERT_TRUE(rows->next());
  EXPECT_EQ(rows->getInt(1), 2);  // both recorded
  EXPECT_EQ(rows->getInt(2), 0);  // no progress left over
  EXPECT_EQ(rows->getInt(3), 1);
}

// A resumed run is a new connection: the SET statements before the resume point run again, so
// the statements after it see the session they were written for.
TEST_F(MigrationFailureTest, AResumedRunSetsUpItsSessionAgain) {
  write("9001_session.sql",
        "SET @chat_migration_test = 7;\n"
        "CREATE TABLE migration_test_a (id INT);\n"
        "INSERT INTO migration_test_missing VALUES (1);\n");
  EXPECT_NE(apply(), "");
  write("9001_session.sql",
        "SET @chat_migration_test = 7;\n"
        "CREATE TABLE migration_test_a (id INT);\n"
        "INSERT INTO migration_test_a VALUES (@chat_migration_test);\n");
  MysqlConnection fresh(testing::test_database());
  apply_migrations(fresh, directory_);
  std::unique_ptr<sql::ResultSet> rows(connection_.statement("SELECT id FROM migration_test_a").executeQuery());
  ASSERT_TRUE(rows->next());
  EXPECT_FALSE(rows->isNull(1));
  EXPECT_EQ(rows->getInt(1), 7);
}

TEST_F(MigrationFailureTest, EditingTheStatementsThatRanIsRefused) {
  write("9001_half_broken.sql", kHalfBroken);
  EXPECT_NE(apply(), "");
  write("9001_half_broken.sql",
        "CREATE TABLE migration_test_a (id BIGINT PRIMARY KEY);\n"  // not what ran
        "CREATE TABLE migration_test_b (id INT PRIMARY KEY);\n"
        "CREATE TABLE migration_test_c (id INT PRIMARY KEY);\n");
  const std::string error = apply();
  EXPECT_NE(error.find("9001_half_broken.sql stopped after its statement 2 in an earlier run, and those first "
                       "statements have changed since"),
            std::string::npos)
      << error;
  EXPECT_FALSE(table_exists("migration_test_c"));
}

TEST_F(MigrationFailureTest, AnUnterminatedStringRunsNothingOfTheFile) {
  write("9001_open_quote.sql", "CREATE TABLE migration_test_a (id INT);\nINSERT INTO migration_test_a VALUES ('x);\n");
  EXPECT_EQ(apply(), "9001_open_quote.sql: a string opened on line 2 never ends; nothing of it ran");
  EXPECT_FALSE(table_exists("migration_test_a"));
}

}  // namespace
}  // namespace chat
