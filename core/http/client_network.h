// The client a per-client limit counts, from the address nginx passes (REMOTE_ADDR): an IPv4
// address as it is, an IPv6 address by its /64 (one subscriber gets a whole /64), the same key as
// nginx's $chat_client_network.
#pragma once

#include <string>
#include <string_view>

namespace chat {

// "203.0.113.7" -> "203.0.113.7"; "2001:db8:1:2:3::4" -> "2001:db8:1:2::/64"; an IPv4-mapped
// IPv6 address -> its IPv4 address; anything else (no address, a unix peer) -> "".
std::string client_network(std::string_view remote_addr);

}  // namespace chat
