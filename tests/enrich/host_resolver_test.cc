// HostResolver against a real DNS server: dnsmasq inside a lab namespace, asked from another
// lab namespace. Names with A only, AAAA only, both, several addresses, a CNAME chain,
// NXDOMAIN, a server failure and a silent server; the family choice. Needs root; skips
// without it. Nothing is sent to the machine's own resolver: every client names its server.
#include "enrich/host_resolver.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "enrich/dnsmasq.h"
#include "lab/lab.h"

namespace colotrace::enrich {
namespace {

using model::IpVersion;
using net::IpAddress;

class HostResolverLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why_not;
    if (!lab::Lab::CanRun(&why_not)) GTEST_SKIP() << why_not;
    char templ[] = "/tmp/host_resolver_test.XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
    lab_ = std::make_unique<lab::Lab>("host");
    colo_ = lab_->AddNode("colo");
    dns_ = lab_->AddNode("dns");
    lab_->Link(colo_, "eth0", {"198.51.100.1/30", "2001:db8:0:1::1/64"}, dns_, "eth0",
               {"198.51.100.2/30", "2001:db8:0:1::2/64"});
    dnsmasq_ = std::make_unique<Dnsmasq>(*lab_, dns_, 53, 300, dir_ + "/dnsmasq.log");
    DnsClientOptions o;
    o.netns = colo_;
    o.servers = {kDnsV4};
    o.timeout_ms = 300;
    o.tries = 2;
    auto client = DnsClient::Create(o);
    ASSERT_TRUE(client.ok()) << client.error();
    resolver_ = std::make_unique<HostResolver>(std::move(*client));
  }
  void TearDown() override {
    resolver_.reset();
    dnsmasq_.reset();
    lab_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  std::string Resolve(const std::string& name, IpVersion version = IpVersion::kAuto) {
    auto r = resolver_->ResolveNow(name, version);
    return r ? r->address.ToString() : "error: " + r.error();
  }

  std::string dir_, colo_, dns_;
  std::unique_ptr<lab::Lab> lab_;
  std::unique_ptr<Dnsmasq> dnsmasq_;
  std::unique_ptr<HostResolver> resolver_;
};

TEST_F(HostResolverLabTest, AOnly) {
  EXPECT_EQ(Resolve("v4only.lab.example"), "203.0.113.1");
  EXPECT_EQ(Resolve("v4only.lab.example.", IpVersion::kV4), "203.0.113.1");
  EXPECT_EQ(Resolve("v4only.lab.example", IpVersion::kV6),
            "error: cannot resolve 'v4only.lab.example': no IPv6 address");
}

TEST_F(HostResolverLabTest, AaaaOnly) {
  EXPECT_EQ(Resolve("v6only.lab.example"), "2001:db8:ff::1") << "auto falls back to IPv6";
  EXPECT_EQ(Resolve("v6only.lab.example", IpVersion::kV6), "2001:db8:ff::1");
  EXPECT_EQ(Resolve("v6only.lab.example", IpVersion::kV4),
            "error: cannot resolve 'v6only.lab.example': no IPv4 address");
}

TEST_F(HostResolverLabTest, BothFamilies) {
  EXPECT_EQ(Resolve("both.lab.example"), "203.0.113.1") << "auto prefers IPv4";
  EXPECT_EQ(Resolve("both.lab.example", IpVersion::kV4), "203.0.113.1");
  EXPECT_EQ(Resolve("both.lab.example", IpVersion::kV6), "2001:db8:ff::1");
}

TEST_F(HostResolverLabTest, SeveralAddressesTakesTheFirstAndCountsThem) {
  auto r = resolver_->ResolveNow("many.lab.example", IpVersion::kAuto);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->candidates, 2u);
  EXPECT_TRUE(r->address.ToString() == "203.0.113.5" || r->address.ToString() == "203.0.113.6")
      << r->address.ToString();
}

TEST_F(HostResolverLabTest, CnameChain) {
  // alias -> middle -> both.
  EXPECT_EQ(Resolve("alias.lab.example"), "203.0.113.1");
  EXPECT_EQ(Resolve("alias.lab.example", IpVersion::kV6), "2001:db8:ff::1");
}

TEST_F(HostResolverLabTest, Nxdomain) {
  EXPECT_EQ(Resolve("nosuch.lab.example"),
            "error: cannot resolve 'nosuch.lab.example': no such name (NXDOMAIN)");
  EXPECT_EQ(Resolve("nosuch.lab.example", IpVersion::kV6),
            "error: cannot resolve 'nosuch.lab.example': no such name (NXDOMAIN)");
}

TEST_F(HostResolverLabTest, ServerFailure) {
  // A validating dnsmasq in front of the lab's: every answer is BOGUS, so SERVFAIL.
  Dnsmasq validator(*lab_, dns_, 5300, 300, dir_ + "/validator.log", Dnsmasq::ServfailRecords(53));
  DnsClientOptions o;
  o.netns = colo_;
  o.servers = {std::string(kDnsV4) + ":5300"};
  o.timeout_ms = 300;
  auto client = DnsClient::Create(o);
  ASSERT_TRUE(client.ok()) << client.error();
  HostResolver resolver(std::move(*client));
  auto r = resolver.ResolveNow("www.broken.example", IpVersion::kV4);
  ASSERT_FALSE(r.ok());
  // c-ares tries the next server after a SERVFAIL; with none left it reports them all failed.
  EXPECT_EQ(r.error(),
            "cannot resolve 'www.broken.example': every DNS server failed, refused the query or "
            "was unreachable")
      << validator.Log();
  EXPECT_NE(validator.Log().find("is BOGUS"), std::string::npos) << validator.Log();
}

TEST_F(HostResolverLabTest, SilentServerTimesOut) {
  dnsmasq_->Stop();
  auto start = std::chrono::steady_clock::now();
  std::string got = Resolve("v4only.lab.example");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  dnsmasq_->Continue();
  EXPECT_EQ(got,
            "error: cannot resolve 'v4only.lab.example': no answer from the DNS server within "
            "900 ms");
  EXPECT_GE(ms, 800);  // 300 ms, then 600 ms
}

TEST_F(HostResolverLabTest, LiteralsNeedNoServer) {
  dnsmasq_->Stop();
  EXPECT_EQ(Resolve("203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(Resolve("2001:db8::9", IpVersion::kV6), "2001:db8::9");
  EXPECT_EQ(Resolve("2001:db8::9", IpVersion::kV4), "error: '2001:db8::9' is not an IPv4 address");
  dnsmasq_->Continue();
}

TEST(ChooseAddressTest, FamilyRules) {
  HostAddresses both{{*IpAddress::Parse("203.0.113.1")}, {*IpAddress::Parse("2001:db8::1")}};
  EXPECT_EQ(ChooseAddress(both, IpVersion::kAuto)->ToString(), "203.0.113.1");
  EXPECT_EQ(ChooseAddress(both, IpVersion::kV6)->ToString(), "2001:db8::1");
  HostAddresses v6only{{}, {*IpAddress::Parse("2001:db8::1")}};
  EXPECT_EQ(ChooseAddress(v6only, IpVersion::kAuto)->ToString(), "2001:db8::1");
  EXPECT_FALSE(ChooseAddress(v6only, IpVersion::kV4).has_value());
  EXPECT_FALSE(ChooseAddress(HostAddresses{}, IpVersion::kAuto).has_value());
}

}  // namespace
}  // namespace colotrace::enrich
