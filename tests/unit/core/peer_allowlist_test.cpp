// Tests of the FastCGI peer allowlist: addresses and networks of both families, IPv4 peers of a
// dual-stack socket, unix peers, and the errors a bad setting gets.
#include "http/peer_allowlist.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "bad_input.h"

namespace chat {
namespace {

sockaddr_storage peer(const char* address) {
  sockaddr_storage storage{};
  if (::inet_pton(AF_INET, address, &reinterpret_cast<sockaddr_in&>(storage).sin_addr) == 1) {
    storage.ss_family = AF_INET;
  } else {
    ::inet_pton(AF_INET6, address, &reinterpret_cast<sockaddr_in6&>(storage).sin6_addr);
    storage.ss_family = AF_INET6;
  }
  return storage;
}

TEST(PeerAllowlistTest, LoopbackIsTheDefault) {
  const PeerAllowlist loopback = PeerAllowlist::loopback();
  EXPECT_TRUE(loopback.allows(peer("127.0.0.1")));
  EXPECT_TRUE(loopback.allows(peer("127.3.2.1")));
  EXPECT_TRUE(loopback.allows(peer("::1")));
  EXPECT_TRUE(loopback.allows(peer("::ffff:127.0.0.1")));  // IPv4 on a dual-stack socket
  EXPECT_FALSE(loopback.allows(peer("10.0.0.1")));
  EXPECT_FALSE(loopback.allows(peer("::2")));
  EXPECT_EQ(loopback.describe(), "127.0.0.0/8, ::1");
}

TEST(PeerAllowlistTest, AddressesAndNetworksOfBothFamilies) {
  const PeerAllowlist list = PeerAllowlist::parse(" 10.1.2.3 , 192.168.8.0/21,fd00:1::/32");
  EXPECT_TRUE(list.allows(peer("10.1.2.3")));
  EXPECT_FALSE(list.allows(peer("10.1.2.4")));
  EXPECT_TRUE(list.allows(peer("192.168.15.255")));
  EXPECT_FALSE(list.allows(peer("192.168.16.0")));
  EXPECT_FALSE(list.allows(peer("192.168.7.255")));
  EXPECT_TRUE(list.allows(peer("fd00:1:ffff::9")));
  EXPECT_FALSE(list.allows(peer("fd00:2::9")));
  EXPECT_TRUE(list.allows(peer("::ffff:10.1.2.3")));
  EXPECT_FALSE(list.allows(peer("127.0.0.1")));  // loopback is not implied once a list is given
}

TEST(PeerAllowlistTest, UnixPeersAreAlwaysAllowed) {
  sockaddr_storage unix_peer{};
  unix_peer.ss_family = AF_UNIX;
  EXPECT_TRUE(PeerAllowlist::parse("10.0.0.1").allows(unix_peer));
}

TEST(PeerAllowlistTest, BadEntriesAreNamed) {
  for (const char* bad : {"", " , ", "nginx", "10.0.0.1/33", "10.0.0.1/", "::1/129", "10.0.0.1/8x", "10.0.0"}) {
    EXPECT_THROW(PeerAllowlist::parse(bad), BadInput) << bad;
  }
  try {
    PeerAllowlist::parse("127.0.0.1, nginx");
    FAIL();
  } catch (const BadInput& error) {
    EXPECT_STREQ(error.what(), "\"nginx\" is not an IPv4 or IPv6 address");
  }
}

}  // namespace
}  // namespace chat
