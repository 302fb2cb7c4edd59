// TraceScheduler against a simulated network with a manual clock (sim_network.h): no root, no
// sockets. The lab tests (engine_integration_test.cc) check the same engine on real routers.
#include "probe/trace_scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "probe/gre_icmp_join.h"
#include "sim_network.h"

namespace colotrace::probe {
namespace {

using model::ColoError;
using model::ColoResult;
using model::PacketType;
using sim::kMs;
using sim::Path;
using sim::Router;
using sim::SentProbe;
using sim::SimNetwork;

// r1 .. rN at 198.51.100.<k>, each `rtt_ms` away, then the target.
Path Chain(int routers, double rtt_ms = 10) {
  Path p;
  for (int k = 1; k <= routers; ++k) {
    p.routers.push_back(
        Router{"198.51.100." + std::to_string(10 + k), rtt_ms, false, nullptr, nullptr});
  }
  p.target.rtt_ms = rtt_ms;
  return p;
}

model::TraceOptions Options(PacketType type = PacketType::kIcmp, int max_ttl = 15,
                            int packets_per_ttl = 3, int wait_time_s = 1) {
  model::TraceOptions o;
  o.packet_type = type;
  o.max_ttl = max_ttl;
  o.packets_per_ttl = packets_per_ttl;
  o.wait_time_s = wait_time_s;
  return o;
}

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest() { Reset(); }

  void Reset(SchedulerOptions options = {}) {
    options.seed = options.seed == 0 ? 7 : options.seed;
    scheduler_ = std::make_unique<TraceScheduler>(net_, options);
  }

  // Begins a trace now; its result lands in the returned slot.
  std::shared_ptr<std::optional<ColoResult>> Begin(const std::string& target,
                                                   const model::TraceOptions& options,
                                                   std::vector<model::Hop>* hops = nullptr) {
    auto out = std::make_shared<std::optional<ColoResult>>();
    TraceRequest request;
    request.target = sim::Ip(target);
    request.options = options;
    if (hops != nullptr) request.on_hop = [hops](const model::Hop& h) { hops->push_back(h); };
    scheduler_->Begin(
        request, [out](ColoResult r) { *out = std::move(r); }, net_.now_ns, net_.now_ns);
    return out;
  }

  ColoResult Trace(const std::string& target, const model::TraceOptions& options,
                   std::vector<model::Hop>* hops = nullptr) {
    size_t first_probe = net_.sent.size();
    auto out = Begin(target, options, hops);
    sim::RunUntilIdle(*scheduler_, net_);
    probes_of_last_trace_ = net_.sent.size() - first_probe;
    EXPECT_TRUE(out->has_value()) << "the trace did not finish";
    return out->value_or(ColoResult{});
  }

  // The first answering address per hop, "*" for a silent hop.
  static std::vector<std::string> Addresses(const ColoResult& r) {
    std::vector<std::string> out;
    for (const auto& h : r.hops) out.push_back(h.nodes.empty() ? "*" : h.nodes[0].ip);
    return out;
  }

  SimNetwork net_;
  std::unique_ptr<TraceScheduler> scheduler_;
  size_t probes_of_last_trace_ = 0;
};

const char* kTarget = "203.0.113.1";

TEST_F(SchedulerTest, CleanChainFindsEveryHopInOnePathRtt) {
  net_.paths[kTarget] = Chain(4);
  ColoResult r = Trace(kTarget, Options());
  ASSERT_EQ(r.error, ColoError::kNone);
  EXPECT_EQ(Addresses(r), (std::vector<std::string>{"198.51.100.11", "198.51.100.12",
                                                    "198.51.100.13", "198.51.100.14", kTarget}));
  for (const auto& h : r.hops) {
    EXPECT_EQ(h.packets_sent, 3);
    EXPECT_EQ(h.packets_lost, 0);
    EXPECT_DOUBLE_EQ(h.nodes[0].rtt.mean_ms, 10.0);
  }
  EXPECT_EQ(r.target_summary.latency.count, 3);
  // All TTLs went out before the first reply (45 probes 20 us apart = 0.9 ms < 10 ms), and the
  // trace ends with the last answer: about one RTT.
  EXPECT_EQ(probes_of_last_trace_, 45u);
  EXPECT_LE(r.traceroute_time_ms, 11);
}

TEST_F(SchedulerTest, SilentHopIsLostAndCostsOneWait) {
  net_.paths[kTarget] = Chain(4);
  net_.paths[kTarget].routers[2].silent = true;
  ColoResult r = Trace(kTarget, Options());
  ASSERT_EQ(r.error, ColoError::kNone);
  EXPECT_EQ(Addresses(r), (std::vector<std::string>{"198.51.100.11", "198.51.100.12", "*",
                                                    "198.51.100.14", kTarget}));
  EXPECT_EQ(r.hops[2].packets_sent, 3);
  EXPECT_EQ(r.hops[2].packets_lost, 3);
  EXPECT_TRUE(r.hops[2].nodes.empty());
  // The silent hop's probes are waited for once (1 s), not once per probe or per hop.
  EXPECT_GE(r.traceroute_time_ms, 1000);
  EXPECT_LE(r.traceroute_time_ms, 1002);
}

TEST_F(SchedulerTest, LossyHopCountsExactlyWhatWasLost) {
  net_.paths[kTarget] = Chain(3);
  net_.paths[kTarget].routers[1].drop = [](int seen) { return seen % 3 == 2; };  // 2nd of 3
  ColoResult r = Trace(kTarget, Options());
  ASSERT_EQ(r.error, ColoError::kNone);
  ASSERT_EQ(r.hops.size(), 4u);
  EXPECT_EQ(r.hops[1].packets_sent, 3);
  EXPECT_EQ(r.hops[1].packets_lost, 1);
  EXPECT_EQ(r.hops[1].nodes[0].rtt.count, 2);
  for (size_t h : {0u, 2u, 3u}) EXPECT_EQ(r.hops[h].packets_lost, 0) << "hop " << h + 1;
}

TEST_F(SchedulerTest, RateLimitedTargetAnswersItsOwnTtlFirst) {
  // Linux limits port unreachables: 6 at once, then 1 per second. The first trace sends every
  // TTL before the first answer, and 36 of its probes reach the target; those of the target's
  // own TTL leave first and must be the ones answered.
  net_.paths[kTarget] = Chain(3);
  net_.paths[kTarget].target.burst = 6;
  ColoResult r = Trace(kTarget, Options(PacketType::kUdp));
  ASSERT_EQ(r.error, ColoError::kNone);
  ASSERT_EQ(r.hops.size(), 4u);
  EXPECT_EQ(r.hops[3].packets_lost, 0);
  EXPECT_EQ(r.target_summary.latency.count, 3);
  // Once the target's budget is back, the next trace remembers the distance and sends nothing
  // past the target: 12 probes, all answered.
  net_.now_ns += 6000 * kMs;
  r = Trace(kTarget, Options(PacketType::kUdp));
  EXPECT_EQ(probes_of_last_trace_, 12u);
  ASSERT_EQ(r.hops.size(), 4u);
  EXPECT_EQ(r.hops[3].packets_lost, 0);
}

TEST_F(SchedulerTest, ReplyFromAnotherAddressOfTheTargetEndsTheTrace) {
  net_.paths[kTarget] = Chain(2);
  net_.paths[kTarget].target.answer_from = "203.0.113.2";
  for (PacketType type : {PacketType::kIcmp, PacketType::kUdp, PacketType::kTcp}) {
    SCOPED_TRACE(std::string(model::PacketTypeName(type)));
    ColoResult r = Trace(kTarget, Options(type));
    ASSERT_EQ(r.error, ColoError::kNone);
    EXPECT_EQ(Addresses(r),
              (std::vector<std::string>{"198.51.100.11", "198.51.100.12", "203.0.113.2"}));
    EXPECT_EQ(r.target_summary.ip, kTarget);
    EXPECT_EQ(r.target_summary.latency.count, 3);
  }
}

TEST_F(SchedulerTest, DistanceMemoryFollowsAPathThatGrew) {
  net_.paths[kTarget] = Chain(3);  // the target at TTL 4
  Trace(kTarget, Options());
  net_.paths[kTarget] = Chain(5);  // now at TTL 6
  size_t first = net_.sent.size();
  ColoResult r = Trace(kTarget, Options());
  ASSERT_EQ(r.error, ColoError::kNone);
  EXPECT_EQ(r.hops.size(), 6u);
  EXPECT_EQ(r.hops[5].nodes[0].ip, kTarget);
  // Up to the remembered TTL 4 first; beyond it only once a router answered there.
  for (size_t i = first; i < first + 12; ++i) EXPECT_LE(net_.sent[i].ttl, 4);
  int64_t first_beyond = INT64_MAX;
  for (size_t i = first; i < net_.sent.size(); ++i) {
    if (net_.sent[i].ttl > 4) first_beyond = std::min(first_beyond, net_.sent[i].time_ns);
  }
  EXPECT_GE(first_beyond - net_.sent[first].time_ns, 10 * kMs);  // after the TTL 4 answer
  // And the next trace sends nothing past the new distance.
  Trace(kTarget, Options());
  EXPECT_EQ(probes_of_last_trace_, 18u);
}

TEST_F(SchedulerTest, DistanceMemoryWhenTheTargetWentQuiet) {
  net_.paths[kTarget] = Chain(3);
  Trace(kTarget, Options());
  net_.paths[kTarget].target.silent = true;
  ColoResult r = Trace(kTarget, Options());
  ASSERT_EQ(r.error, ColoError::kNone);
  // Up to the remembered distance, a wait, then on to max_ttl, another wait.
  EXPECT_EQ(r.hops.size(), 15u);
  for (size_t h = 3; h < 15; ++h) EXPECT_EQ(r.hops[h].packets_lost, 3) << "hop " << h + 1;
  EXPECT_GE(r.traceroute_time_ms, 2000);
  EXPECT_LE(r.traceroute_time_ms, 2003);
  // A trace that did not reach its target forgets it: the next sends every TTL at once.
  net_.paths[kTarget].target.silent = false;
  r = Trace(kTarget, Options());
  EXPECT_EQ(probes_of_last_trace_, 45u);
  EXPECT_EQ(r.hops.size(), 4u);
}

TEST_F(SchedulerTest, WaitTimeHoldsBothWays) {
  Path p = Chain(3);
  p.routers[0].rtt_ms = 999;   // in time
  p.routers[1].rtt_ms = 1001;  // too late
  p.routers[2].rtt_ms = 1;
  net_.paths[kTarget] = p;
  ColoResult r = Trace(kTarget, Options());
  ASSERT_EQ(r.hops.size(), 4u);
  EXPECT_EQ(r.hops[0].packets_lost, 0);
  EXPECT_DOUBLE_EQ(r.hops[0].nodes[0].rtt.max_ms, 999.0);
  EXPECT_EQ(r.hops[1].packets_lost, 3);
  EXPECT_TRUE(r.hops[1].nodes.empty());
  // With wait_time 2 the same late router counts.
  r = Trace(kTarget, Options(PacketType::kIcmp, 15, 3, 2));
  EXPECT_EQ(r.hops[1].packets_lost, 0);
  EXPECT_LE(r.traceroute_time_ms, 1002);  // and the trace does not wait the whole 2 s
}

TEST_F(SchedulerTest, AReplyStampedInTimeButReadLateStillCounts) {
  net_.paths[kTarget] = Chain(0);
  net_.paths[kTarget].target.silent = true;
  auto out = Begin(kTarget, Options(PacketType::kIcmp, 1, 1));
  scheduler_->SendDue(net_.now_ns);
  ASSERT_EQ(net_.sent.size(), 1u);
  const SentProbe& probe = net_.sent[0];
  // Stamped by the kernel at 990 ms, read at 1000.3 ms (within the grace): counts.
  net_.now_ns = probe.time_ns + 1000 * kMs + 300'000;
  Reply reply{SimNetwork::Answer(probe.flow, 0, ReplyKind::kEchoReply, sim::Ip(kTarget)),
              probe.time_ns + 990 * kMs + sim::kRealOffsetNs};
  scheduler_->OnReply(reply, net_.now_ns);
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ((*out)->target_summary.latency.count, 1);
  EXPECT_DOUBLE_EQ((*out)->target_summary.latency.max_ms, 990.0);
}

TEST_F(SchedulerTest, AReplyAfterExpiryIsIgnored) {
  net_.paths[kTarget] = Chain(0);
  net_.paths[kTarget].target.silent = true;
  auto out = Begin(kTarget, Options(PacketType::kIcmp, 1, 1));
  scheduler_->SendDue(net_.now_ns);
  const SentProbe probe = net_.sent.at(0);
  net_.now_ns = scheduler_->NextExpiryNs();
  EXPECT_EQ(net_.now_ns, probe.time_ns + 1000 * kMs + kExpiryGraceNs);
  scheduler_->ExpireDue(net_.now_ns);
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ((*out)->hops.at(0).packets_lost, 1);
  Reply reply{SimNetwork::Answer(probe.flow, 0, ReplyKind::kEchoReply, sim::Ip(kTarget)),
              probe.time_ns + 900 * kMs + sim::kRealOffsetNs};
  scheduler_->OnReply(reply, net_.now_ns);  // the trace is gone: nothing happens
  EXPECT_EQ(scheduler_->counters().replies_matched, 0u);
}

TEST_F(SchedulerTest, RealtimeClockStepCannotMakeNegativeOrHugeRtts) {
  net_.paths[kTarget] = Chain(0);
  net_.paths[kTarget].target.silent = true;
  auto out = Begin(kTarget, Options(PacketType::kIcmp, 1, 2));
  scheduler_->SendDue(net_.now_ns);
  net_.now_ns += 20'000;
  scheduler_->SendDue(net_.now_ns);
  ASSERT_EQ(net_.sent.size(), 2u);
  net_.now_ns += 5 * kMs;
  // One stamp from before the send (clock stepped back), one far later (stepped forward).
  scheduler_->OnReply(
      Reply{SimNetwork::Answer(net_.sent[0].flow, 0, ReplyKind::kEchoReply, sim::Ip(kTarget)),
            sim::kRealOffsetNs},
      net_.now_ns);
  scheduler_->OnReply(
      Reply{SimNetwork::Answer(net_.sent[1].flow, 1, ReplyKind::kEchoReply, sim::Ip(kTarget)),
            net_.now_ns + sim::kRealOffsetNs + 3600'000 * kMs},
      net_.now_ns);
  ASSERT_TRUE(out->has_value());
  EXPECT_GE((*out)->target_summary.latency.min_ms, 0.0);
  EXPECT_LE((*out)->target_summary.latency.max_ms, 5.0);
}

TEST_F(SchedulerTest, ZeroMeansTheDefaultAndOutOfRangeIsRefused) {
  net_.paths[kTarget] = Chain(20);
  net_.paths[kTarget].target.silent = true;
  ColoResult r = Trace(kTarget, Options(PacketType::kIcmp, 0, 0));
  ASSERT_EQ(r.error, ColoError::kNone);
  EXPECT_EQ(r.hops.size(), 15u);                              // max_ttl 0 = 15
  for (const auto& h : r.hops) EXPECT_EQ(h.packets_sent, 3);  // packets_per_ttl 0 = 3
  EXPECT_EQ(probes_of_last_trace_, 45u);

  for (auto bad : {Options(PacketType::kIcmp, 65), Options(PacketType::kIcmp, 15, 11),
                   Options(PacketType::kIcmp, 15, 3, 0), Options(PacketType::kIcmp, 15, 3, 6)}) {
    r = Trace(kTarget, bad);
    EXPECT_EQ(r.error, ColoError::kInternal);
    EXPECT_EQ(probes_of_last_trace_, 0u);
  }
}

TEST_F(SchedulerTest, MaxTtlReachedWithoutTheTarget) {
  net_.paths[kTarget] = Chain(10);
  ColoResult r = Trace(kTarget, Options(PacketType::kUdp, 5));
  ASSERT_EQ(r.error, ColoError::kNone);
  EXPECT_EQ(r.hops.size(), 5u);
  for (const auto& h : r.hops) EXPECT_EQ(h.packets_lost, 0);
  EXPECT_EQ(r.target_summary.latency.count, 0);
  EXPECT_EQ(probes_of_last_trace_, 15u);
  EXPECT_LE(r.traceroute_time_ms, 11);  // every probe answered: no wait
}

TEST_F(SchedulerTest, HopsAreReportedInOrderAsSoonAsFinalAndEqualTheResult) {
  Path p = Chain(4);
  p.routers[1].silent = true;  // hop 2 final only after the wait
  p.routers[0].rtt_ms = 50;    // hop 1 final after 50 ms
  net_.paths[kTarget] = p;
  std::vector<model::Hop> hops;
  std::vector<int64_t> at;
  auto out = std::make_shared<std::optional<ColoResult>>();
  TraceRequest request;
  request.target = sim::Ip(kTarget);
  request.options = Options();
  request.on_hop = [&](const model::Hop& h) {
    hops.push_back(h);
    at.push_back(net_.now_ns);
  };
  int64_t start = net_.now_ns;
  scheduler_->Begin(
      request, [out](ColoResult r) { *out = std::move(r); }, start, start);
  sim::RunUntilIdle(*scheduler_, net_);
  ASSERT_TRUE(out->has_value());
  const ColoResult& r = **out;
  ASSERT_EQ(hops.size(), r.hops.size());
  for (size_t i = 0; i < hops.size(); ++i) {
    EXPECT_EQ(hops[i].packets_ttl, static_cast<int>(i) + 1);
    EXPECT_EQ(hops[i].packets_sent, r.hops[i].packets_sent);
    EXPECT_EQ(hops[i].packets_lost, r.hops[i].packets_lost);
    ASSERT_EQ(hops[i].nodes.size(), r.hops[i].nodes.size());
    for (size_t n = 0; n < hops[i].nodes.size(); ++n) {
      EXPECT_EQ(hops[i].nodes[n].ip, r.hops[i].nodes[n].ip);
      EXPECT_EQ(hops[i].nodes[n].rtt.mean_ms, r.hops[i].nodes[n].rtt.mean_ms);
    }
  }
  // Hop 1 as soon as its last answer came (50 ms); hop 2 and everything behind it only after
  // hop 2's wait, though hops 3 to 5 had answered long before.
  EXPECT_LT(at[0] - start, 51 * kMs);
  for (size_t i = 1; i < at.size(); ++i) EXPECT_GE(at[i] - start, 1000 * kMs);
}

TEST_F(SchedulerTest, NoHopIsReportedPastTheEnd) {
  // The target answers probes of every TTL from 4 on; the first answer to arrive may come from
  // a higher TTL, but hops are reported only once lower TTLs are final: 1..4, never 5.
  Path p = Chain(3);
  p.target.rtt_ms = 1;
  net_.paths[kTarget] = p;
  std::vector<model::Hop> hops;
  ColoResult r = Trace(kTarget, Options(), &hops);
  ASSERT_EQ(r.hops.size(), 4u);
  ASSERT_EQ(hops.size(), 4u);
  EXPECT_EQ(hops.back().nodes.at(0).ip, kTarget);
}

TEST_F(SchedulerTest, GreAndIcmpHalvesMergeHopByHop) {
  // A GRE and an ICMP trace of one target, as the engine runs gre+icmp: the join merges both,
  // hop by hop while they run and at the end.
  net_.paths[kTarget] = Chain(2);
  std::vector<model::Hop> merged_hops;
  std::optional<ColoResult> merged;
  GreIcmpJoin join([&](const model::Hop& h) { merged_hops.push_back(h); },
                   [&](ColoResult r) { merged = std::move(r); });
  for (auto half : {GreIcmpJoin::kGre, GreIcmpJoin::kIcmp}) {
    TraceRequest request;
    request.target = sim::Ip(kTarget);
    request.options = Options(half == GreIcmpJoin::kGre ? PacketType::kGre : PacketType::kIcmp);
    request.on_hop = [&join, half](const model::Hop& h) { join.Hop(half, h); };
    scheduler_->Begin(
        request, [&join, half](ColoResult r) { join.Done(half, std::move(r)); }, net_.now_ns,
        net_.now_ns);
  }
  sim::RunUntilIdle(*scheduler_, net_);
  ASSERT_TRUE(merged.has_value());
  ASSERT_EQ(merged->error, ColoError::kNone);
  ASSERT_EQ(merged->hops.size(), 3u);
  for (const auto& h : merged->hops) {
    EXPECT_EQ(h.packets_sent, 6);
    ASSERT_EQ(h.nodes.size(), 2u);
    EXPECT_EQ(h.nodes[0].labels, std::vector<std::string>{"gre"});
    EXPECT_EQ(h.nodes[1].labels, std::vector<std::string>{"icmp"});
  }
  EXPECT_EQ(merged->target_summary.latency.count, 6);
  ASSERT_EQ(merged_hops.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(merged_hops[i].packets_ttl, static_cast<int>(i) + 1);
    EXPECT_EQ(merged_hops[i].nodes.size(), merged->hops[i].nodes.size());
  }
}

TEST(GreIcmpJoinTest, AHalfThatEndsEarlierLeavesItsLaterHopsToTheOther) {
  std::vector<model::Hop> merged_hops;
  std::optional<ColoResult> merged;
  GreIcmpJoin join([&](const model::Hop& h) { merged_hops.push_back(h); },
                   [&](ColoResult r) { merged = std::move(r); });
  auto hop = [](int ttl, const std::string& ip) {
    model::Hop h;
    h.packets_ttl = ttl;
    h.packets_sent = 3;
    model::Node n;
    n.ip = ip;
    n.rtt.count = 3;
    h.nodes.push_back(n);
    return h;
  };
  join.Hop(GreIcmpJoin::kIcmp, hop(1, "a"));
  EXPECT_TRUE(merged_hops.empty());  // GRE may still report hop 1
  join.Hop(GreIcmpJoin::kGre, hop(1, "a"));
  ASSERT_EQ(merged_hops.size(), 1u);
  join.Hop(GreIcmpJoin::kIcmp, hop(2, "b"));
  join.Hop(GreIcmpJoin::kIcmp, hop(3, "c"));
  EXPECT_EQ(merged_hops.size(), 1u);
  ColoResult gre;
  gre.hops = {hop(1, "a")};
  join.Done(GreIcmpJoin::kGre, gre);  // GRE ended at TTL 1: ICMP's hops 2 and 3 are final
  ASSERT_EQ(merged_hops.size(), 3u);
  EXPECT_EQ(merged_hops[2].nodes.at(0).labels, std::vector<std::string>{"icmp"});
  EXPECT_FALSE(merged.has_value());
  ColoResult icmp;
  icmp.hops = {hop(1, "a"), hop(2, "b"), hop(3, "c")};
  join.Done(GreIcmpJoin::kIcmp, icmp);
  ASSERT_TRUE(merged.has_value());
  EXPECT_EQ(merged->hops.size(), 3u);
  EXPECT_EQ(merged_hops.size(), 3u);
}

TEST_F(SchedulerTest, CannotProbeWithoutRouteFamilyOrSocket) {
  ColoResult r = Trace("192.0.2.9", Options());  // no path: no route
  EXPECT_EQ(r.error, ColoError::kCannotProbe);
  net_.paths["2001:db8:ff::1"] = Chain(1);
  net_.v6 = false;
  EXPECT_EQ(Trace("2001:db8:ff::1", Options()).error, ColoError::kCannotProbe);
  EXPECT_EQ(Trace("2001:db8:ff::1", Options(PacketType::kGre)).error, ColoError::kCannotProbe);
  net_.paths[kTarget] = Chain(1);
  net_.send_errors = {EPERM};  // the first probe refused: nothing can be probed
  EXPECT_EQ(Trace(kTarget, Options()).error, ColoError::kCannotProbe);
}

TEST_F(SchedulerTest, FullSendBufferIsRetriedNotLost) {
  net_.paths[kTarget] = Chain(1);
  net_.send_errors = {EAGAIN, ENOBUFS, 0};
  ColoResult r = Trace(kTarget, Options());
  ASSERT_EQ(r.error, ColoError::kNone);
  EXPECT_EQ(r.hops.size(), 2u);
  for (const auto& h : r.hops) EXPECT_EQ(h.packets_lost, 0);
}

TEST_F(SchedulerTest, IPv6AndEveryPacketType) {
  net_.paths["2001:db8:ff::1"] = Path{{Router{"2001:db8:1::1", 5, false, nullptr, nullptr},
                                       Router{"2001:db8:2::1", 5, false, nullptr, nullptr}},
                                      {}};
  for (PacketType type : {PacketType::kIcmp, PacketType::kUdp, PacketType::kTcp}) {
    SCOPED_TRACE(std::string(model::PacketTypeName(type)));
    ColoResult r = Trace("2001:db8:ff::1", Options(type));
    ASSERT_EQ(r.error, ColoError::kNone);
    EXPECT_EQ(Addresses(r),
              (std::vector<std::string>{"2001:db8:1::1", "2001:db8:2::1", "2001:db8:ff::1"}));
  }
}

TEST_F(SchedulerTest, TenThousandTracesAtOnceWithinTheSendBudget) {
  constexpr int kTraces = 10'000;
  SchedulerOptions options;
  options.max_packets_per_second = 100'000;
  Reset(options);
  std::vector<std::shared_ptr<std::optional<ColoResult>>> out;
  for (int i = 0; i < kTraces; ++i) {
    char target[40];
    std::snprintf(target, sizeof target, "2001:db8:ff::%x", i + 1);
    net_.paths[target] = Chain(1 + i % 5, 2 + i % 7);
    out.push_back(Begin(target, Options(PacketType::kUdp, 10, 2)));
  }
  EXPECT_EQ(scheduler_->active(), kTraces);
  int64_t start = net_.now_ns;
  sim::RunUntilIdle(*scheduler_, net_);
  EXPECT_EQ(scheduler_->active(), 0);
  for (int i = 0; i < kTraces; ++i) {
    ASSERT_TRUE(out[i]->has_value()) << i;
    const ColoResult& r = **out[i];
    ASSERT_EQ(r.error, ColoError::kNone);
    ASSERT_EQ(r.hops.size(), static_cast<size_t>(2 + i % 5)) << i;
    for (const auto& h : r.hops) ASSERT_EQ(h.packets_lost, 0) << i;  // no false loss
  }
  // Within the budget: no 10 ms window holds more than 10 ms of rate plus the burst.
  const auto& sent = net_.sent;
  size_t lo = 0;
  for (size_t hi = 0; hi < sent.size(); ++hi) {
    while (sent[hi].time_ns - sent[lo].time_ns >= 10 * kMs) ++lo;
    ASSERT_LE(hi - lo + 1, 1000u + 1000u) << "at probe " << hi;
  }
  double seconds = static_cast<double>(sent.back().time_ns - start) / 1e9;
  EXPECT_LE(static_cast<double>(sent.size()) / seconds, 100'000 * 1.05);
  // Limited by the budget, sending resumes in batches (kTokenWaitNs of budget each), not once
  // per token: the moments anything is sent are at most one per 250 us, plus the first burst.
  std::set<int64_t> moments;
  for (const auto& p : sent) moments.insert(p.time_ns);
  EXPECT_LE(static_cast<double>(moments.size()),
            seconds * 1e9 / static_cast<double>(kTokenWaitNs) * 1.05 + 2000);
  EXPECT_EQ(scheduler_->counters().traces_done, static_cast<uint64_t>(kTraces));
  EXPECT_EQ(scheduler_->counters().probes_sent, sent.size());
}

// Multipath: a load balancer before TTL 2 hashes each flow onto one of four routers.
std::string Branch(const std::string& prefix, int flow_number, int width) {
  uint32_t h = static_cast<uint32_t>(flow_number) * 2654435761u;
  return prefix + std::to_string(20 + (h >> 7) % static_cast<uint32_t>(width));
}

TEST_F(SchedulerTest, MultipathFindsEveryBranchWithItsLinksForEveryProbeType) {
  for (auto [type, v6] : {std::pair{PacketType::kUdp, false}, std::pair{PacketType::kTcp, false},
                          std::pair{PacketType::kIcmp, false}, std::pair{PacketType::kUdp, true}}) {
    std::string target = v6 ? "2001:db8:ff::1" : kTarget;
    std::string prefix = v6 ? "2001:db8:2::" : "198.51.100.";
    Path p = Chain(3);
    if (v6) {
      for (int k = 0; k < 3; ++k)
        p.routers[static_cast<size_t>(k)].address = prefix + std::to_string(k + 1);
    }
    p.routers[1].by_flow = [prefix](int f) { return Branch(prefix, f, 4); };
    net_.paths[target] = p;
    size_t first = net_.sent.size();
    model::TraceOptions o = Options(type);
    o.multipath = true;
    ColoResult r = Trace(target, o);
    SCOPED_TRACE(std::string(model::PacketTypeName(type)) + (v6 ? " v6" : " v4"));
    ASSERT_EQ(r.error, ColoError::kNone);
    ASSERT_TRUE(r.multipath_complete.has_value());
    EXPECT_TRUE(*r.multipath_complete);
    ASSERT_EQ(r.hops.size(), 4u);
    std::set<std::string> branches;
    for (const auto& n : r.hops[1].nodes) branches.insert(n.ip);
    EXPECT_EQ(branches.size(), 4u);
    for (int b = 0; b < 4; ++b) EXPECT_EQ(branches.count(prefix + std::to_string(20 + b)), 1u);
    // Links: the first router to each branch, each branch to the third router, it to the target.
    ASSERT_TRUE(r.hops[1].links.has_value());
    ASSERT_TRUE(r.hops[2].links.has_value());
    EXPECT_EQ(r.hops[1].links->size(), 4u);
    EXPECT_EQ(r.hops[2].links->size(), 4u);
    for (const auto& l : *r.hops[1].links) EXPECT_EQ(l.from, p.routers[0].address);
    for (const auto& l : *r.hops[2].links) EXPECT_EQ(l.to, p.routers[2].address);
    EXPECT_EQ(*r.hops[3].links, (std::vector<model::Link>{{p.routers[2].address, target}}));
    EXPECT_TRUE(r.hops[0].links->empty());
    EXPECT_EQ(r.target_summary.ip, target);
    EXPECT_GT(r.target_summary.latency.count, 0);
    // Every (flow, TTL) at most once, several flows, and no wait: a few RTTs of 10 ms each.
    std::set<std::pair<int, int>> seen;
    for (size_t i = first; i < net_.sent.size(); ++i) {
      EXPECT_TRUE(seen.insert({net_.sent[i].flow_number, net_.sent[i].ttl}).second);
    }
    EXPECT_GT(seen.size(), 20u);
    EXPECT_EQ(r.multipath_probes, static_cast<int>(net_.sent.size() - first));
    EXPECT_LT(r.traceroute_time_ms, 100);
  }
}

TEST_F(SchedulerTest, ASinglePathTraceIsOneFlowAndCarriesNoLinks) {
  net_.paths[kTarget] = Chain(3);
  net_.paths[kTarget].routers[1].by_flow = [](int f) { return Branch("198.51.100.", f, 4); };
  ColoResult r = Trace(kTarget, Options(PacketType::kUdp));
  for (const auto& s : net_.sent) EXPECT_EQ(s.flow_number, 0);
  EXPECT_EQ(r.hops[1].nodes.size(), 1u);
  for (const auto& h : r.hops) EXPECT_FALSE(h.links.has_value());
  EXPECT_FALSE(r.multipath_complete.has_value());
}

TEST_F(SchedulerTest, MultipathToASilentTargetEndsWithItsSilentHop) {
  net_.paths[kTarget] = Chain(3);
  net_.paths[kTarget].routers[1].by_flow = [](int f) { return Branch("198.51.100.", f, 2); };
  net_.paths[kTarget].target.silent = true;
  model::TraceOptions o = Options(PacketType::kUdp, 8);
  o.multipath = true;
  ColoResult r = Trace(kTarget, o);
  ASSERT_EQ(r.error, ColoError::kNone);
  ASSERT_EQ(r.hops.size(), 4u);  // the three routers, then one silent TTL
  EXPECT_TRUE(r.hops[3].nodes.empty());
  ASSERT_TRUE(r.hops[3].links.has_value());
  EXPECT_TRUE(r.hops[3].links->empty());
  EXPECT_EQ(r.hops[1].nodes.size(), 2u);
  EXPECT_EQ(r.target_summary.latency.count, 0);
}

TEST_F(SchedulerTest, MultipathOverGreCannotProbe) {
  net_.paths[kTarget] = Chain(3);
  model::TraceOptions o = Options(PacketType::kGre);
  o.multipath = true;
  EXPECT_EQ(Trace(kTarget, o).error, ColoError::kCannotProbe);
}

}  // namespace
}  // namespace colotrace::probe
