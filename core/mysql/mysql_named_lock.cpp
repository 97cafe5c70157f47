// A MySQL named lock held for a scope (see the header).
#include "mysql/mysql_named_lock.h"

#include <cppconn/resultset.h>

#include <memory>

namespace chat {

MysqlNamedLock::MysqlNamedLock(MysqlConnection& connection, std::string name, std::chrono::seconds wait)
    : connection_(connection), name_(std::move(name)) {
  auto& lock = connection_.statement("SELECT GET_LOCK(?, ?)");
  lock.setString(1, name_);
  lock.setInt(2, static_cast<int>(wait.count()));
  std::unique_ptr<sql::ResultSet> row(lock.executeQuery());
  held_ = row->next() && !row->isNull(1) && row->getInt(1) == 1;
}

MysqlNamedLock::~MysqlNamedLock() {
  if (!held_) return;
  try {
    auto& unlock = connection_.statement("SELECT RELEASE_LOCK(?)");
    unlock.setString(1, name_);
    std::unique_ptr<sql::ResultSet> row(unlock.executeQuery());
  } catch (...) {
    connection_.reset();
  }
}

}  // namespace chat
