// CSV (RFC 4180) for the admin export: fields quoted when they hold a comma, a quote, CR or LF,
// quotes doubled, records ended by CRLF. Text passes through as UTF-8 bytes, but a field that
// starts with =, +, -, @, tab or CR is prefixed with ' so that a spreadsheet shows it instead of
// running it as a formula.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace chat {

// Appends one field, quoted if needed.
void append_csv_field(std::string& out, std::string_view field);

// Appends one record: the fields separated by commas, then CRLF.
void append_csv_record(std::string& out, std::initializer_list<std::string_view> fields);

}  // namespace chat
