#include "net/ip_address.h"

#include <gtest/gtest.h>

namespace colotrace::net {
namespace {

TEST(IpAddressTest, ParsesAndPrintsV4) {
  auto a = IpAddress::Parse("192.0.2.1");
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->family, IpAddress::Family::kV4);
  EXPECT_EQ(a->size(), 4u);
  EXPECT_EQ(a->bytes[0], 192);
  EXPECT_EQ(a->bytes[1], 0);
  EXPECT_EQ(a->bytes[2], 2);
  EXPECT_EQ(a->bytes[3], 1);
  for (size_t i = 4; i < 16; ++i) EXPECT_EQ(a->bytes[i], 0) << i;  // the rest stays zero
  EXPECT_EQ(a->ToString(), "192.0.2.1");
  EXPECT_EQ(a->data(), a->bytes.data());
}

TEST(IpAddressTest, V4Extremes) {
  for (const char* text : {"0.0.0.0", "255.255.255.255", "10.0.0.1", "127.0.0.1"}) {
    auto a = IpAddress::Parse(text);
    ASSERT_TRUE(a.has_value()) << text;
    EXPECT_EQ(a->ToString(), text);
  }
}

TEST(IpAddressTest, ParsesAndPrintsV6InRfc5952Form) {
  auto a = IpAddress::Parse("2001:db8::1");
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(a->is_v4());
  EXPECT_EQ(a->size(), 16u);
  const uint8_t expected[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  for (size_t i = 0; i < 16; ++i) EXPECT_EQ(a->bytes[i], expected[i]) << i;
  EXPECT_EQ(a->ToString(), "2001:db8::1");

  // Non-canonical spellings print in the canonical form.
  struct Case {
    const char* in;
    const char* out;
  };
  for (Case c : {Case{"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
                 Case{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},     // first longest run
                 Case{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // no :: for one zero
                 Case{"2001:db8:0:0:0:1:0:0", "2001:db8::1:0:0"}, Case{"::", "::"},
                 Case{"::1", "::1"}, Case{"fe80::", "fe80::"},
                 Case{"FFFF:ffff:FFFF:ffff:FFFF:ffff:FFFF:ffff",
                      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}}) {
    auto p = IpAddress::Parse(c.in);
    ASSERT_TRUE(p.has_value()) << c.in;
    EXPECT_EQ(p->ToString(), c.out) << c.in;
  }
}

TEST(IpAddressTest, V4MappedV6StaysV6) {
  auto a = IpAddress::Parse("::ffff:192.0.2.1");
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(a->is_v4());
  EXPECT_EQ(a->bytes[10], 0xff);
  EXPECT_EQ(a->bytes[15], 1);
  EXPECT_EQ(a->ToString(), "::ffff:192.0.2.1");
}

TEST(IpAddressTest, RejectsMalformedText) {
  for (std::string_view bad : {"1.2.3",
                               "::g",
                               "",
                               "1.2.3.4 ",
                               " 1.2.3.4",
                               "1.2.3.4.5",
                               "256.0.0.1",
                               "1.2.3.-1",
                               "1..2.3",
                               "a.b.c.d",
                               "2001:db8::1::2",
                               "2001:db8:1:2:3:4:5:6:7",
                               ":",
                               ":::",
                               "2001:db8::1%eth0",
                               "[2001:db8::1]",
                               "example.com",
                               "localhost",
                               "0x7f.0.0.1",
                               "2001:db8::12345",
                               "1.2.3.4/24"}) {
    EXPECT_FALSE(IpAddress::Parse(bad).has_value()) << '"' << bad << '"';
  }
  // Embedded NUL: "1.2.3.4\0" must not be accepted as 1.2.3.4.
  EXPECT_FALSE(IpAddress::Parse(std::string_view("1.2.3.4\0", 8)).has_value());
  EXPECT_FALSE(IpAddress::Parse(std::string_view("1.2.3.4\0evil.example", 20)).has_value());
  EXPECT_FALSE(IpAddress::Parse(std::string_view("::1\0", 4)).has_value());
  // Longer than any address text.
  EXPECT_FALSE(IpAddress::Parse(std::string(100, '1')).has_value());
  EXPECT_FALSE(IpAddress::Parse("0000:0000:0000:0000:0000:ffff:255.255.255.255.255").has_value());
}

TEST(IpAddressTest, LongestValidText) {
  // 45 characters: INET6_ADDRSTRLEN - 1.
  const char* text = "0000:0000:0000:0000:0000:ffff:255.255.255.255";
  auto a = IpAddress::Parse(text);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->ToString(), "::ffff:255.255.255.255");
}

TEST(IpAddressTest, FromBytes) {
  const uint8_t v4[4] = {198, 51, 100, 7};
  IpAddress a = IpAddress::V4(v4);
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a.ToString(), "198.51.100.7");
  EXPECT_EQ(a, *IpAddress::Parse("198.51.100.7"));

  uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
  v6[15] = 0x2a;
  IpAddress b = IpAddress::V6(v6);
  EXPECT_FALSE(b.is_v4());
  EXPECT_EQ(b.ToString(), "2001:db8::2a");
  EXPECT_EQ(b, *IpAddress::Parse("2001:db8::2a"));
}

TEST(IpAddressTest, Equality) {
  auto a = IpAddress::Parse("192.0.2.1");
  auto b = IpAddress::Parse("192.0.2.1");
  auto c = IpAddress::Parse("192.0.2.2");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  // Same leading bytes, different family: never equal.
  uint8_t v6[16] = {192, 0, 2, 1};
  EXPECT_NE(*a, IpAddress::V6(v6));
  // ::, 0.0.0.0 differ by family only.
  EXPECT_NE(*IpAddress::Parse("0.0.0.0"), *IpAddress::Parse("::"));
}

TEST(IpAddressTest, RoundTripsThroughText) {
  for (const char* text :
       {"203.0.113.254", "2001:db8:85a3::8a2e:370:7334", "fe80::1", "2001:db8::", "1::"}) {
    auto a = IpAddress::Parse(text);
    ASSERT_TRUE(a.has_value()) << text;
    auto b = IpAddress::Parse(a->ToString());
    ASSERT_TRUE(b.has_value()) << text;
    EXPECT_EQ(*a, *b) << text;
    EXPECT_EQ(a->ToString(), text);
  }
}

}  // namespace
}  // namespace colotrace::net
