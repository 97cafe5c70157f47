// Strict JSON parsing of untrusted bodies and compact UTF-8 serialisation.
#include "json.h"

#include <json/reader.h>
#include <json/value.h>
#include <json/writer.h>

#include <memory>
#include <sstream>

#include "core_limits.h"

namespace chat::json {
namespace {

Json::CharReaderBuilder strict_reader_builder() {
  Json::CharReaderBuilder builder;
  Json::CharReaderBuilder::strictMode(&builder.settings_);
  builder["stackLimit"] = kMaxJsonNestingDepth;
  return builder;
}

Json::StreamWriterBuilder compact_writer_builder() {
  Json::StreamWriterBuilder builder;
  builder["indentation"] = "";
  builder["emitUTF8"] = true;
  return builder;
}

}  // namespace

std::optional<Json::Value> parse_strict(std::string_view text, std::string* error) {
  static const Json::CharReaderBuilder builder = strict_reader_builder();
  const std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  Json::Value value;
  std::string errors;
  bool parsed = false;
  try {
    parsed = reader->parse(text.data(), text.data() + text.size(), &value, &errors);
  } catch (const Json::Exception&) {  // nesting past stackLimit throws instead of failing
    parsed = false;
  }
  if (!parsed) {
    if (error) *error = "malformed JSON";
    return std::nullopt;
  }
  return value;
}

std::string to_string(const Json::Value& value) {
  // A writer per thread: making one reads the builder's settings, a cost on every response.
  thread_local const std::unique_ptr<Json::StreamWriter> writer(compact_writer_builder().newStreamWriter());
  std::ostringstream out;
  writer->write(value, &out);
  return out.str();
}

}  // namespace chat::json
