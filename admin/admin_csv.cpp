// CSV (RFC 4180) fields and records (see the header).
#include "admin_csv.h"

namespace chat {

namespace {

// True when a spreadsheet would run the cell as a formula (OWASP, "CSV Injection").
bool starts_a_formula(std::string_view field) {
  return !field.empty() && std::string_view("=+-@\t\r").find(field.front()) != std::string_view::npos;
}

}  // namespace

void append_csv_field(std::string& out, std::string_view field) {
  const bool quoted = field.find_first_of(",\"\r\n") != std::string_view::npos;
  if (quoted) out.push_back('"');
  if (starts_a_formula(field)) out.push_back('\'');
  for (const char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  if (quoted) out.push_back('"');
}

void append_csv_record(std::string& out, std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (const auto field : fields) {
    if (!first) out.push_back(',');
    append_csv_field(out, field);
    first = false;
  }
  out.append("\r\n");
}

}  // namespace chat
