// ReverseDns against a real DNS server: dnsmasq inside a lab namespace, asked from another lab
// namespace over a veth link (IPv4 and IPv6 transport). Nothing is ever sent to the machine's
// own resolver: every ReverseDns here names its servers explicitly, or reads a resolv.conf the
// test wrote for its namespace. Needs root; skips without it.

#include "enrich/reverse_dns.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "enrich/cymru.h"
#include "enrich/dns_message.h"
#include "enrich/dnsmasq.h"
#include "lab/lab.h"

extern char** environ;

namespace colotrace::enrich {
namespace {

using net::IpAddress;
using Clock = std::chrono::steady_clock;

IpAddress Ip(const char* text) {
  return IpAddress::Parse(text).value();
}

int64_t MsSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

class ReverseDnsLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why_not;
    if (!lab::Lab::CanRun(&why_not)) GTEST_SKIP() << why_not;
    char templ[] = "/tmp/reverse_dns_test.XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
    lab_ = std::make_unique<lab::Lab>("rdns");
    colo_ = lab_->AddNode("colo");
    dns_ = lab_->AddNode("dns");
    lab_->Link(colo_, "eth0", {"198.51.100.1/30", "2001:db8:0:1::1/64"}, dns_, "eth0",
               {"198.51.100.2/30", "2001:db8:0:1::2/64"});
  }
  void TearDown() override {
    servers_.clear();  // kill dnsmasq before the lab goes
    lab_.reset();
    std::error_code ec;
    if (!netns_etc_.empty()) std::filesystem::remove_all(netns_etc_, ec);
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  Dnsmasq& StartDnsmasq(uint16_t port, int ttl_s) {
    servers_.push_back(std::make_unique<Dnsmasq>(
        *lab_, dns_, port, ttl_s, dir_ + "/dnsmasq-" + std::to_string(port) + ".log"));
    return *servers_.back();
  }

  ReverseDnsOptions Options(std::vector<std::string> servers) {
    ReverseDnsOptions o;
    o.dns.netns = colo_;
    o.dns.servers = std::move(servers);
    o.dns.timeout_ms = 500;
    o.dns.tries = 2;
    return o;
  }

  std::unique_ptr<ReverseDns> Make(const ReverseDnsOptions& options) {
    auto r = ReverseDns::Create(options);
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? std::move(*r) : nullptr;
  }

  std::string dir_, netns_etc_;
  std::unique_ptr<lab::Lab> lab_;
  std::string colo_, dns_;
  std::vector<std::unique_ptr<Dnsmasq>> servers_;
};

TEST_F(ReverseDnsLabTest, NamesOverIpv4AndIpv6) {
  StartDnsmasq(53, 300);
  for (std::string server : {std::string(kDnsV4), "[" + std::string(kDnsV6) + "]:53"}) {
    SCOPED_TRACE(server);
    auto rdns = Make(Options({server}));
    ASSERT_TRUE(rdns);
    auto names = rdns->LookupAll(
        {Ip("203.0.113.1"), Ip("198.51.100.2"), Ip("2001:db8:ff::1"), Ip("203.0.113.77")}, 5000);
    ASSERT_EQ(names.size(), 4u);
    EXPECT_EQ(names[0], "target.lab.example");
    EXPECT_EQ(names[1], "r1.lab.example");
    EXPECT_EQ(names[2], "target6.lab.example");
    EXPECT_EQ(names[3], std::nullopt);  // no PTR: NXDOMAIN
    auto stats = rdns->stats();
    EXPECT_EQ(stats.names, 3u);
    EXPECT_EQ(stats.no_names, 1u);
    EXPECT_EQ(stats.failures, 0u);
  }
}

TEST_F(ReverseDnsLabTest, AsynchronousLookupCallsBackOnce) {
  StartDnsmasq(53, 300);
  auto rdns = Make(Options({kDnsV4}));
  ASSERT_TRUE(rdns);
  std::promise<std::optional<std::string>> got;
  std::atomic<int> calls{0};
  rdns->Lookup(Ip("203.0.113.1"), [&](std::optional<std::string> name) {
    if (++calls == 1) got.set_value(std::move(name));
  });
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(future.get(), "target.lab.example");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(ReverseDnsLabTest, SecondLookupIsAnsweredFromTheCache) {
  Dnsmasq& dnsmasq = StartDnsmasq(53, 300);
  auto rdns = Make(Options({kDnsV4}));
  ASSERT_TRUE(rdns);
  // Five lookups of one address at once share one query.
  auto first = rdns->LookupAll({Ip("203.0.113.1"), Ip("203.0.113.1"), Ip("203.0.113.1"),
                                Ip("203.0.113.1"), Ip("203.0.113.77")},
                               5000);
  EXPECT_EQ(first[0], "target.lab.example");
  EXPECT_EQ(first[3], "target.lab.example");
  EXPECT_EQ(rdns->stats().queries, 2u);
  EXPECT_EQ(dnsmasq.PtrQueries(), 2) << dnsmasq.Log();

  dnsmasq.Stop();  // the server is gone: only the cache can answer now
  // (The first round's own hits depend on timing: lookups that start after the answer came
  // are hits rather than joining the query.)
  uint64_t hits_before = rdns->stats().cache_hits;
  auto start = Clock::now();
  auto second = rdns->LookupAll({Ip("203.0.113.1"), Ip("203.0.113.77")}, 5000);
  EXPECT_LT(MsSince(start), 1000);
  EXPECT_EQ(second[0], "target.lab.example");
  EXPECT_EQ(second[1], std::nullopt);  // negative answers are cached too
  EXPECT_EQ(rdns->stats().queries, 2u);
  EXPECT_EQ(rdns->stats().cache_hits - hits_before, 2u);
  auto cached = rdns->Cached(Ip("203.0.113.1"));
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(*cached, "target.lab.example");
  dnsmasq.Continue();
  EXPECT_EQ(dnsmasq.PtrQueries(), 2) << dnsmasq.Log();
}

TEST_F(ReverseDnsLabTest, HonoursTheRecordTtl) {
  Dnsmasq& dnsmasq = StartDnsmasq(5354, 1);  // every record with TTL 1 s
  auto rdns = Make(Options({std::string(kDnsV4) + ":5354"}));
  ASSERT_TRUE(rdns);
  EXPECT_EQ(rdns->LookupAll({Ip("203.0.113.1")}, 5000)[0], "target.lab.example");
  EXPECT_EQ(rdns->LookupAll({Ip("203.0.113.1")}, 5000)[0], "target.lab.example");
  EXPECT_EQ(rdns->stats().queries, 1u);  // within the TTL: cached
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_FALSE(rdns->Cached(Ip("203.0.113.1")).has_value());
  EXPECT_EQ(rdns->LookupAll({Ip("203.0.113.1")}, 5000)[0], "target.lab.example");
  EXPECT_EQ(rdns->stats().queries, 2u);  // expired: asked again
  EXPECT_EQ(dnsmasq.PtrQueries(), 2) << dnsmasq.Log();
}

TEST_F(ReverseDnsLabTest, SilentResolverCostsOnlyTheBudget) {
  Dnsmasq& dnsmasq = StartDnsmasq(53, 300);
  ReverseDnsOptions options = Options({kDnsV4});
  options.dns.timeout_ms = 5000;  // c-ares alone would wait far longer than the budget
  auto rdns = Make(options);
  ASSERT_TRUE(rdns);
  dnsmasq.Stop();
  constexpr int kBudgetMs = 300;
  auto start = Clock::now();
  auto names = rdns->LookupAll({Ip("203.0.113.1"), Ip("2001:db8:ff::1")}, kBudgetMs);
  int64_t elapsed = MsSince(start);
  EXPECT_GE(elapsed, kBudgetMs - 5);
  EXPECT_LT(elapsed, 3 * kBudgetMs + 200);
  EXPECT_EQ(names, (std::vector<std::optional<std::string>>{std::nullopt, std::nullopt}));

  // The answers that come after the budget still fill the cache.
  dnsmasq.Continue();
  std::optional<std::optional<std::string>> cached;
  for (int i = 0; i < 100 && !cached; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cached = rdns->Cached(Ip("2001:db8:ff::1"));
  }
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(*cached, "target6.lab.example");
  EXPECT_EQ(rdns->LookupAll({Ip("203.0.113.1")}, 0)[0], "target.lab.example");
}

TEST_F(ReverseDnsLabTest, NobodyListeningGivesNoName) {
  // A lab address and port where nothing listens: the query fails (port unreachable), fast.
  auto rdns = Make(Options({std::string(kDnsV4) + ":5399"}));
  ASSERT_TRUE(rdns);
  auto start = Clock::now();
  auto names = rdns->LookupAll({Ip("203.0.113.1")}, 3000);
  EXPECT_LT(MsSince(start), 3 * 3000 + 200);
  EXPECT_EQ(names[0], std::nullopt);
  EXPECT_EQ(rdns->stats().failures, 1u);
}

TEST_F(ReverseDnsLabTest, DestroyingWithLookupsRunningAnswersThem) {
  Dnsmasq& dnsmasq = StartDnsmasq(53, 300);
  ReverseDnsOptions options = Options({kDnsV4});
  options.dns.timeout_ms = 5000;
  auto rdns = Make(options);
  ASSERT_TRUE(rdns);
  dnsmasq.Stop();
  std::promise<std::optional<std::string>> got;
  rdns->Lookup(Ip("203.0.113.1"), [&](std::optional<std::string> name) { got.set_value(name); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  rdns.reset();
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(1)), std::future_status::ready);
  EXPECT_EQ(future.get(), std::nullopt);
}

TEST_F(ReverseDnsLabTest, UsesTheNamespaceResolvConf) {
  StartDnsmasq(53, 300);
  netns_etc_ = "/etc/netns/" + colo_;
  std::filesystem::create_directories(netns_etc_);
  {
    std::ofstream out(netns_etc_ + "/resolv.conf");
    out << "nameserver " << kDnsV4 << "\n";
  }
  // Guard: never let the test fall back to the machine's own resolver.
  ASSERT_EQ(ResolvConfPathFor(colo_), netns_etc_ + "/resolv.conf");
  auto rdns = Make(Options({}));
  ASSERT_TRUE(rdns);
  EXPECT_EQ(rdns->LookupAll({Ip("203.0.113.1")}, 5000)[0], "target.lab.example");
}

TEST_F(ReverseDnsLabTest, UnknownNamespaceIsAnError) {
  ReverseDnsOptions options = Options({kDnsV4});
  options.dns.netns = lab::Lab::ProcessPrefix() + "rdns-nosuch";
  auto r = ReverseDns::Create(options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("rdns-nosuch"), std::string::npos) << r.error();
}

TEST_F(ReverseDnsLabTest, CymruAsnSharesTheClient) {
  StartDnsmasq(53, 300);
  DnsClientOptions dns;
  dns.netns = colo_;
  dns.servers = {kDnsV4};
  dns.timeout_ms = 500;
  auto client = DnsClient::Create(dns);
  ASSERT_TRUE(client.ok()) << client.error();
  std::shared_ptr<DnsClient> shared = std::move(*client);
  auto cymru = CymruAsn::Create(shared, {.sync_budget_ms = 3000});
  ASSERT_TRUE(cymru.ok()) << cymru.error();
  auto rdns = ReverseDns::Create(shared, ReverseDnsOptions{});
  ASSERT_TRUE(rdns.ok()) << rdns.error();

  auto asns =
      (*cymru)->LookupAll({Ip("203.0.113.1"), Ip("2001:db8:ff::1"), Ip("198.51.100.9")}, 5000);
  EXPECT_EQ(asns[0], 64501u);
  EXPECT_EQ(asns[1], 64502u);
  EXPECT_EQ(asns[2], std::nullopt);
  EXPECT_EQ(AsnText((*cymru)->Lookup(Ip("203.0.113.1"))), "AS64501");  // cached
  EXPECT_EQ((*cymru)->queries(), 3u);
  EXPECT_EQ((*rdns)->LookupAll({Ip("203.0.113.1")}, 5000)[0], "target.lab.example");
  EXPECT_EQ(shared->queries_started(), 4u);
}

}  // namespace
}  // namespace colotrace::enrich
