// Splitting a migration file into the statements sent one by one: at each ";" outside strings,
// quoted identifiers and comments, as the mysql client does. Strings know backslash escapes and
// doubled quotes; comments are "-- " and "#" to the end of the line and "/* */" (dropped), while
// "/*! */" and "/*M! */" (executable comments) stay in the statement.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chat {

struct SqlStatement {
  std::string text;
  int line = 1;  // where it starts in the file, for messages
};

// Throws BadInput on an unterminated string, identifier or comment, naming its line.
std::vector<SqlStatement> split_sql_script(std::string_view script);

}  // namespace chat
