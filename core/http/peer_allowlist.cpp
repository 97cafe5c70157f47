// The peers a FastCGI TCP listener serves (see the header).
#include "http/peer_allowlist.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

#include "bad_input.h"

namespace chat {
namespace {

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// An IPv4 address inside an IPv6 one (::ffff:a.b.c.d): a dual-stack socket's IPv4 peer.
bool is_v4_mapped(const in6_addr& address) {
  static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(address.s6_addr, prefix, sizeof prefix) == 0;
}

}  // namespace

PeerAllowlist PeerAllowlist::loopback() { return parse("127.0.0.0/8, ::1"); }

PeerAllowlist PeerAllowlist::parse(std::string_view list) {
  PeerAllowlist allowlist;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view entry = trimmed(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (!entry.empty()) allowlist.ranges_.push_back(parse_range(entry));
  }
  if (allowlist.ranges_.empty()) throw BadInput("lists no address");
  return allowlist;
}

PeerAllowlist::Range PeerAllowlist::parse_range(std::string_view entry) {
  const std::size_t slash = entry.find('/');
  const std::string address(entry.substr(0, slash));
  Range range;
  range.text = std::string(entry);
  if (::inet_pton(AF_INET, address.c_str(), range.bytes.data()) == 1) {
    range.family = AF_INET;
    range.prefix_bits = 32;
  } else if (::inet_pton(AF_INET6, address.c_str(), range.bytes.data()) == 1) {
    range.family = AF_INET6;
    range.prefix_bits = 128;
  } else {
    throw BadInput("\"" + range.text + "\" is not an IPv4 or IPv6 address");
  }
  if (slash != std::string_view::npos) {
    const std::string_view bits = entry.substr(slash + 1);
    int prefix = -1;
    const auto [end, failure] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (failure != std::errc() || end != bits.data() + bits.size() || prefix < 0 || prefix > range.prefix_bits) {
      throw BadInput("\"" + range.text + "\" has a bad prefix length");
    }
    range.prefix_bits = prefix;
  }
  return range;
}

bool PeerAllowlist::matches(const Range& range, int family, const unsigned char* address) {
  if (range.family != family) return false;
  const int whole_bytes = range.prefix_bits / 8;
  if (std::memcmp(range.bytes.data(), address, static_cast<std::size_t>(whole_bytes)) != 0) return false;
  const int rest = range.prefix_bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (range.bytes[static_cast<std::size_t>(whole_bytes)] & mask) == (address[whole_bytes] & mask);
}

bool PeerAllowlist::allows(const sockaddr_storage& peer) const {
  int family = peer.ss_family;
  const unsigned char* address = nullptr;
  if (family == AF_INET) {
    address = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in&>(peer).sin_addr);
  } else if (family == AF_INET6) {
    const in6_addr& v6 = reinterpret_cast<const sockaddr_in6&>(peer).sin6_addr;
    address = v6.s6_addr;
    if (is_v4_mapped(v6)) {
      family = AF_INET;
      address += 12;
    }
  } else {
    return family == AF_UNIX;
  }
  for (const Range& range : ranges_) {
    if (matches(range, family, address)) return true;
  }
  return false;
}

std::string PeerAllowlist::describe() const {
  std::string text;
  for (const Range& range : ranges_) text.append(text.empty() ? "" : ", ").append(range.text);
  return text;
}

}  // namespace chat
