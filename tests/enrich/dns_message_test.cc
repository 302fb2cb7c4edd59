// Pure parts of the enrich module's DNS code: query names, the response parser (TTLs, CNAME
// chains, compression, TXT), the TTL cache, server and resolv.conf parsing. No sockets.

#include "enrich/dns_message.h"

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "enrich/cymru.h"
#include "enrich/dns_client.h"
#include "enrich/ttl_cache.h"

namespace colotrace::enrich {
namespace {

using net::IpAddress;

IpAddress Ip(const char* text) {
  return IpAddress::Parse(text).value();
}

// Builds DNS messages for the tests.
class Message {
 public:
  explicit Message(uint16_t flags = 0x8180) {
    Put16(0x1234);
    Put16(flags);
    for (int i = 0; i < 4; ++i) Put16(0);
  }
  // Returns the offset the name starts at (for compression pointers).
  size_t Name(const std::string& dotted) {
    size_t at = bytes_.size();
    size_t start = 0;
    while (start < dotted.size()) {
      size_t dot = dotted.find('.', start);
      if (dot == std::string::npos) dot = dotted.size();
      bytes_.push_back(static_cast<uint8_t>(dot - start));
      bytes_.insert(bytes_.end(), dotted.begin() + static_cast<long>(start),
                    dotted.begin() + static_cast<long>(dot));
      start = dot + 1;
    }
    bytes_.push_back(0);
    return at;
  }
  void Pointer(size_t offset) {
    bytes_.push_back(static_cast<uint8_t>(0xc0 | offset >> 8));
    bytes_.push_back(static_cast<uint8_t>(offset & 0xff));
  }
  void Question(const std::string& name, uint16_t type) {
    question_at_ = Name(name);
    Put16(type);
    Put16(1);
    Count(4);
  }
  // Record header with owner = the question name (compressed); rdata written by the caller
  // between Begin and End.
  void Begin(uint16_t type, uint32_t ttl, bool owner_is_question = true,
             const std::string& owner = "") {
    if (owner_is_question) {
      Pointer(question_at_);
    } else {
      Name(owner);
    }
    Put16(type);
    Put16(1);
    Put16(static_cast<uint16_t>(ttl >> 16));
    Put16(static_cast<uint16_t>(ttl & 0xffff));
    rdlength_at_ = bytes_.size();
    Put16(0);
  }
  void End() {
    size_t len = bytes_.size() - rdlength_at_ - 2;
    bytes_[rdlength_at_] = static_cast<uint8_t>(len >> 8);
    bytes_[rdlength_at_ + 1] = static_cast<uint8_t>(len & 0xff);
    Count(6);
  }
  void Raw(const std::string& s) { bytes_.insert(bytes_.end(), s.begin(), s.end()); }
  void Byte(uint8_t b) { bytes_.push_back(b); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t>& mutable_bytes() { return bytes_; }

 private:
  void Put16(uint16_t v) {
    bytes_.push_back(static_cast<uint8_t>(v >> 8));
    bytes_.push_back(static_cast<uint8_t>(v & 0xff));
  }
  void Count(size_t at) {
    uint16_t v = static_cast<uint16_t>(bytes_[at] << 8 | bytes_[at + 1]);
    ++v;
    bytes_[at] = static_cast<uint8_t>(v >> 8);
    bytes_[at + 1] = static_cast<uint8_t>(v & 0xff);
  }
  std::vector<uint8_t> bytes_;
  size_t question_at_ = 0;
  size_t rdlength_at_ = 0;
};

model::Result<DnsAnswer> Parse(const Message& m) {
  return ParseDnsResponse(m.bytes().data(), m.bytes().size());
}

TEST(ReverseQueryNameTest, Ipv4AndIpv6) {
  EXPECT_EQ(ReverseQueryName(Ip("203.0.113.1")), "1.113.0.203.in-addr.arpa");
  EXPECT_EQ(ReverseQueryName(Ip("198.51.100.254")), "254.100.51.198.in-addr.arpa");
  EXPECT_EQ(ReverseQueryName(Ip("2001:db8::1")),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  EXPECT_EQ(ReversedUnder(Ip("8.8.8.8"), "origin.asn.cymru.com"), "8.8.8.8.origin.asn.cymru.com");
  EXPECT_EQ(ReversedUnder(Ip("203.0.113.9"), "origin.asn.cymru.com"),
            "9.113.0.203.origin.asn.cymru.com");
  EXPECT_EQ(
      ReversedUnder(Ip("2001:db8:ab::"), "origin6.asn.cymru.com"),
      "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.a.0.0.8.b.d.0.1.0.0.2.origin6.asn.cymru.com");
}

TEST(ParseDnsResponseTest, PtrWithTtl) {
  Message m;
  m.Question("1.113.0.203.in-addr.arpa", kDnsTypePtr);
  m.Begin(kDnsTypePtr, 3600);
  m.Name("target.lab.example");
  m.End();
  auto a = Parse(m);
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->rcode, 0);
  ASSERT_EQ(a->ptr_names.size(), 1u);
  EXPECT_EQ(a->ptr_names[0], "target.lab.example");
  EXPECT_EQ(a->min_ttl_s, 3600u);
}

TEST(ParseDnsResponseTest, CnameChainTakesTheSmallestTtl) {
  Message m;
  m.Question("5.2.0.192.in-addr.arpa", kDnsTypePtr);
  m.Begin(kDnsTypeCname, 120);
  size_t cname_target = m.mutable_bytes().size();
  m.Name("5.0-25.2.0.192.in-addr.arpa");
  m.End();
  // The PTR's owner is the CNAME target, written as a compression pointer.
  m.Pointer(cname_target);
  m.Byte(0);
  m.Byte(12);
  m.Byte(0);
  m.Byte(1);
  m.Raw(std::string("\x00\x00\x0e\x10", 4));  // 3600 s
  m.Byte(0);
  m.Byte(6);
  m.Raw(
      std::string("\x03"
                  "r-5"
                  "\xc0\x0c",
                  6));  // "r-5." + pointer to the question name
  {
    auto& b = m.mutable_bytes();
    b[7] = 2;  // ancount
  }
  auto a = Parse(m);
  ASSERT_TRUE(a.ok()) << a.error();
  ASSERT_EQ(a->ptr_names.size(), 1u);
  EXPECT_EQ(a->ptr_names[0], "r-5.5.2.0.192.in-addr.arpa");
  EXPECT_EQ(a->min_ttl_s, 120u);
}

TEST(ParseDnsResponseTest, AddressRecordsThroughACname) {
  Message m;
  m.Question("www.lab.example", kDnsTypeA);
  m.Begin(kDnsTypeCname, 300);
  m.Name("edge.lab.example");
  m.End();
  const uint8_t v4a[4] = {203, 0, 113, 7}, v4b[4] = {203, 0, 113, 8};
  for (const uint8_t* v : {v4a, v4b}) {
    m.Begin(kDnsTypeA, 60, false, "edge.lab.example");
    m.Raw(std::string(reinterpret_cast<const char*>(v), 4));
    m.End();
  }
  // An A record of another name and one with a wrong length are not answers.
  m.Begin(kDnsTypeA, 5, false, "other.lab.example");
  m.Raw(std::string("\xcb\x00\x71\x09", 4));
  m.End();
  m.Begin(kDnsTypeA, 5, false, "edge.lab.example");
  m.Raw(std::string("\xcb\x00\x71", 3));
  m.End();
  auto a = Parse(m);
  ASSERT_TRUE(a.ok()) << a.error();
  ASSERT_EQ(a->addresses.size(), 2u);
  EXPECT_EQ(a->addresses[0], Ip("203.0.113.7"));
  EXPECT_EQ(a->addresses[1], Ip("203.0.113.8"));
  EXPECT_EQ(a->min_ttl_s, 60u);

  Message six;
  six.Question("v6.lab.example", kDnsTypeAaaa);
  six.Begin(kDnsTypeAaaa, 30);
  auto v6 = Ip("2001:db8::7");
  six.Raw(std::string(reinterpret_cast<const char*>(v6.bytes.data()), 16));
  six.End();
  auto b = Parse(six);
  ASSERT_TRUE(b.ok()) << b.error();
  ASSERT_EQ(b->addresses.size(), 1u);
  EXPECT_EQ(b->addresses[0], v6);
}

TEST(ParseDnsResponseTest, IgnoresRecordsOfOtherNames) {
  Message m;
  m.Question("1.113.0.203.in-addr.arpa", kDnsTypePtr);
  m.Begin(kDnsTypePtr, 10, false, "2.113.0.203.in-addr.arpa");
  m.Name("other.example");
  m.End();
  auto a = Parse(m);
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_TRUE(a->ptr_names.empty());
  EXPECT_EQ(a->min_ttl_s, std::nullopt);
}

TEST(ParseDnsResponseTest, TxtRecords) {
  Message m;
  m.Question("1.113.0.203.origin.asn.cymru.com", kDnsTypeTxt);
  m.Begin(kDnsTypeTxt, 600);
  std::string part1 = "64501 | 203.0.113.0/24 ";
  std::string part2 = "| ZZ | lab | 2024-01-01";
  m.Byte(static_cast<uint8_t>(part1.size()));
  m.Raw(part1);
  m.Byte(static_cast<uint8_t>(part2.size()));
  m.Raw(part2);
  m.End();
  auto a = Parse(m);
  ASSERT_TRUE(a.ok()) << a.error();
  ASSERT_EQ(a->txts.size(), 1u);
  EXPECT_EQ(a->txts[0], "64501 | 203.0.113.0/24 | ZZ | lab | 2024-01-01");
  EXPECT_EQ(a->min_ttl_s, 600u);
}

TEST(ParseDnsResponseTest, NxdomainAndEmptyAnswers) {
  Message m(0x8183);
  m.Question("9.113.0.203.in-addr.arpa", kDnsTypePtr);
  auto a = Parse(m);
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->rcode, 3);
  EXPECT_TRUE(a->ptr_names.empty());
}

TEST(ParseDnsResponseTest, TtlWithTopBitMeansZero) {
  Message m;
  m.Question("1.113.0.203.in-addr.arpa", kDnsTypePtr);
  m.Begin(kDnsTypePtr, 0x80000000u);
  m.Name("x.example");
  m.End();
  auto a = Parse(m);
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->min_ttl_s, 0u);
}

TEST(ParseDnsResponseTest, RejectsMalformedMessages) {
  Message good;
  good.Question("1.113.0.203.in-addr.arpa", kDnsTypePtr);
  good.Begin(kDnsTypePtr, 60);
  good.Name("x.example");
  good.End();
  const auto& b = good.bytes();
  for (size_t n = 0; n < b.size(); ++n) {
    EXPECT_FALSE(ParseDnsResponse(b.data(), n).ok()) << "truncated to " << n;
  }
  EXPECT_TRUE(ParseDnsResponse(b.data(), b.size()).ok());

  Message query(0x0100);  // QR bit clear
  query.Question("1.113.0.203.in-addr.arpa", kDnsTypePtr);
  EXPECT_FALSE(Parse(query).ok());

  Message loop;
  loop.Question("a.example", kDnsTypePtr);
  loop.Begin(kDnsTypePtr, 60);
  size_t self = loop.mutable_bytes().size();
  loop.Pointer(self);  // a name that points at itself
  loop.End();
  EXPECT_FALSE(Parse(loop).ok());
}

TEST(TtlCacheTest, ExpiresAndEvictsLeastRecentlyUsed) {
  using Clock = std::chrono::steady_clock;
  TtlCache<std::string, int> cache(2);
  Clock::time_point t0 = Clock::now();
  auto s = [](int n) { return std::chrono::seconds(n); };
  cache.Put("a", 1, t0 + s(10), t0);
  cache.Put("b", 2, t0 + s(1), t0);
  EXPECT_EQ(cache.Get("a", t0), 1);
  EXPECT_EQ(cache.Get("b", t0), 2);
  EXPECT_EQ(cache.Get("b", t0 + s(1)), std::nullopt);  // expired
  EXPECT_EQ(cache.size(), 1u);
  cache.Put("b", 3, t0 + s(10), t0);
  EXPECT_EQ(cache.Get("a", t0), 1);   // a is now the most recently used
  cache.Put("c", 4, t0 + s(10), t0);  // evicts b
  EXPECT_EQ(cache.Get("b", t0), std::nullopt);
  EXPECT_EQ(cache.Get("a", t0), 1);
  EXPECT_EQ(cache.Get("c", t0), 4);
  cache.Put("c", 5, t0, t0);  // already expired: removes the old entry, stores nothing
  EXPECT_EQ(cache.Get("c", t0), std::nullopt);

  TtlCache<std::string, int> none(0);
  none.Put("a", 1, t0 + s(10), t0);
  EXPECT_EQ(none.Get("a", t0), std::nullopt);
}

TEST(DnsServerTest, Parses) {
  auto a = ParseDnsServer("192.0.2.53");
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->address, Ip("192.0.2.53"));
  EXPECT_EQ(a->port, 53);
  auto b = ParseDnsServer("127.0.0.1:15353");
  ASSERT_TRUE(b.ok()) << b.error();
  EXPECT_EQ(b->port, 15353);
  auto c = ParseDnsServer("2001:db8::53");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->address, Ip("2001:db8::53"));
  EXPECT_EQ(c->port, 53);
  auto d = ParseDnsServer("[2001:db8::53]:5353");
  ASSERT_TRUE(d.ok()) << d.error();
  EXPECT_EQ(d->address, Ip("2001:db8::53"));
  EXPECT_EQ(d->port, 5353);
  for (const char* bad : {"", "dns.example", "192.0.2.1:0", "192.0.2.1:65536", "192.0.2.1:x",
                          "[2001:db8::1", "[192.0.2.1]:53", "[2001:db8::1]53"}) {
    EXPECT_FALSE(ParseDnsServer(bad).ok()) << bad;
  }
}

TEST(DnsServerTest, ReadsResolvConf) {
  char templ[] = "/tmp/resolv_test.XXXXXX";
  int fd = mkstemp(templ);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream out(templ);
    out << "# comment\nsearch lab.example\nnameserver 192.0.2.53\n"
           "nameserver 2001:db8::53 # trailing\n; nameserver 192.0.2.99\n"
           "nameserver fe80::1%eth0\noptions ndots:2\n";
  }
  auto servers = ReadResolvConf(templ);
  std::filesystem::remove(templ);
  ASSERT_TRUE(servers.ok()) << servers.error();
  ASSERT_EQ(servers->size(), 2u);
  EXPECT_EQ((*servers)[0].address, Ip("192.0.2.53"));
  EXPECT_EQ((*servers)[1].address, Ip("2001:db8::53"));
  EXPECT_FALSE(ReadResolvConf("/nonexistent/resolv.conf").ok());
  EXPECT_EQ(ResolvConfPathFor(""), "/etc/resolv.conf");
  EXPECT_EQ(ResolvConfPathFor("ct-no-such-namespace-here"), "/etc/resolv.conf");
}

TEST(DnsClientTest, RejectsBadOptionsWithoutSendingAnything) {
  DnsClientOptions bad_server;
  bad_server.servers = {"not-an-address"};
  EXPECT_FALSE(DnsClient::Create(bad_server).ok());
  DnsClientOptions bad_timeout;
  bad_timeout.servers = {"127.0.0.1:1"};
  bad_timeout.timeout_ms = 0;
  EXPECT_FALSE(DnsClient::Create(bad_timeout).ok());
}

TEST(CymruTest, ParsesOrigin) {
  EXPECT_EQ(ParseCymruOrigin("15169 | 8.8.8.0/24 | US | arin | 2000-03-30"), 15169u);
  EXPECT_EQ(ParseCymruOrigin("\"13335 | 1.1.1.0/24 | AU | apnic | 2011-08-11\""), 13335u);
  EXPECT_EQ(ParseCymruOrigin("15169 36040 | 8.8.8.0/24 | US | arin | "), 15169u);  // several
  EXPECT_EQ(ParseCymruOrigin("4200000000|2001:db8::/32|ZZ|lab|"), 4200000000u);
  EXPECT_EQ(ParseCymruOrigin("64500"), 64500u);
  EXPECT_EQ(ParseCymruOrigin(""), std::nullopt);
  EXPECT_EQ(ParseCymruOrigin("NA | 8.8.8.0/24"), std::nullopt);
  EXPECT_EQ(ParseCymruOrigin("12ab | x"), std::nullopt);
  EXPECT_EQ(ParseCymruOrigin("99999999999 | x"), std::nullopt);  // beyond 32 bits
}

}  // namespace
}  // namespace colotrace::enrich
