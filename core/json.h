// Strict JSON parsing of untrusted bodies and compact UTF-8 serialisation (jsoncpp underneath).
#pragma once

#include <json/value.h>

#include <optional>
#include <string>
#include <string_view>

namespace chat::json {

// Parses exactly one JSON value: no comments, no trailing data, no duplicate keys, nesting
// bounded. Returns nullopt (and a short reason in *error) on any violation.
std::optional<Json::Value> parse_strict(std::string_view text, std::string* error);

// Compact JSON with non-ASCII characters written as UTF-8 (not \u escapes).
std::string to_string(const Json::Value& value);

}  // namespace chat::json
