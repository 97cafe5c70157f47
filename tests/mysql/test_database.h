// The database the MySQL tests use: CHAT_TEST_DATABASE_URL, which scripts/test provides.
#pragma once

#include <cstdlib>
#include <stdexcept>

#include "database_url.h"

namespace chat::testing {

inline DatabaseUrl test_database() {
  const char* url = std::getenv("CHAT_TEST_DATABASE_URL");
  if (!url) throw std::runtime_error("CHAT_TEST_DATABASE_URL is not set (scripts/test sets it)");
  const auto parsed = parse_database_url(url, nullptr);
  if (!parsed) throw std::runtime_error("CHAT_TEST_DATABASE_URL is malformed");
  return *parsed;
}

}  // namespace chat::testing
