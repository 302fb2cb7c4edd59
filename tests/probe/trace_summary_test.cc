#include "probe/trace_summary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace colotrace::probe {
namespace {

using net::IpAddress;

IpAddress Addr(const char* text) {
  auto a = IpAddress::Parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

ProbeOutcome Answered(int ttl, const char* from, double rtt, bool from_target = false,
                      std::vector<std::string> labels = {}) {
  ProbeOutcome p;
  p.ttl = ttl;
  p.sent = true;
  p.answered = true;
  p.from = Addr(from);
  p.rtt_ms = rtt;
  p.from_target = from_target;
  p.labels = std::move(labels);
  return p;
}

ProbeOutcome Lost(int ttl) {
  ProbeOutcome p;
  p.ttl = ttl;
  p.sent = true;
  return p;
}

ProbeOutcome Unsent(int ttl) {
  ProbeOutcome p;
  p.ttl = ttl;
  return p;
}

TEST(RttAccumulatorTest, Empty) {
  RttAccumulator acc;
  model::RttStats s = acc.Stats();
  EXPECT_EQ(s.count, 0);
  EXPECT_EQ(s.min_ms, 0);
  EXPECT_EQ(s.mean_ms, 0);
  EXPECT_EQ(s.max_ms, 0);
  EXPECT_EQ(s.std_dev_ms, 0);
}

TEST(RttAccumulatorTest, SingleValue) {
  RttAccumulator acc;
  acc.Add(12.5);
  model::RttStats s = acc.Stats();
  EXPECT_EQ(s.count, 1);
  EXPECT_DOUBLE_EQ(s.min_ms, 12.5);
  EXPECT_DOUBLE_EQ(s.mean_ms, 12.5);
  EXPECT_DOUBLE_EQ(s.max_ms, 12.5);
  EXPECT_EQ(s.std_dev_ms, 0);
}

TEST(RttAccumulatorTest, PopulationStandardDeviation) {
  RttAccumulator acc;
  for (double v : {1.0, 2.0, 3.0, 4.0}) acc.Add(v);
  model::RttStats s = acc.Stats();
  EXPECT_EQ(s.count, 4);
  EXPECT_DOUBLE_EQ(s.min_ms, 1);
  EXPECT_DOUBLE_EQ(s.max_ms, 4);
  EXPECT_DOUBLE_EQ(s.mean_ms, 2.5);
  EXPECT_NEAR(s.std_dev_ms, 1.118033988749895, 1e-12);  // sqrt(1.25); the sample sd is 1.29
}

TEST(RttAccumulatorTest, OrderDoesNotMatter) {
  RttAccumulator acc;
  for (double v : {4.0, 1.0, 3.0, 2.0}) acc.Add(v);
  model::RttStats s = acc.Stats();
  EXPECT_DOUBLE_EQ(s.min_ms, 1);  // the first value is not the minimum
  EXPECT_DOUBLE_EQ(s.max_ms, 4);
  EXPECT_DOUBLE_EQ(s.mean_ms, 2.5);
  EXPECT_NEAR(s.std_dev_ms, 1.118033988749895, 1e-12);
}

TEST(RttAccumulatorTest, KnownSet) {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population sd exactly 2.
  RttAccumulator acc;
  for (double v : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) acc.Add(v);
  model::RttStats s = acc.Stats();
  EXPECT_EQ(s.count, 8);
  EXPECT_DOUBLE_EQ(s.mean_ms, 5);
  EXPECT_NEAR(s.std_dev_ms, 2, 1e-12);
  EXPECT_DOUBLE_EQ(s.min_ms, 2);
  EXPECT_DOUBLE_EQ(s.max_ms, 9);
}

TEST(RttAccumulatorTest, EqualValuesHaveZeroDeviation) {
  RttAccumulator acc;
  for (int i = 0; i < 10; ++i) acc.Add(0.1);
  model::RttStats s = acc.Stats();
  EXPECT_EQ(s.count, 10);
  EXPECT_NEAR(s.mean_ms, 0.1, 1e-15);
  EXPECT_GE(s.std_dev_ms, 0);
  EXPECT_LT(s.std_dev_ms, 1e-9);
  EXPECT_FALSE(std::isnan(s.std_dev_ms));
}

TEST(RttAccumulatorTest, MatchesTwoPassComputation) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> dist(0.01, 5000);
  for (int round = 0; round < 50; ++round) {
    std::vector<double> v(1 + rng() % 640);
    for (auto& x : v) x = dist(rng);
    RttAccumulator acc;
    for (double x : v) acc.Add(x);
    double mean = 0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(v.size());
    double m2 = 0;
    for (double x : v) m2 += (x - mean) * (x - mean);
    model::RttStats s = acc.Stats();
    EXPECT_EQ(s.count, static_cast<int>(v.size()));
    EXPECT_NEAR(s.mean_ms, mean, 1e-9 * mean);
    EXPECT_NEAR(s.std_dev_ms, std::sqrt(m2 / static_cast<double>(v.size())), 1e-6);
    EXPECT_EQ(s.min_ms, *std::min_element(v.begin(), v.end()));
    EXPECT_EQ(s.max_ms, *std::max_element(v.begin(), v.end()));
  }
}

TEST(RttAccumulatorTest, LargeOffsetStaysAccurate) {
  // Welford's method: no catastrophic cancellation with a large common offset.
  RttAccumulator acc;
  for (double v : {1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4}) acc.Add(v);
  EXPECT_NEAR(acc.Stats().std_dev_ms, 1.118033988749895, 1e-6);
}

TEST(SummarizeTest, HopsOneToLastTtlOnly) {
  std::vector<ProbeOutcome> probes = {Answered(1, "192.0.2.1", 1),  Answered(2, "192.0.2.2", 2),
                                      Answered(3, "192.0.2.3", 3),  Answered(4, "192.0.2.4", 4),
                                      Answered(0, "192.0.2.99", 9), Answered(-1, "192.0.2.98", 9)};
  model::ColoResult r;
  Summarize(probes, 3, Addr("198.51.100.9"), &r);
  ASSERT_EQ(r.hops.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const model::Hop& h = r.hops[static_cast<size_t>(i)];
    EXPECT_EQ(h.packets_ttl, i + 1);
    EXPECT_EQ(h.packets_sent, 1);
    EXPECT_EQ(h.packets_lost, 0);
    ASSERT_EQ(h.nodes.size(), 1u);
    EXPECT_EQ(h.nodes[0].ip, "192.0.2." + std::to_string(i + 1));
  }
}

TEST(SummarizeTest, NoHops) {
  std::vector<ProbeOutcome> probes = {Answered(1, "192.0.2.1", 1, true)};
  for (int last : {0, -5}) {
    model::ColoResult r;
    r.hops.resize(4);  // replaced, not appended to
    Summarize(probes, last, Addr("198.51.100.9"), &r);
    EXPECT_TRUE(r.hops.empty()) << last;
    EXPECT_EQ(r.target_summary.latency.count, 0) << last;
    EXPECT_EQ(r.target_summary.ip, "198.51.100.9");
  }
}

TEST(SummarizeTest, SentAndLostPerHop) {
  std::vector<ProbeOutcome> probes = {
      Lost(1),
      Answered(1, "192.0.2.1", 1),
      Lost(1),  // ttl 1: 3 sent, 2 lost
      Lost(2),
      Lost(2),
      Lost(2),  // ttl 2: silent
      Unsent(3),
      Unsent(3),
      Unsent(3),  // ttl 3: nothing sent yet
      Answered(4, "192.0.2.4", 4),
      Answered(4, "192.0.2.4", 5),
      Unsent(4),
  };
  model::ColoResult r;
  Summarize(probes, 4, Addr("198.51.100.9"), &r);
  ASSERT_EQ(r.hops.size(), 4u);
  EXPECT_EQ(r.hops[0].packets_sent, 3);
  EXPECT_EQ(r.hops[0].packets_lost, 2);
  ASSERT_EQ(r.hops[0].nodes.size(), 1u);
  EXPECT_EQ(r.hops[0].nodes[0].rtt.count, 1);

  EXPECT_EQ(r.hops[1].packets_sent, 3);
  EXPECT_EQ(r.hops[1].packets_lost, 3);
  EXPECT_TRUE(r.hops[1].nodes.empty());

  EXPECT_EQ(r.hops[2].packets_ttl, 3);
  EXPECT_EQ(r.hops[2].packets_sent, 0);
  EXPECT_EQ(r.hops[2].packets_lost, 0);
  EXPECT_TRUE(r.hops[2].nodes.empty());

  EXPECT_EQ(r.hops[3].packets_sent, 2);
  EXPECT_EQ(r.hops[3].packets_lost, 0);
  ASSERT_EQ(r.hops[3].nodes.size(), 1u);
  EXPECT_EQ(r.hops[3].nodes[0].rtt.count, 2);
  EXPECT_DOUBLE_EQ(r.hops[3].nodes[0].rtt.mean_ms, 4.5);
}

TEST(SummarizeTest, UnsentAnsweredProbeIsNotCounted) {
  ProbeOutcome odd = Answered(1, "192.0.2.1", 1, true);
  odd.sent = false;
  model::ColoResult r;
  Summarize({odd}, 1, Addr("192.0.2.1"), &r);
  ASSERT_EQ(r.hops.size(), 1u);
  EXPECT_EQ(r.hops[0].packets_sent, 0);
  EXPECT_TRUE(r.hops[0].nodes.empty());
  EXPECT_EQ(r.target_summary.latency.count, 0);
}

TEST(SummarizeTest, TwoAddressesAtOneTtlInFirstAnswerOrder) {
  std::vector<ProbeOutcome> probes = {
      Answered(1, "192.0.2.20", 3),
      Answered(1, "192.0.2.10", 1),
      Answered(1, "192.0.2.20", 5),
      Lost(1),
  };
  model::ColoResult r;
  Summarize(probes, 1, Addr("198.51.100.9"), &r);
  ASSERT_EQ(r.hops.size(), 1u);
  EXPECT_EQ(r.hops[0].packets_sent, 4);
  EXPECT_EQ(r.hops[0].packets_lost, 1);
  ASSERT_EQ(r.hops[0].nodes.size(), 2u);
  const model::Node& a = r.hops[0].nodes[0];
  const model::Node& b = r.hops[0].nodes[1];
  EXPECT_EQ(a.ip, "192.0.2.20");  // answered first, though its address sorts later
  EXPECT_EQ(a.name, "192.0.2.20");
  EXPECT_EQ(a.asn, "");
  EXPECT_EQ(a.rtt.count, 2);
  EXPECT_DOUBLE_EQ(a.rtt.min_ms, 3);
  EXPECT_DOUBLE_EQ(a.rtt.mean_ms, 4);
  EXPECT_DOUBLE_EQ(a.rtt.max_ms, 5);
  EXPECT_DOUBLE_EQ(a.rtt.std_dev_ms, 1);
  EXPECT_EQ(b.ip, "192.0.2.10");
  EXPECT_EQ(b.rtt.count, 1);
  EXPECT_DOUBLE_EQ(b.rtt.mean_ms, 1);
  EXPECT_EQ(b.rtt.std_dev_ms, 0);
}

TEST(SummarizeTest, ProbesInAnyOrder) {
  std::vector<ProbeOutcome> probes = {Answered(3, "192.0.2.3", 30), Lost(1),
                                      Answered(2, "192.0.2.2", 20), Answered(1, "192.0.2.1", 10),
                                      Answered(3, "192.0.2.3", 32)};
  model::ColoResult r;
  Summarize(probes, 3, Addr("198.51.100.9"), &r);
  ASSERT_EQ(r.hops.size(), 3u);
  EXPECT_EQ(r.hops[0].packets_sent, 2);
  EXPECT_EQ(r.hops[0].packets_lost, 1);
  EXPECT_EQ(r.hops[0].nodes.at(0).ip, "192.0.2.1");
  EXPECT_EQ(r.hops[1].nodes.at(0).ip, "192.0.2.2");
  EXPECT_EQ(r.hops[2].nodes.at(0).ip, "192.0.2.3");
  EXPECT_DOUBLE_EQ(r.hops[2].nodes.at(0).rtt.mean_ms, 31);
}

TEST(SummarizeTest, LabelsAreUnionedWithoutDuplicates) {
  std::vector<ProbeOutcome> probes = {
      Answered(2, "192.0.2.2", 1, false, {"MPLS L=24001 TC=0 S=1 TTL=1"}),
      Answered(2, "192.0.2.2", 1, false, {"MPLS L=24001 TC=0 S=1 TTL=1", "!H"}),
      Answered(2, "192.0.2.3", 1, false, {"!X"}),
      Answered(2, "192.0.2.2", 1, false, {"!H", "MPLS L=24002 TC=0 S=1 TTL=1"}),
      Answered(2, "192.0.2.2", 1, false, {}),
  };
  model::ColoResult r;
  Summarize(probes, 2, Addr("198.51.100.9"), &r);
  ASSERT_EQ(r.hops.size(), 2u);
  ASSERT_EQ(r.hops[1].nodes.size(), 2u);
  EXPECT_EQ(r.hops[1].nodes[0].labels,
            (std::vector<std::string>{"MPLS L=24001 TC=0 S=1 TTL=1", "!H",
                                      "MPLS L=24002 TC=0 S=1 TTL=1"}));
  EXPECT_EQ(r.hops[1].nodes[1].labels, (std::vector<std::string>{"!X"}));  // not shared
  EXPECT_TRUE(r.hops[0].nodes.empty());
}

TEST(SummarizeTest, TargetSummaryFromTargetRepliesWithinLastTtl) {
  std::vector<ProbeOutcome> probes = {
      Answered(1, "192.0.2.1", 1),              // a router
      Answered(2, "198.51.100.9", 10, true),    // the target
      Answered(2, "198.51.100.9", 14, true),    //
      Answered(2, "198.51.100.10", 12, true),   // another address of the target (SYN-ACK)
      Answered(2, "192.0.2.2", 99, false),      // a router at the same TTL
      Answered(3, "198.51.100.9", 1000, true),  // beyond last_ttl: not counted
  };
  model::ColoResult r;
  r.colo.name = "ams";
  r.traceroute_time_ms = 77;
  r.target_summary.asn = "AS64500";
  Summarize(probes, 2, Addr("198.51.100.9"), &r);
  ASSERT_EQ(r.hops.size(), 2u);
  EXPECT_EQ(r.hops[1].nodes.size(), 3u);
  const model::RttStats& s = r.target_summary.latency;
  EXPECT_EQ(s.count, 3);
  EXPECT_DOUBLE_EQ(s.min_ms, 10);
  EXPECT_DOUBLE_EQ(s.mean_ms, 12);
  EXPECT_DOUBLE_EQ(s.max_ms, 14);
  EXPECT_NEAR(s.std_dev_ms, std::sqrt(8.0 / 3.0), 1e-12);
  EXPECT_EQ(r.target_summary.ip, "198.51.100.9");
  EXPECT_EQ(r.target_summary.name, "198.51.100.9");
  // What Summarize does not own is left alone.
  EXPECT_EQ(r.colo.name, "ams");
  EXPECT_EQ(r.traceroute_time_ms, 77);
  EXPECT_EQ(r.target_summary.asn, "AS64500");
}

TEST(SummarizeTest, TargetThatNeverAnswered) {
  std::vector<ProbeOutcome> probes = {Answered(1, "2001:db8::1", 1), Lost(2), Lost(2)};
  model::ColoResult r;
  Summarize(probes, 2, Addr("2001:db8:1::9"), &r);
  EXPECT_EQ(r.target_summary.latency.count, 0);
  EXPECT_EQ(r.target_summary.latency.mean_ms, 0);
  EXPECT_EQ(r.target_summary.ip, "2001:db8:1::9");
  EXPECT_EQ(r.target_summary.name, "2001:db8:1::9");
  ASSERT_EQ(r.hops.size(), 2u);
  EXPECT_EQ(r.hops[0].nodes.at(0).ip, "2001:db8::1");
  EXPECT_EQ(r.hops[1].packets_lost, 2);
}

TEST(SummarizeTest, SameAddressAtDifferentTtlsIsOneNodePerHop) {
  std::vector<ProbeOutcome> probes = {Answered(1, "192.0.2.1", 1), Answered(2, "192.0.2.1", 2),
                                      Answered(2, "192.0.2.1", 4)};
  model::ColoResult r;
  Summarize(probes, 2, Addr("198.51.100.9"), &r);
  ASSERT_EQ(r.hops.size(), 2u);
  ASSERT_EQ(r.hops[0].nodes.size(), 1u);
  ASSERT_EQ(r.hops[1].nodes.size(), 1u);
  EXPECT_EQ(r.hops[0].nodes[0].rtt.count, 1);
  EXPECT_EQ(r.hops[1].nodes[0].rtt.count, 2);
  EXPECT_DOUBLE_EQ(r.hops[1].nodes[0].rtt.mean_ms, 3);
}

TEST(SummarizeTest, V4AndV6AddressesWithSameBytesAreDistinctNodes) {
  ProbeOutcome a = Answered(1, "192.0.2.1", 1);
  ProbeOutcome b = a;
  uint8_t v6[16] = {192, 0, 2, 1};
  b.from = IpAddress::V6(v6);
  model::ColoResult r;
  Summarize({a, b}, 1, Addr("198.51.100.9"), &r);
  ASSERT_EQ(r.hops.size(), 1u);
  EXPECT_EQ(r.hops[0].nodes.size(), 2u);
}

model::ColoResult Half(const std::vector<std::vector<std::string>>& nodes_per_hop, int sent,
                       int lost, model::RttStats target) {
  model::ColoResult r;
  for (size_t i = 0; i < nodes_per_hop.size(); ++i) {
    model::Hop h;
    h.packets_ttl = static_cast<int>(i) + 1;
    h.packets_sent = sent;
    h.packets_lost = lost;
    for (const auto& ip : nodes_per_hop[i]) {
      model::Node n;
      n.ip = n.name = ip;
      n.rtt.count = sent - lost;
      h.nodes.push_back(n);
    }
    r.hops.push_back(h);
  }
  r.target_summary.ip = r.target_summary.name = "198.51.100.9";
  r.target_summary.latency = target;
  r.traceroute_time_ms = 10 * static_cast<int64_t>(nodes_per_hop.size());
  return r;
}

TEST(MergeGreIcmpTest, NodesOfBothTracesWithTheirLabels) {
  auto gre = Half({{"192.0.2.1"}, {}, {}}, 3, 0, {});
  gre.hops[1].packets_lost = gre.hops[2].packets_lost = 3;
  auto icmp = Half({{"192.0.2.1"}, {"192.0.2.5"}}, 3, 0, {3, 1, 2, 3, 0.816497});
  model::ColoResult m = MergeGreIcmp(gre, icmp);
  ASSERT_EQ(m.hops.size(), 3u);
  ASSERT_EQ(m.hops[0].nodes.size(), 2u);  // the same router once per traceroute
  EXPECT_EQ(m.hops[0].nodes[0].labels, std::vector<std::string>{"gre"});
  EXPECT_EQ(m.hops[0].nodes[1].labels, std::vector<std::string>{"icmp"});
  EXPECT_EQ(m.hops[0].packets_sent, 6);
  EXPECT_EQ(m.hops[1].packets_lost, 3);
  ASSERT_EQ(m.hops[1].nodes.size(), 1u);
  EXPECT_EQ(m.hops[1].nodes[0].ip, "192.0.2.5");
  EXPECT_EQ(m.hops[2].packets_sent, 3);  // only the GRE trace reached TTL 3
  EXPECT_EQ(m.hops[2].packets_ttl, 3);
  EXPECT_EQ(m.target_summary.latency.count, 3);
  EXPECT_EQ(m.traceroute_time_ms, 30);
}

TEST(MergeGreIcmpTest, AnErrorOfEitherHalfIsTheResult) {
  auto ok = Half({{"192.0.2.1"}}, 3, 0, {});
  auto failed = ok;
  failed.error = model::ColoError::kCannotProbe;
  EXPECT_EQ(MergeGreIcmp(failed, ok).error, model::ColoError::kCannotProbe);
  EXPECT_EQ(MergeGreIcmp(ok, failed).error, model::ColoError::kCannotProbe);
}

TEST(PoolStatsTest, EqualsTheStatisticsOfAllValues) {
  RttAccumulator a, b, all;
  for (double v : {1.0, 2.0, 3.5}) {
    a.Add(v);
    all.Add(v);
  }
  for (double v : {10.0, 0.5}) {
    b.Add(v);
    all.Add(v);
  }
  model::RttStats pooled = PoolStats(a.Stats(), b.Stats());
  model::RttStats expected = all.Stats();
  EXPECT_EQ(pooled.count, expected.count);
  EXPECT_DOUBLE_EQ(pooled.min_ms, expected.min_ms);
  EXPECT_DOUBLE_EQ(pooled.max_ms, expected.max_ms);
  EXPECT_NEAR(pooled.mean_ms, expected.mean_ms, 1e-9);
  EXPECT_NEAR(pooled.std_dev_ms, expected.std_dev_ms, 1e-9);
  EXPECT_EQ(PoolStats(model::RttStats{}, a.Stats()).count, 3);
}

}  // namespace
}  // namespace colotrace::probe
