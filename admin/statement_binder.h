// Binds a prepared statement's parameters in order, as the admin queries are written: texts,
// numbers and date ranges (two DATETIME bounds).
#pragma once

#include <cppconn/prepared_statement.h>

#include <cstdint>
#include <string>

#include "admin_params.h"

namespace chat {

// Binds parameters in order.
class Binder {
 public:
  explicit Binder(sql::PreparedStatement& statement) : statement_(statement) {}
  Binder& text(const std::string& value) {
    statement_.setString(++index_, value);
    return *this;
  }
  Binder& number(std::int64_t value) {
    statement_.setInt64(++index_, value);
    return *this;
  }
  Binder& range(const DateRange& range) { return text(range.first_instant()).text(range.last_instant()); }

 private:
  sql::PreparedStatement& statement_;
  int index_ = 0;
};

}  // namespace chat
