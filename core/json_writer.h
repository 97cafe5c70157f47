// Compact JSON written straight into a string, with no tree in between: the responses served on
// every request (transcripts, answers, stream events, errors) and the log lines. jsoncpp stays
// for parsing and for the rarely built documents.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chat {

// Writes values in order; commas and colons are placed for the caller. Strings must be UTF-8
// (non-ASCII is written as is, control characters, quotes and backslashes are escaped). Used
// without begin_object/end_object it writes an object's members alone ("\"a\":1,\"b\":2").
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(bool flag);
  JsonWriter& null();
  JsonWriter& value(const std::optional<std::string>& text) { return text ? value(*text) : null(); }
  JsonWriter& value(const std::optional<std::int64_t>& number) { return number ? value(*number) : null(); }
  // A value that is JSON already.
  JsonWriter& raw(std::string_view json);

  // key(name).value(v) in one call.
  template <typename Value>
  JsonWriter& field(std::string_view name, const Value& v) {
    return key(name).value(v);
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);
  void before_value();
  void append_quoted(std::string_view text);

  std::string out_;
  bool needs_comma_ = false;
};

}  // namespace chat
