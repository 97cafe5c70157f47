// Who may open a FastCGI connection over TCP. FastCGI has no authentication: whoever reaches a
// worker's port speaks for nginx, bypassing its limits and headers. A program listening on TCP
// therefore serves only the peers listed in CHAT_FASTCGI_ALLOWED_PEERS (nginx's addresses;
// loopback when unset); a connection from anyone else is closed before a byte is read. Unix
// sockets are guarded by their file mode instead and are always allowed.
#pragma once

#include <sys/socket.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace chat {

class PeerAllowlist {
 public:
  // 127.0.0.0/8 and ::1.
  static PeerAllowlist loopback();
  // "ADDRESS[/PREFIX_BITS],...", IPv4 or IPv6, spaces allowed; throws BadInput naming the entry.
  static PeerAllowlist parse(std::string_view list);

  // True for a listed address (an IPv4-mapped IPv6 address counts as IPv4) and for a unix peer.
  bool allows(const sockaddr_storage& peer) const;
  // The list as given, for the start log ("127.0.0.0/8, ::1").
  std::string describe() const;

 private:
  struct Range {
    int family = AF_INET;
    std::array<unsigned char, 16> bytes{};
    int prefix_bits = 32;
    std::string text;
  };
  static Range parse_range(std::string_view entry);
  static bool matches(const Range& range, int family, const unsigned char* address);

  std::vector<Range> ranges_;
};

}  // namespace chat
