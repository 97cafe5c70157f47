// The Prometheus text exposition format (see the header).
#include "metrics/exposition.h"

#include <charconv>
#include <cmath>

namespace chat {
namespace {

// A label value with backslash, double quote and line feed escaped, as the format requires.
void append_label_value(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

// HELP text escapes only backslash and line feed.
void append_help(std::string& out, std::string_view help) {
  for (const char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

template <typename Number>
void append_integer(std::string& out, Number value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

}  // namespace

Exposition& Exposition::family(std::string_view name, std::string_view help, std::string_view type) {
  out_.append("# HELP ").append(name).append(" ");
  append_help(out_, help);
  out_.append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
  return *this;
}

void Exposition::begin_sample(std::string_view name, std::string_view suffix, MetricLabels labels,
                              std::string_view le) {
  out_.append(name).append(suffix);
  if (labels.size() == 0 && le.empty()) {
    out_ += ' ';
    return;
  }
  out_ += '{';
  bool first = true;
  for (const MetricLabel& label : labels) {
    if (!first) out_ += ',';
    first = false;
    out_.append(label.name).append("=\"");
    append_label_value(out_, label.value);
    out_ += '"';
  }
  if (!le.empty()) out_.append(first ? "" : ",").append("le=\"").append(le).append("\"");
  out_.append("} ");
}

void Exposition::append_number(double value) {
  if (std::isnan(value)) {
    out_ += "NaN";
  } else if (std::isinf(value)) {
    out_ += value > 0 ? "+Inf" : "-Inf";
  } else {
    char digits[32];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out_.append(digits, end);
  }
}

Exposition& Exposition::sample(std::string_view name, MetricLabels labels, std::uint64_t value) {
  begin_sample(name, "", labels);
  append_integer(out_, value);
  out_ += '\n';
  return *this;
}

Exposition& Exposition::sample(std::string_view name, MetricLabels labels, std::int64_t value) {
  begin_sample(name, "", labels);
  append_integer(out_, value);
  out_ += '\n';
  return *this;
}

Exposition& Exposition::sample(std::string_view name, MetricLabels labels, double value) {
  begin_sample(name, "", labels);
  append_number(value);
  out_ += '\n';
  return *this;
}

Exposition& Exposition::histogram(std::string_view name, MetricLabels labels, const HistogramCounts& histogram) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < histogram.counts.size(); ++i) {
    cumulative += histogram.counts[i];
    std::string le = "+Inf";
    if (i < histogram.upper_bounds.size()) {
      char digits[32];
      le.assign(digits, std::to_chars(digits, digits + sizeof digits, histogram.upper_bounds[i]).ptr);
    }
    begin_sample(name, "_bucket", labels, le);
    append_integer(out_, cumulative);
    out_ += '\n';
  }
  begin_sample(name, "_sum", labels);
  append_number(histogram.sum);
  out_ += '\n';
  begin_sample(name, "_count", labels);
  append_integer(out_, cumulative);
  out_ += '\n';
  return *this;
}

}  // namespace chat
