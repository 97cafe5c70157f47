// Splitting a migration file into statements (see the header).
#include "sql_script.h"

#include <algorithm>
#include <cctype>

#include "bad_input.h"

namespace chat {
namespace {

bool is_blank(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

// Splits while keeping track of where it is; each step consumes one token.
class Splitter {
 public:
  explicit Splitter(std::string_view script) : script_(script) {}

  std::vector<SqlStatement> run() {
    while (at_ < script_.size()) step();
    end_statement();
    return std::move(statements_);
  }

 private:
  void step() {
    const char c = script_[at_];
    if (c == '\'' || c == '"' || c == '`') return quoted(c);
    if (starts_line_comment()) return skip_to_end_of_line();
    if (script_.substr(at_, 2) == "/*") return block_comment();
    if (c == ';') {
      ++at_;
      return end_statement();
    }
    take(1);
  }

  // "-- " needs a space or control character after the dashes (or the end of the file).
  bool starts_line_comment() const {
    if (script_[at_] == '#') return true;
    if (script_.substr(at_, 2) != "--") return false;
    return at_ + 2 == script_.size() || static_cast<unsigned char>(script_[at_ + 2]) <= ' ';
  }

  void skip_to_end_of_line() {
    const std::size_t end = script_.find('\n', at_);
    at_ = end == std::string_view::npos ? script_.size() : end;
  }

  void block_comment() {
    const int line = line_;
    const std::size_t end = script_.find("*/", at_ + 2);
    if (end == std::string_view::npos) throw BadInput("a comment opened on line " + std::to_string(line) + " never ends");
    const bool executable = script_.substr(at_, 3) == "/*!" || script_.substr(at_, 4) == "/*M!";
    if (executable) {
      take(end + 2 - at_);
    } else {
      count_lines(script_.substr(at_, end + 2 - at_));
      at_ = end + 2;
      current_.push_back(' ');
    }
  }

  // A string or quoted identifier: ends at its quote, unless doubled ('it''s') or, in strings,
  // escaped by a backslash ('it\'s').
  void quoted(char quote) {
    const int line = line_;
    std::size_t end = at_ + 1;
    for (;; ++end) {
      if (end >= script_.size()) {
        throw BadInput(std::string(quote == '`' ? "an identifier" : "a string") + " opened on line " +
                       std::to_string(line) + " never ends");
      }
      if (script_[end] == '\\' && quote != '`') {
        ++end;
      } else if (script_[end] == quote) {
        if (end + 1 < script_.size() && script_[end + 1] == quote) {
          ++end;
        } else {
          break;
        }
      }
    }
    take(end + 1 - at_);
  }

  void take(std::size_t count) {
    const std::string_view text = script_.substr(at_, count);
    if (is_blank(current_) && !text.empty() && !std::isspace(static_cast<unsigned char>(text.front()))) {
      current_line_ = line_;
    }
    count_lines(text);
    current_.append(text);
    at_ += count;
  }

  void count_lines(std::string_view text) { line_ += static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

  void end_statement() {
    if (!is_blank(current_)) statements_.push_back({current_, current_line_});
    current_.clear();
  }

  std::string_view script_;
  std::size_t at_ = 0;
  int line_ = 1;
  int current_line_ = 1;
  std::string current_;
  std::vector<SqlStatement> statements_;
};

}  // namespace

std::vector<SqlStatement> split_sql_script(std::string_view script) { return Splitter(script).run(); }

}  // namespace chat
