// One MySQL connection used by one thread at a time, with its prepared statements (see the header).
#include "mysql/mysql_connection.h"

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <memory>

#include "core_limits.h"
#include "log.h"

namespace chat {
namespace {

// Client error numbers (errmsg.h) meaning the server cannot be talked to.
constexpr int kConnectionErrors[] = {
    2002,  // CR_CONNECTION_ERROR: socket refused
    2003,  // CR_CONN_HOST_ERROR
    2005,  // CR_UNKNOWN_HOST
    2006,  // CR_SERVER_GONE_ERROR
    2013,  // CR_SERVER_LOST
    2026,  // CR_SSL_CONNECTION_ERROR
    2055,  // CR_SERVER_LOST_EXTENDED
    1053,  // ER_SERVER_SHUTDOWN
    1927,  // ER_CONNECTION_KILLED (MariaDB)
    4031,  // ER_CLIENT_INTERACTION_TIMEOUT
    1047,  // ER_UNKNOWN_COM_ERROR: a Galera node outside the primary component refuses all work
};

// wsrep_local_state of a Galera node that is in step with the cluster.
const std::string kGaleraSynced = "4";

// "host:port" for messages.
std::string name_of(const DatabaseHost& host) { return host.name + ":" + std::to_string(host.port); }

}  // namespace

sql::mysql::MySQL_Driver* mysql_driver() {
  static sql::mysql::MySQL_Driver* const driver = sql::mysql::get_mysql_driver_instance();
  return driver;
}

MysqlThreadScope::MysqlThreadScope() { mysql_driver()->threadInit(); }
MysqlThreadScope::~MysqlThreadScope() { mysql_driver()->threadEnd(); }

bool is_connection_error(const sql::SQLException& error) {
  for (const int code : kConnectionErrors) {
    if (error.getErrorCode() == code) return true;
  }
  return false;
}

MysqlConnection::MysqlConnection(DatabaseUrl url) : url_(std::move(url)) {}

// The driver's options for one server of the URL.
sql::ConnectOptionsMap MysqlConnection::options_for(const DatabaseHost& host) const {
  sql::ConnectOptionsMap options;
  if (url_.socket.empty()) {
    options["hostName"] = sql::SQLString(host.name);
    options["port"] = host.port;
  } else {
    options["socket"] = sql::SQLString(url_.socket);
  }
  options["userName"] = sql::SQLString(url_.user);
  options["password"] = sql::SQLString(url_.password);
  options["schema"] = sql::SQLString(url_.database);
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  options["OPT_CONNECT_TIMEOUT"] = kMysqlConnectTimeoutSeconds;
  options["OPT_READ_TIMEOUT"] = kMysqlReadTimeoutSeconds;
  options["OPT_WRITE_TIMEOUT"] = kMysqlWriteTimeoutSeconds;
  options["OPT_RECONNECT"] = false;
  // Rows affected are rows changed: the admission upserts tell a full window (nothing changed) by it.
  options["CLIENT_FOUND_ROWS"] = false;
  if (url_.uses_tls()) {
    // The CA enables TLS; the client refuses a server without it, and checks the server's
    // certificate and host name.
    options["sslCA"] = sql::SQLString(url_.ssl_ca);
    options["sslVerify"] = true;
    options["sslEnforce"] = true;
    if (!url_.ssl_cert.empty()) {
      options["sslCert"] = sql::SQLString(url_.ssl_cert);
      options["sslKey"] = sql::SQLString(url_.ssl_key);
    }
  }
  return options;
}

// Connects to the first server of the list that answers and is ready for clients. A Galera node
// outside the cluster's primary component (or still joining) accepts connections but refuses
// every query, so one that reports wsrep_ready OFF is passed over.
void MysqlConnection::connect() {
  std::string failures;
  for (const DatabaseHost& host : url_.hosts) {
    try {
      auto options = options_for(host);
      connection_.reset(mysql_driver()->connect(options));
      execute("SET time_zone = '+00:00', NAMES utf8mb4 COLLATE utf8mb4_unicode_ci");
      if (ready_for_clients()) return;
      failures.append(failures.empty() ? "" : "; ").append(name_of(host)).append(": not ready (wsrep_ready OFF)");
    } catch (const sql::SQLException& error) {
      failures.append(failures.empty() ? "" : "; ").append(name_of(host)).append(": ").append(error.what());
    }
    connection_.reset();
  }
  throw StoreUnavailable("cannot connect to " + url_.redacted() + ": " + failures);
}

// True on a server that is not a Galera node (MariaDB built with Galera support reports
// wsrep_ready OFF when wsrep is off, so both are read). On a Galera node: false when it may not
// serve clients now (not ready, or not Synced: joining, a donor or desynced, as clustercheck
// judges); else its reads are made causal (wsrep_sync_wait = 1: a read first waits
// until this node has applied every write the cluster committed before it), so a turn stored
// through another node is always seen.
bool MysqlConnection::ready_for_clients() {
  const auto value_of = [&](const char* show) -> std::string {
    std::unique_ptr<sql::Statement> statement(connection_->createStatement());
    std::unique_ptr<sql::ResultSet> row(statement->executeQuery(show));
    return row->next() ? std::string(row->getString(2)) : "";
  };
  galera_ = value_of("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'") == "ON";
  if (!galera_) return true;
  if (value_of("SHOW GLOBAL STATUS LIKE 'wsrep_ready'") != "ON") return false;
  if (value_of("SHOW GLOBAL STATUS LIKE 'wsrep_local_state'") != kGaleraSynced) return false;
  execute("SET SESSION wsrep_sync_wait = 1");
  return true;
}

sql::Connection& MysqlConnection::get() {
  if (!connection_) connect();
  return *connection_;
}

sql::PreparedStatement& MysqlConnection::statement(const std::string& query) {
  auto& slot = statements_[query];
  if (!slot) slot.reset(get().prepareStatement(query));
  return *slot;
}

void MysqlConnection::execute(const std::string& query) {
  std::unique_ptr<sql::Statement> statement(get().createStatement());
  statement->execute(query);
}

bool MysqlConnection::rollback() {
  try {
    execute("ROLLBACK");
    return true;
  } catch (...) {
    reset();
    return false;
  }
}

void MysqlConnection::reset() {
  statements_.clear();
  connection_.reset();
}

}  // namespace chat
