// libFuzzer target for CHAT_FASTCGI_ALLOWED_PEERS: any bytes parse or are refused with a reason;
// a parsed list answers for peers of both families without reading out of bounds.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "bad_input.h"
#include "http/peer_allowlist.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto list = chat::PeerAllowlist::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    sockaddr_storage v4{}, v6{};
    v4.ss_family = AF_INET;
    v6.ss_family = AF_INET6;
    std::memcpy(&reinterpret_cast<sockaddr_in&>(v4).sin_addr, data, std::min<size_t>(size, 4));
    std::memcpy(&reinterpret_cast<sockaddr_in6&>(v6).sin6_addr, data, std::min<size_t>(size, 16));
    list.allows(v4);
    list.allows(v6);
    if (list.describe().empty()) std::abort();  // a list always names something
  } catch (const chat::BadInput& refused) {
    if (std::string_view(refused.what()).empty()) std::abort();
  }
  return 0;
}
