// Tests of CSV quoting (RFC 4180) for the admin export.
#include "admin_csv.h"

#include <gtest/gtest.h>

namespace {

std::string field(std::string_view text) {
  std::string out;
  chat::append_csv_field(out, text);
  return out;
}

}  // namespace

TEST(AdminCsvTest, PlainFieldsPassUnquoted) {
  EXPECT_EQ(field("hello world"), "hello world");
  EXPECT_EQ(field(""), "");
  EXPECT_EQ(field("caf\xC3\xA9 \xF0\x9F\x92\xAC"), "caf\xC3\xA9 \xF0\x9F\x92\xAC");  // UTF-8 untouched
}

TEST(AdminCsvTest, SpecialCharactersAreQuoted) {
  EXPECT_EQ(field("a,b"), "\"a,b\"");
  EXPECT_EQ(field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(field("\""), "\"\"\"\"");
  EXPECT_EQ(field("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(field("carriage\rreturn"), "\"carriage\rreturn\"");
  EXPECT_EQ(field("\r\n"), "\"'\r\n\"");  // a leading CR is also a formula start (see below)
}

TEST(AdminCsvTest, RecordsAreCommaSeparatedAndEndInCrlf) {
  std::string out;
  chat::append_csv_record(out, {"1", "a,b", "", "x\"y"});
  chat::append_csv_record(out, {"2"});
  EXPECT_EQ(out, "1,\"a,b\",,\"x\"\"y\"\r\n2\r\n");
}

// A cell a spreadsheet would run as a formula is prefixed with ' (OWASP's CSV injection advice).
TEST(AdminCsvTest, CellsThatWouldRunAsFormulasArePrefixed) {
  const auto field = [](std::string_view text) {
    std::string out;
    chat::append_csv_field(out, text);
    return out;
  };
  EXPECT_EQ(field("=HYPERLINK(\"http://evil\",\"x\")"), "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"");
  EXPECT_EQ(field("+1+1"), "'+1+1");
  EXPECT_EQ(field("-2+3"), "'-2+3");
  EXPECT_EQ(field("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(field("\t=1"), "'\t=1");
  EXPECT_EQ(field("\r=1"), "\"'\r=1\"");
  EXPECT_EQ(field("a=1"), "a=1");  // only a leading sign starts a formula
  EXPECT_EQ(field("2026-11-25T21:00:00.000Z"), "2026-11-25T21:00:00.000Z");
  EXPECT_EQ(field(""), "");
}
