// One MySQL connection (Connector/C++ 1.1) used by one thread at a time, with its prepared statements.
// It never uses the driver's auto-reconnect: after a lost connection it is dropped whole and
// opened again on the next call, so no statement or transaction silently survives a restart.
#pragma once

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>

#include <map>
#include <memory>
#include <string>

#include "mysql/database_url.h"
#include "store_unavailable.h"

namespace sql::mysql {
class MySQL_Driver;
}

namespace chat {

// The driver singleton. Call once from main before any thread starts.
sql::mysql::MySQL_Driver* mysql_driver();

// Registers the calling thread with the client library (and unregisters it on destruction).
class MysqlThreadScope {
 public:
  MysqlThreadScope();
  ~MysqlThreadScope();
  MysqlThreadScope(const MysqlThreadScope&) = delete;
  MysqlThreadScope& operator=(const MysqlThreadScope&) = delete;
};

// True for errors that mean the connection is gone (2002, 2003, 2006, 2013, ...), or that its
// server cannot serve anyone now (a Galera node outside the primary component): the connection
// is dropped and the next one goes to the first server of the URL that answers.
bool is_connection_error(const sql::SQLException& error);

class MysqlConnection {
 public:
  explicit MysqlConnection(DatabaseUrl url);

  // The open connection, connecting first if needed to the first server of the URL that
  // answers. Throws StoreUnavailable when none does.
  sql::Connection& get();
  // A prepared statement for `query`, prepared once per connection.
  sql::PreparedStatement& statement(const std::string& query);
  // Runs a statement that returns no rows ("START TRANSACTION", "COMMIT", ...).
  void execute(const std::string& query);
  // Ends a failed transaction: false (and the connection dropped) when even ROLLBACK failed.
  bool rollback();
  // Makes the next transaction READ COMMITTED: its reads lock the rows they read but no gaps,
  // so a background job's reads never hold up visitors' inserts.
  void read_committed_next() { execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"); }
  // Forgets the connection and its statements; the next get() reconnects.
  void reset();
  // Whether the server of the open connection is a Galera node (false before get()).
  bool on_galera() const { return connection_ && galera_; }

  // Runs `work` (which uses this connection); if the connection turns out to be lost, reconnects
  // and runs it once more when `retry_on_loss`. Connection failures become StoreUnavailable.
  template <typename Work>
  auto run(Work&& work, bool retry_on_loss) -> decltype(work()) {
    for (int attempt = 0;; ++attempt) {
      try {
        return work();
      } catch (const sql::SQLException& error) {
        if (!is_connection_error(error)) throw;
        reset();
        if (!retry_on_loss || attempt > 0) throw StoreUnavailable(error.what());
      }
    }
  }

 private:
  sql::ConnectOptionsMap options_for(const DatabaseHost& host) const;
  void connect();
  bool ready_for_clients();

  DatabaseUrl url_;
  bool galera_ = false;  // of the server connected to
  std::map<std::string, std::unique_ptr<sql::PreparedStatement>> statements_;
  std::unique_ptr<sql::Connection> connection_;  // declared last: destroyed after statements
};

}  // namespace chat
