// A transaction on one MysqlConnection for the admin side's writes: committed when the work
// returns, rolled back when a statement fails (a lost connection rolls back on the server).
#pragma once

#include <type_traits>

#include "mysql_connection.h"

namespace chat {

template <typename Work>
auto in_transaction(MysqlConnection& connection, Work&& work) -> decltype(work()) {
  connection.execute("START TRANSACTION");
  try {
    if constexpr (std::is_void_v<decltype(work())>) {
      work();
      connection.execute("COMMIT");
    } else {
      auto result = work();
      connection.execute("COMMIT");
      return result;
    }
  } catch (const sql::SQLException& error) {
    if (!is_connection_error(error)) {
      try {
        connection.execute("ROLLBACK");
      } catch (...) {
        connection.reset();
      }
    }
    throw;
  }
}

}  // namespace chat
