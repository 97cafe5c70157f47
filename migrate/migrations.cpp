// Schema migrations: numbered SQL files applied in order and recorded (see the header).
#include "migrations.h"

#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

#include "bad_input.h"
#include "mysql/mysql_named_lock.h"
#include "sql_script.h"

namespace chat {
namespace {

// A second chat-migrate waits this long for the first; on Galera a migration holds its lease row
// at most this long (a run that died keeps the next one out until then).
constexpr std::chrono::seconds kMigrationLockWait{60};
constexpr std::chrono::seconds kMigrationLockLease{30 * 60};

const std::string kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT NOT NULL PRIMARY KEY,"
    " name VARCHAR(255) NOT NULL,"
    " applied_at DATETIME(3) NOT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
// How far a migration that has not finished got: MySQL commits each DDL statement at once, so a
// migration that stops halfway is resumed after its last statement that ran, never rerun.
const std::string kCreateProgressTable =
    "CREATE TABLE IF NOT EXISTS schema_migration_progress ("
    " version INT NOT NULL PRIMARY KEY,"
    " name VARCHAR(255) NOT NULL,"
    " statements_done INT NOT NULL,"
    " done_digest CHAR(64) NOT NULL,"  // SHA-256 of the statements that ran
    " updated_at DATETIME(3) NOT NULL,"
    " last_error TEXT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
const std::string kAppliedVersions = "SELECT version FROM schema_migrations";
const std::string kRecordMigration =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, UTC_TIMESTAMP(3))";
const std::string kProgressOf = "SELECT statements_done, done_digest FROM schema_migration_progress WHERE version = ?";
const std::string kRecordProgress =
    "INSERT INTO schema_migration_progress (version, name, statements_done, done_digest, updated_at, last_error)"
    " VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3), NULL)"
    " ON DUPLICATE KEY UPDATE statements_done = VALUES(statements_done), done_digest = VALUES(done_digest),"
    " updated_at = VALUES(updated_at), last_error = NULL";
const std::string kRecordFailure =
    "UPDATE schema_migration_progress SET last_error = ?, updated_at = UTC_TIMESTAMP(3) WHERE version = ?";
const std::string kForgetProgress = "DELETE FROM schema_migration_progress WHERE version = ?";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::set<int> applied_versions(MysqlConnection& connection) {
  std::set<int> versions;
  std::unique_ptr<sql::ResultSet> rows(connection.statement(kAppliedVersions).executeQuery());
  while (rows->next()) versions.insert(rows->getInt(1));
  return versions;
}

// SHA-256, in hex, of the first `count` statements: what a resumed migration must still start with.
std::string digest_of(const std::vector<SqlStatement>& statements, std::size_t count) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_DigestInit_ex(context, EVP_sha256(), nullptr);
  for (std::size_t i = 0; i < count; ++i) {
    EVP_DigestUpdate(context, statements[i].text.data(), statements[i].text.size());
    EVP_DigestUpdate(context, "\0", 1);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(context, digest, &size);
  EVP_MD_CTX_free(context);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex.append({kHex[digest[i] >> 4], kHex[digest[i] & 15]});
  return hex;
}

// Where a migration starts: after the statements an earlier, stopped run applied, provided the
// file still begins with them.
std::size_t resume_point(MysqlConnection& connection, const Migration& migration,
                         const std::vector<SqlStatement>& statements) {
  auto& query = connection.statement(kProgressOf);
  query.setInt(1, migration.version);
  std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
  if (!rows->next()) return 0;
  const auto done = static_cast<std::size_t>(rows->getInt(1));
  if (done > statements.size() || digest_of(statements, done) != std::string(rows->getString(2))) {
    throw std::runtime_error(migration.name + " stopped after its statement " + std::to_string(done) +
                             " in an earlier run, and those first statements have changed since. They ran as "
                             "they were then: restore them, or finish the migration by hand, then delete its "
                             "row from schema_migration_progress and insert one into schema_migrations");
  }
  return done;
}

void record_progress(MysqlConnection& connection, const Migration& migration,
                     const std::vector<SqlStatement>& statements, std::size_t done) {
  auto& record = connection.statement(kRecordProgress);
  record.setInt(1, migration.version);
  record.setString(2, migration.name);
  record.setInt(3, static_cast<int>(done));
  record.setString(4, digest_of(statements, done));
  record.executeUpdate();
}

// What a stopped migration's operator needs: what ran, what did not, how to go on.
// The statement's first word, in capitals ("INSERT", "SET", ...).
std::string first_word(const std::string& text) {
  std::size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  std::string word;
  for (std::size_t i = start; i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])); ++i) {
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(text[i]))));
  }
  return word;
}

// A GRANT fails where the programs' roles were never created, or where chat-migrate connects as
// a user without the grant option: the way out is the same.
constexpr std::string_view kGrantHint =
    " The migrations grant the programs' roles (chat_worker_role, chat_admin_role) what they need: "
    "create the roles and users first, as the database's root (scripts/lib/database_users.sh, README: Least "
    "privilege), and run chat-migrate as chat_migrate, which holds the grant option.";

std::string stopped_message(const Migration& migration, const std::vector<SqlStatement>& statements,
                            std::size_t failed, const std::string& error) {
  const std::string number = std::to_string(failed + 1);
  std::string message = migration.name + " stopped at its statement " + number + " of " +
                        std::to_string(statements.size()) + " (line " + std::to_string(statements[failed].line) +
                        "): " + error + ". ";
  message += failed == 0 ? "None of its statements ran"
                         : "Its statements 1 to " + std::to_string(failed) +
                               " ran and stay (MySQL commits schema changes at once)";
  message += "; statement " + number + " onwards and the later migrations did not run. Fix the cause (the "
             "statement itself, if it is wrong) and run chat-migrate again: it resumes at statement " + number + ".";
  if (first_word(statements[failed].text) == "GRANT") message += kGrantHint;
  return message;
}

void finish(MysqlConnection& connection, const Migration& migration) {
  connection.execute("START TRANSACTION");
  auto& record = connection.statement(kRecordMigration);
  record.setInt(1, migration.version);
  record.setString(2, migration.name);
  record.executeUpdate();
  auto& forget = connection.statement(kForgetProgress);
  forget.setInt(1, migration.version);
  forget.executeUpdate();
  connection.execute("COMMIT");
}

// A statement that sets up the session for the ones after it (SET, USE): a resumed run, on a
// new connection, runs these again before it goes on.
bool sets_up_session(const SqlStatement& statement) {
  const std::string word = first_word(statement.text);
  return word == "SET" || word == "USE";
}

// A statement that changes rows, which a transaction can hold together with its progress (a
// schema change commits at once whatever is around it).
bool changes_rows(const SqlStatement& statement) {
  const std::string word = first_word(statement.text);
  return word == "INSERT" || word == "UPDATE" || word == "DELETE" || word == "REPLACE";
}

void run_statement(MysqlConnection& connection, const Migration& migration,
                   const std::vector<SqlStatement>& statements, std::size_t i) {
  const bool atomic = changes_rows(statements[i]);
  if (atomic) connection.execute("START TRANSACTION");
  try {
    connection.execute(statements[i].text);
  } catch (const sql::SQLException& error) {
    if (atomic) connection.rollback();
    const std::string message = stopped_message(migration, statements, i, error.what());
    try {
      auto& failure = connection.statement(kRecordFailure);
      failure.setString(1, error.what());
      failure.setInt(2, migration.version);
      failure.executeUpdate();
    } catch (const sql::SQLException&) {  // the connection is gone: the message still says it all
    }
    throw std::runtime_error(message);
  }
  try {
    record_progress(connection, migration, statements, i + 1);
    if (atomic) connection.execute("COMMIT");
  } catch (const sql::SQLException& error) {
    if (atomic) connection.rollback();
    throw std::runtime_error(migration.name + ": its statement " + std::to_string(i + 1) + " (line " +
                             std::to_string(statements[i].line) + ") " + (atomic ? "was not committed" : "ran") +
                             " but its progress could not be recorded (" + error.what() + "). " +
                             (atomic ? "Run chat-migrate again." :
                                       "The next run would run it again: check it, then run chat-migrate again."));
  }
}

void apply_one(MysqlConnection& connection, const Migration& migration) {
  std::vector<SqlStatement> statements;
  try {
    statements = split_sql_script(read_file(migration.path));
  } catch (const BadInput& error) {
    throw std::runtime_error(migration.name + ": " + error.what() + "; nothing of it ran");
  }
  const std::size_t start = resume_point(connection, migration, statements);
  for (std::size_t i = 0; i < start; ++i) {
    if (sets_up_session(statements[i])) connection.execute(statements[i].text);
  }
  for (std::size_t i = start; i < statements.size(); ++i) run_statement(connection, migration, statements, i);
  finish(connection, migration);
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

std::vector<std::string> apply_migrations(MysqlConnection& connection,
                                          const std::filesystem::path& directory) {
  const auto migrations = list_migrations(directory);
  create_named_lock_table(connection);  // where GET_LOCK is refused (Galera), the lock is a row
  const MysqlNamedLock lock(connection, "chat_schema_migrations", kMigrationLockWait, kMigrationLockLease);
  if (!lock.held()) throw std::runtime_error("another migration holds the lock");
  connection.execute(kCreateMigrationsTable);
  connection.execute(kCreateProgressTable);
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
