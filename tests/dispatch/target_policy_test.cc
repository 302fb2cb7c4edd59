#include "dispatch/target_policy.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace colotrace::dispatch {
namespace {

net::IpAddress Ip(const std::string& text) {
  std::optional<net::IpAddress> a = net::IpAddress::Parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(net::IpAddress{});
}

std::string Category(const std::string& text) {
  return TargetPolicy::RefusedCategory(Ip(text)).value_or("global");
}

struct Boundary {
  const char* inside_first;
  const char* inside_last;
  const char* outside_below;  // nullptr when the range starts at the bottom of the space
  const char* outside_above;  // nullptr when the range ends at the top of the space
  const char* category;
};

class CategoryBoundaryTest : public testing::TestWithParam<Boundary> {};

TEST_P(CategoryBoundaryTest, BothEdgesInsideNeighboursOutside) {
  const Boundary& b = GetParam();
  EXPECT_EQ(Category(b.inside_first), b.category) << b.inside_first;
  EXPECT_EQ(Category(b.inside_last), b.category) << b.inside_last;
  if (b.outside_below != nullptr) {
    EXPECT_NE(Category(b.outside_below), b.category) << b.outside_below;
  }
  if (b.outside_above != nullptr) {
    EXPECT_NE(Category(b.outside_above), b.category) << b.outside_above;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ranges, CategoryBoundaryTest,
    testing::Values(
        Boundary{"0.0.0.0", "0.255.255.255", nullptr, "1.0.0.0", "unspecified"},
        Boundary{"127.0.0.0", "127.255.255.255", "126.255.255.255", "128.0.0.0", "loopback"},
        Boundary{"10.0.0.0", "10.255.255.255", "9.255.255.255", "11.0.0.0", "private"},
        Boundary{"172.16.0.0", "172.31.255.255", "172.15.255.255", "172.32.0.0", "private"},
        Boundary{"192.168.0.0", "192.168.255.255", "192.167.255.255", "192.169.0.0", "private"},
        Boundary{"169.254.0.0", "169.254.255.255", "169.253.255.255", "169.255.0.0", "link-local"},
        Boundary{"100.64.0.0", "100.127.255.255", "100.63.255.255", "100.128.0.0", "cgnat"},
        Boundary{"224.0.0.0", "239.255.255.255", "223.255.255.255", "240.0.0.0", "multicast"},
        Boundary{"240.0.0.0", "255.255.255.255", "239.255.255.255", nullptr, "reserved"},
        Boundary{"192.0.0.0", "192.0.0.255", "191.255.255.255", "192.0.1.0", "reserved"},
        Boundary{"192.0.2.0", "192.0.2.255", "192.0.1.255", "192.0.3.0", "reserved"},
        Boundary{"198.18.0.0", "198.19.255.255", "198.17.255.255", "198.20.0.0", "reserved"},
        Boundary{"198.51.100.0", "198.51.100.255", "198.51.99.255", "198.51.101.0", "reserved"},
        Boundary{"203.0.113.0", "203.0.113.255", "203.0.112.255", "203.0.114.0", "reserved"},
        Boundary{"::", "::", nullptr, "::1", "unspecified"},
        Boundary{"::1", "::1", "::", "::2", "loopback"},
        Boundary{"fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                 "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::", "private"},
        Boundary{"fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                 "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fec0::", "link-local"},
        Boundary{"ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                 "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", nullptr, "multicast"},
        Boundary{"2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
                 "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::", "reserved"},
        Boundary{"100::", "100::ffff:ffff:ffff:ffff", "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                 "100:0:0:1::", "reserved"},
        Boundary{"2001::", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
                 "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:200::", "reserved"},
        Boundary{"3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff",
                 "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "3fff:1000::", "reserved"}),
    [](const testing::TestParamInfo<Boundary>& param_info) {
      std::string name = param_info.param.category;
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name + "_" + std::to_string(param_info.index);
    });

TEST(TargetPolicyTest, GlobalAddressesAreNotRefused) {
  for (const char* a : {"1.1.1.1", "8.8.8.8", "9.9.9.9", "223.255.255.255", "2606:4700::1111",
                        "2a00:1450::1", "2001:4860:4860::8888"}) {
    EXPECT_EQ(Category(a), "global") << a;
    EXPECT_TRUE(TargetPolicy().IsAllowed(Ip(a))) << a;
  }
}

TEST(TargetPolicyTest, EmbeddedIpv4IsJudgedByItsIpv4Address) {
  EXPECT_EQ(Category("::ffff:127.0.0.1"), "loopback");
  EXPECT_EQ(Category("::ffff:10.1.2.3"), "private");
  EXPECT_EQ(Category("::ffff:169.254.169.254"), "link-local");
  EXPECT_EQ(Category("::ffff:1.1.1.1"), "global");
  EXPECT_EQ(Category("64:ff9b::192.168.1.1"), "private");
  EXPECT_EQ(Category("64:ff9b::8.8.8.8"), "global");
  EXPECT_EQ(Category("2002:7f00:1::"), "loopback");  // 6to4 of 127.0.0.1
  EXPECT_EQ(Category("2002:0808:0808::1"), "global");
  // Just outside ::ffff:0:0/96 (bit 95 differs): not mapped, and no special range.
  EXPECT_EQ(Category("::fffe:7f00:1"), "global");
  EXPECT_EQ(Category("0:0:0:0:1:ffff:7f00:1"), "global");
  // IPv4-compatible (deprecated) addresses are reserved, not judged by their IPv4 address.
  EXPECT_EQ(Category("::8.8.8.8"), "reserved");
  EXPECT_EQ(Category("64:ff9b:1::1"), "private");
}

TEST(TargetPolicyTest, AllowOverridesACategory) {
  TargetPolicy policy;
  EXPECT_FALSE(policy.IsAllowed(Ip("203.0.113.7")));
  ASSERT_TRUE(policy.Allow("203.0.113.0/24"));
  EXPECT_TRUE(policy.IsAllowed(Ip("203.0.113.7")));
  EXPECT_TRUE(policy.IsAllowed(Ip("203.0.113.255")));
  EXPECT_FALSE(policy.IsAllowed(Ip("198.51.100.1")));
  // The mapped form of an allowed IPv4 address is allowed too.
  EXPECT_TRUE(policy.IsAllowed(Ip("::ffff:203.0.113.7")));
  EXPECT_FALSE(policy.IsAllowed(Ip("::ffff:198.51.100.1")));
  // The category itself does not change.
  EXPECT_EQ(TargetPolicy::RefusedCategory(Ip("203.0.113.7")), "reserved");

  ASSERT_TRUE(policy.Allow("2001:db8:1::/48"));
  EXPECT_TRUE(policy.IsAllowed(Ip("2001:db8:1:ffff::1")));
  EXPECT_FALSE(policy.IsAllowed(Ip("2001:db8:2::1")));
}

TEST(TargetPolicyTest, HostBitsMayBeSetAndPrefixesAreExact) {
  TargetPolicy policy;
  ASSERT_TRUE(policy.Allow("10.1.2.3/23"));  // 10.1.2.0 - 10.1.3.255
  EXPECT_TRUE(policy.IsAllowed(Ip("10.1.2.0")));
  EXPECT_TRUE(policy.IsAllowed(Ip("10.1.3.255")));
  EXPECT_FALSE(policy.IsAllowed(Ip("10.1.1.255")));
  EXPECT_FALSE(policy.IsAllowed(Ip("10.1.4.0")));

  TargetPolicy host;
  ASSERT_TRUE(host.Allow("127.0.0.1/32"));
  EXPECT_TRUE(host.IsAllowed(Ip("127.0.0.1")));
  EXPECT_FALSE(host.IsAllowed(Ip("127.0.0.2")));
  ASSERT_TRUE(host.Allow("::1/128"));
  EXPECT_TRUE(host.IsAllowed(Ip("::1")));

  TargetPolicy everything;
  ASSERT_TRUE(everything.Allow("0.0.0.0/0"));
  EXPECT_TRUE(everything.IsAllowed(Ip("10.0.0.1")));
  EXPECT_FALSE(everything.IsAllowed(Ip("fd00::1")));  // an IPv4 range admits no IPv6 address
  ASSERT_TRUE(everything.Allow("::/0"));
  EXPECT_TRUE(everything.IsAllowed(Ip("fd00::1")));
}

TEST(TargetPolicyTest, MalformedCidrsAreErrors) {
  TargetPolicy policy;
  for (const char* bad :
       {"", "10.0.0.0", "10.0.0.0/", "/8", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8",
        "10.0.0.0/08", "10.0.0.0/8/8", "10.0.0.0 /8", "10.0.0.0/ 8", "10.0.0/8", "::/129",
        "2001:db8::/1000", "example.com/8", "10.0.0.0/8 ", "10.0.0.0/a", "2001:db8::/32x"}) {
    model::Status s = policy.Allow(bad);
    EXPECT_FALSE(s) << bad;
    EXPECT_FALSE(s.error().empty());
  }
  // Nothing was added by the failures.
  EXPECT_FALSE(policy.IsAllowed(Ip("10.0.0.1")));
  EXPECT_TRUE(policy.Allow("10.0.0.0/0"));
  EXPECT_TRUE(policy.Allow("2001:db8::/128"));
}

}  // namespace
}  // namespace colotrace::dispatch
