// Tests of the client key of per-client limits: IPv4 as it is, IPv6 by its /64, the same as
// nginx's $chat_client_network counts.
#include "http/client_network.h"

#include <gtest/gtest.h>

TEST(ClientNetworkTest, Ipv4AsItIsIpv6ByItsSlash64) {
  EXPECT_EQ(chat::client_network("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(chat::client_network("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  EXPECT_EQ(chat::client_network("2001:db8:1:2::ffff"), "2001:db8:1:2::/64");  // the same /64
  EXPECT_EQ(chat::client_network("2001:db8::1"), "2001:db8::/64");
  EXPECT_EQ(chat::client_network("::ffff:192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(chat::client_network(""), "");
  EXPECT_EQ(chat::client_network("unix:"), "");
}
