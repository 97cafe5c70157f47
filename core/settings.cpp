// Reading settings from the environment, the same way in every program (see the header).
#include "settings.h"

#include <charconv>
#include <cstdlib>
#include <sstream>

#include "bad_input.h"

namespace chat {
namespace {

// An integer in [low, high], or nullopt.
std::optional<long> parse_bounded(std::string_view text, long low, long high) {
  long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    return std::nullopt;
  }
  return value;
}

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

bool setting_error(std::string* error, std::string_view name, std::string_view reason) {
  if (error) error->assign(name).append(": ").append(reason);
  return false;
}

bool read_bounded(const EnvLookup& env, const char* name, long low, long high, long& out, std::string* error) {
  const char* text = env(name);
  if (!text) return true;
  const auto value = parse_bounded(text, low, high);
  if (!value) {
    return setting_error(error, name,
                         "must be an integer from " + std::to_string(low) + " to " + std::to_string(high));
  }
  out = *value;
  return true;
}

bool read_double(const EnvLookup& env, const char* name, double low, double high, double& out,
                 std::string* error) {
  const char* text = env(name);
  if (!text) return true;
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  if (!*text || *end != '\0' || !(value >= low && value <= high)) {
    return setting_error(error, name, "must be a number from " + format_number(low) + " to " + format_number(high));
  }
  out = value;
  return true;
}

bool read_choice(const EnvLookup& env, const char* name, std::initializer_list<const char*> choices, int& out,
                 std::string* error) {
  const char* text = env(name);
  if (!text) return true;
  int index = 0;
  std::string names;
  for (const char* choice : choices) {
    if (std::string_view(text) == choice) {
      out = index;
      return true;
    }
    names.append(names.empty() ? "" : " or ").append(choice);
    ++index;
  }
  return setting_error(error, name, "must be " + names);
}

bool read_database_url(const EnvLookup& env, const char* name, bool required, DatabaseUrl& out,
                       std::string* error) {
  const char* url = env(name);
  if (!url || !*url) return required ? setting_error(error, name, "is not set") : true;
  std::string reason;
  const auto parsed = parse_database_url(url, &reason);
  if (!parsed) return setting_error(error, name, reason);
  out = *parsed;
  return true;
}

bool read_peer_allowlist(const EnvLookup& env, const char* name, PeerAllowlist& out, std::string* error) {
  const char* list = env(name);
  if (!list) return true;
  try {
    out = PeerAllowlist::parse(list);
    return true;
  } catch (const BadInput& bad) {
    return setting_error(error, name, bad.what());
  }
}

}  // namespace chat
