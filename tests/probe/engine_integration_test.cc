// The probe engine against real kernel routers in network namespaces (tests/lab). Needs root;
// skipped otherwise. Every probe stays inside namespaces the test created.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lab/lab.h"
#include "lab/topologies.h"
#include "model/traceroute.h"
#include "probe/engine.h"

namespace colotrace::probe {
namespace {

using model::ColoError;
using model::ColoResult;
using model::PacketType;

const PacketType kTypes[] = {PacketType::kIcmp, PacketType::kUdp, PacketType::kTcp};

// One packet type on one address family: most tests run every combination.
struct Variant {
  bool v6;
  PacketType type;
  std::string Name() const {
    return std::string(model::PacketTypeName(type)) + (v6 ? " IPv6" : " IPv4");
  }
};
const Variant kVariants[] = {{false, PacketType::kIcmp}, {false, PacketType::kUdp},
                             {false, PacketType::kTcp},  {true, PacketType::kIcmp},
                             {true, PacketType::kUdp},   {true, PacketType::kTcp}};

const std::string& TargetOf(const lab::Topology& topo, bool v6) {
  return v6 ? topo.target_v6 : topo.target_v4;
}
const std::vector<std::string>& HopsOf(const lab::Topology& topo, bool v6) {
  return v6 ? topo.hop_v6 : topo.hop_v4;
}

class EngineLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string reason;
    if (!lab::Lab::CanRun(&reason)) GTEST_SKIP() << "lab unavailable: " << reason;
    lab_ = std::make_unique<lab::Lab>("eng");
  }

  // Starts an engine whose sockets live in the topology's colo namespace.
  void StartEngine(const lab::Topology& topo) {
    EngineOptions options;
    options.netns = topo.colo;
    auto engine = Engine::Create(options);
    ASSERT_TRUE(engine.ok()) << engine.error();
    engine_ = std::move(*engine);
  }

  ColoResult Trace(const std::string& target, PacketType type, int packets_per_ttl = 3,
                   int max_ttl = 10, int wait_time_s = 1, int port = 0) {
    TraceRequest request;
    request.target = *net::IpAddress::Parse(target);
    request.options.packet_type = type;
    request.options.packets_per_ttl = packets_per_ttl;
    request.options.max_ttl = max_ttl;
    request.options.wait_time_s = wait_time_s;
    request.options.port = port;
    return engine_->Run(request);
  }

  void TearDown() override {
    engine_.reset();
    lab_.reset();
  }

  std::unique_ptr<lab::Lab> lab_;
  std::unique_ptr<Engine> engine_;
};

// The first answering address of every hop, "*" for a silent one.
std::vector<std::string> HopAddresses(const ColoResult& r) {
  std::vector<std::string> out;
  for (const auto& hop : r.hops) out.push_back(hop.nodes.empty() ? "*" : hop.nodes[0].ip);
  return out;
}

std::string Describe(const ColoResult& r) {
  std::string s = "error=" + std::to_string(static_cast<int>(r.error)) + " hops:";
  for (const auto& hop : r.hops) {
    s += " [" + std::to_string(hop.packets_ttl) + " sent=" + std::to_string(hop.packets_sent) +
         " lost=" + std::to_string(hop.packets_lost);
    for (const auto& n : hop.nodes) {
      s += " " + n.ip + " x" + std::to_string(n.rtt.count);
      for (const auto& l : n.labels) s += " " + l;
    }
    s += "]";
  }
  return s;
}

const char* Name(PacketType t) {
  return std::string_view(model::PacketTypeName(t)).data();
}

TEST_F(EngineLabTest, ChainEveryTypeBothFamilies) {
  auto topo = lab::Chain(*lab_, 3);
  StartEngine(topo);
  for (const Variant& v : kVariants) {
    SCOPED_TRACE(v.Name());
    const auto& expected = HopsOf(topo, v.v6);
    ColoResult r = Trace(TargetOf(topo, v.v6), v.type);
    ASSERT_EQ(r.error, ColoError::kNone);
    EXPECT_EQ(HopAddresses(r), expected) << Describe(r);
    for (const auto& hop : r.hops) {
      EXPECT_EQ(hop.packets_sent, 3);
      EXPECT_EQ(hop.packets_lost, 0) << Describe(r);
      ASSERT_EQ(hop.nodes.size(), 1u) << Describe(r);
      EXPECT_EQ(hop.nodes[0].rtt.count, 3);
      EXPECT_TRUE(hop.nodes[0].labels.empty());
      EXPECT_LE(hop.nodes[0].rtt.min_ms, hop.nodes[0].rtt.mean_ms);
      EXPECT_LE(hop.nodes[0].rtt.mean_ms, hop.nodes[0].rtt.max_ms);
      EXPECT_GE(hop.nodes[0].rtt.min_ms, 0.0);
    }
    EXPECT_EQ(r.target_summary.ip, TargetOf(topo, v.v6));
    EXPECT_EQ(r.target_summary.latency.count, 3);
  }
}

TEST_F(EngineLabTest, SilentRouterIsAHopWithEveryProbeLost) {
  lab::ChainOptions opts;
  opts.silent_router = 2;
  auto topo = lab::Chain(*lab_, 3, opts);
  StartEngine(topo);
  for (const Variant& v : kVariants) {
    SCOPED_TRACE(v.Name());
    ColoResult r = Trace(TargetOf(topo, v.v6), v.type);
    ASSERT_EQ(r.error, ColoError::kNone);
    EXPECT_EQ(HopAddresses(r), HopsOf(topo, v.v6)) << Describe(r);
    ASSERT_EQ(r.hops.size(), 4u);
    EXPECT_TRUE(r.hops[1].nodes.empty());
    EXPECT_EQ(r.hops[1].packets_lost, 3);
    EXPECT_EQ(r.hops[2].packets_lost, 0);
    EXPECT_EQ(r.hops[3].packets_lost, 0);
  }
}

TEST_F(EngineLabTest, LossMatchesWhatTheRouterDropped) {
  lab::ChainOptions opts;
  opts.lossy_router = 1;
  opts.loss_percent = 30;
  auto topo = lab::Chain(*lab_, 3, opts);
  StartEngine(topo);
  uint64_t dropped_before = 0;
  for (PacketType type : kTypes) {
    SCOPED_TRACE(Name(type));
    // TCP to the closed port: the target's RST gets no answer from the colo's kernel, which
    // would otherwise reset SYN-ACKs through the lossy router and add to its drop counter.
    int port = type == PacketType::kTcp ? topo.tcp_closed_port : 0;
    ColoResult r = Trace(topo.target_v4, type, /*packets_per_ttl=*/10, /*max_ttl=*/4, 1, port);
    ASSERT_EQ(r.error, ColoError::kNone);
    uint64_t dropped = lab_->ReadNftCounter(topo.lossy_ns, topo.lossy_table, topo.lossy_counter);
    // Router 1 answers TTL 1 itself; every probe of a higher TTL crosses its forward path.
    ASSERT_GE(r.hops.size(), 2u) << Describe(r);
    EXPECT_EQ(r.hops[0].packets_lost, 0) << Describe(r);
    int lost = 0;
    for (size_t i = 1; i < r.hops.size(); ++i) lost += r.hops[i].packets_lost;
    // Probes sent to TTLs past the target before it answered also crossed router 1; they are
    // not reported, so the drop counter may exceed the reported loss only by those.
    int unreported = 0;
    if (r.hops.size() < 4) unreported = static_cast<int>(4 - r.hops.size()) * 10;
    EXPECT_GE(static_cast<int>(dropped - dropped_before), lost) << Describe(r);
    EXPECT_LE(static_cast<int>(dropped - dropped_before), lost + unreported) << Describe(r);
    EXPECT_GT(lost, 0) << "30% random loss over 20+ probes dropped nothing: " << Describe(r);
    dropped_before = dropped;
  }
}

TEST_F(EngineLabTest, RttsFollowTheConfiguredDelay) {
  lab::ChainOptions opts;
  opts.delay_router = 1;
  opts.delay_ms = 40;
  auto topo = lab::Chain(*lab_, 2, opts);
  StartEngine(topo);
  for (const Variant& v : kVariants) {
    SCOPED_TRACE(v.Name());
    ColoResult r = Trace(TargetOf(topo, v.v6), v.type);
    ASSERT_EQ(r.error, ColoError::kNone);
    ASSERT_EQ(HopAddresses(r), HopsOf(topo, v.v6)) << Describe(r);
    // Hop 1 answers before the delayed link; hops behind it are 2 x 40 ms further away.
    EXPECT_LT(r.hops[0].nodes[0].rtt.max_ms, 40.0) << Describe(r);
    for (size_t i = 1; i < r.hops.size(); ++i) {
      const auto& rtt = r.hops[i].nodes[0].rtt;
      EXPECT_GE(rtt.min_ms, 80.0) << Describe(r);
      EXPECT_LE(rtt.max_ms, 80.0 + 40.0) << "tolerance 40 ms over the configured delay";
      EXPECT_EQ(r.hops[i].packets_lost, 0);
    }
  }
}

TEST_F(EngineLabTest, WaitTimeHoldsBothWays) {
  lab::ChainOptions opts;
  opts.delay_router = 1;
  opts.delay_ms = 350;  // hops behind router 1: RTT about 700 ms
  auto topo = lab::Chain(*lab_, 1, opts);
  StartEngine(topo);
  // A 700 ms reply is inside a 1 s wait: never lost.
  ColoResult within = Trace(topo.target_v4, PacketType::kIcmp, 3, 5, /*wait_time_s=*/1);
  ASSERT_EQ(within.hops.size(), 2u) << Describe(within);
  EXPECT_EQ(within.hops[1].packets_lost, 0) << Describe(within);
  EXPECT_EQ(within.target_summary.latency.count, 3);
  EXPECT_GE(within.target_summary.latency.min_ms, 700.0);
}

TEST_F(EngineLabTest, RepliesLaterThanWaitTimeAreLost) {
  lab::ChainOptions opts;
  opts.delay_router = 1;
  opts.delay_ms = 600;  // RTT about 1.2 s behind router 1, beyond a 1 s wait
  auto topo = lab::Chain(*lab_, 1, opts);
  StartEngine(topo);
  ColoResult r = Trace(topo.target_v4, PacketType::kIcmp, 2, 3, /*wait_time_s=*/1);
  ASSERT_EQ(r.error, ColoError::kNone);
  ASSERT_EQ(r.hops.size(), 3u) << Describe(r);  // the target never answered in time
  EXPECT_EQ(HopAddresses(r)[0], topo.hop_v4[0]);
  EXPECT_EQ(r.hops[1].packets_lost, 2) << Describe(r);
  EXPECT_EQ(r.hops[2].packets_lost, 2) << Describe(r);
  EXPECT_EQ(r.target_summary.latency.count, 0);
}

TEST_F(EngineLabTest, EcmpEachTraceKeepsOnePath) {
  auto topo = lab::EcmpDiamond(*lab_);
  StartEngine(topo);
  // Twenty UDP traces with different source ports at once: each must see one address per hop
  // (Paris flow stability), and together they must have used both branches.
  constexpr int kTraces = 20;
  std::vector<std::promise<ColoResult>> promises(kTraces);
  for (int i = 0; i < kTraces; ++i) {
    TraceRequest request;
    request.target = *net::IpAddress::Parse(topo.target_v4);
    request.options.packet_type = i % 2 == 0 ? PacketType::kUdp : PacketType::kTcp;
    request.options.packets_per_ttl = 5;
    request.options.max_ttl = 8;
    engine_->Start(request, [&promises, i](ColoResult r) { promises[i].set_value(r); });
  }
  std::set<std::string> seen_at_2;
  for (int i = 0; i < kTraces; ++i) {
    ColoResult r = promises[i].get_future().get();
    ASSERT_EQ(r.error, ColoError::kNone);
    ASSERT_EQ(r.hops.size(), topo.hop_choices_v4.size()) << Describe(r);
    for (size_t h = 0; h < r.hops.size(); ++h) {
      ASSERT_EQ(r.hops[h].nodes.size(), 1u) << "trace " << i << " split: " << Describe(r);
      const auto& choices = topo.hop_choices_v4[h];
      EXPECT_NE(std::find(choices.begin(), choices.end(), r.hops[h].nodes[0].ip), choices.end())
          << Describe(r);
      EXPECT_EQ(r.hops[h].packets_lost, 0);
    }
    seen_at_2.insert(r.hops[1].nodes[0].ip);
  }
  EXPECT_EQ(seen_at_2.size(), 2u) << "20 flows all hashed onto one branch";
}

TEST_F(EngineLabTest, TcpOpenAndClosedPortsBothReachTheTarget) {
  auto topo = lab::Chain(*lab_, 2);
  StartEngine(topo);
  for (bool v6 : {false, true}) {
    for (int port :
         {static_cast<int>(topo.tcp_open_port), static_cast<int>(topo.tcp_closed_port)}) {
      SCOPED_TRACE(std::to_string(port) + (v6 ? " IPv6" : " IPv4"));
      ColoResult r = Trace(TargetOf(topo, v6), PacketType::kTcp, 3, 10, 1, port);
      EXPECT_EQ(HopAddresses(r), HopsOf(topo, v6)) << Describe(r);
      EXPECT_EQ(r.target_summary.latency.count, 3) << Describe(r);
    }
  }
  // A port nobody answers on (the target's firewall would drop it) is not "reached": the UDP
  // default port gives port unreachable instead, checked in ChainEveryTypeBothFamilies.
}

TEST_F(EngineLabTest, TargetAnsweringFromAnotherAddressEndsTheTrace) {
  lab::ChainOptions opts;
  opts.target_alias = true;
  auto topo = lab::Chain(*lab_, 2, opts);
  StartEngine(topo);
  for (const Variant& v : kVariants) {
    SCOPED_TRACE(v.Name());
    ColoResult r = Trace(TargetOf(topo, v.v6), v.type);
    ASSERT_EQ(r.hops.size(), 3u) << Describe(r);
    EXPECT_EQ(r.hops[2].nodes.size(), 1u);
    EXPECT_EQ(r.hops[2].nodes[0].ip, v.v6 ? topo.alias_v6 : topo.alias_v4) << Describe(r);
    EXPECT_EQ(r.target_summary.ip, TargetOf(topo, v.v6));
    EXPECT_EQ(r.target_summary.latency.count, 3) << Describe(r);
  }
}

TEST_F(EngineLabTest, RateLimitedRouterAndTargetShowNoFalseLoss) {
  lab::ChainOptions opts;
  opts.ratelimited_router = 2;
  opts.target_keeps_ratelimit = true;
  auto topo = lab::Chain(*lab_, 3, opts);
  StartEngine(topo);
  // UDP: the target answers with rate-limited port unreachables; 30 TTLs would drain its
  // bucket if probes past it were sent before its own TTL's.
  for (PacketType type : kTypes) {
    SCOPED_TRACE(Name(type));
    ColoResult r = Trace(topo.target_v4, type, 3, /*max_ttl=*/30);
    ASSERT_EQ(HopAddresses(r), topo.hop_v4) << Describe(r);
    for (const auto& hop : r.hops) EXPECT_EQ(hop.packets_lost, 0) << Describe(r);
    // The rate limits refill at 1/s per destination; let them before the next type.
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
}

TEST_F(EngineLabTest, UnreachablesEndTheTraceWithTheirLabel) {
  struct Case {
    lab::Unreachable kind;
    const char* label;
  };
  for (Case c : {Case{lab::Unreachable::kHost, "!H"}, Case{lab::Unreachable::kProhibit, "!X"},
                 Case{lab::Unreachable::kNet, "!N"}}) {
    lab::Lab lab("unr");
    lab::ChainOptions opts;
    opts.unreachable_router = 2;
    opts.unreachable_kind = c.kind;
    auto topo = lab::Chain(lab, 3, opts);
    StartEngine(topo);
    for (const Variant& v : kVariants) {
      SCOPED_TRACE(std::string(c.label) + " " + v.Name());
      ColoResult r = Trace(TargetOf(topo, v.v6), v.type);
      ASSERT_EQ(r.hops.size(), static_cast<size_t>(topo.unreachable_ttl)) << Describe(r);
      const auto& last = r.hops.back();
      ASSERT_EQ(last.nodes.size(), 1u) << Describe(r);
      EXPECT_EQ(last.nodes[0].ip, HopsOf(topo, v.v6).back());
      EXPECT_EQ(last.nodes[0].labels, std::vector<std::string>{c.label}) << Describe(r);
      EXPECT_EQ(r.target_summary.latency.count, 0);
    }
    engine_.reset();
  }
}

TEST_F(EngineLabTest, FiftyConcurrentTracesMatchOneAtATime) {
  auto topo = lab::Chain(*lab_, 4);
  StartEngine(topo);
  std::vector<ColoResult> alone;
  for (bool v6 : {false, true}) {
    for (PacketType type : kTypes) alone.push_back(Trace(TargetOf(topo, v6), type));
  }
  constexpr int kTraces = 50;
  std::vector<std::promise<ColoResult>> promises(kTraces);
  for (int i = 0; i < kTraces; ++i) {
    TraceRequest request;
    size_t variant = static_cast<size_t>(i) % alone.size();
    bool v6 = variant >= 3;
    request.target = *net::IpAddress::Parse(TargetOf(topo, v6));
    request.options.packet_type = kTypes[variant % 3];
    engine_->Start(request, [&promises, i](ColoResult r) { promises[i].set_value(r); });
  }
  for (int i = 0; i < kTraces; ++i) {
    ColoResult r = promises[i].get_future().get();
    const ColoResult& single = alone[static_cast<size_t>(i) % alone.size()];
    EXPECT_EQ(HopAddresses(r), HopAddresses(single)) << "trace " << i << ": " << Describe(r);
    for (const auto& hop : r.hops) EXPECT_EQ(hop.packets_lost, 0) << Describe(r);
    EXPECT_EQ(r.target_summary.latency.count, 3);
  }
}

TEST_F(EngineLabTest, RememberedDistanceSendsNothingPastTheTarget) {
  lab::ChainOptions opts;
  opts.delay_router = 1;
  opts.delay_ms = 20;  // replies take 40 ms: the first trace sends every TTL before they come
  auto topo = lab::Chain(*lab_, 5, opts);
  StartEngine(topo);
  const int hops = static_cast<int>(topo.hop_v4.size());
  uint64_t before = engine_->counters().probes_sent;
  ColoResult first = Trace(topo.target_v4, PacketType::kIcmp, 3, /*max_ttl=*/30);
  EXPECT_EQ(HopAddresses(first), topo.hop_v4) << Describe(first);
  EXPECT_GT(engine_->counters().probes_sent - before, static_cast<uint64_t>(hops * 3));
  // The distance is remembered per target address, whatever the packet type.
  for (PacketType type : kTypes) {
    SCOPED_TRACE(Name(type));
    before = engine_->counters().probes_sent;
    ColoResult again = Trace(topo.target_v4, type, 3, /*max_ttl=*/30);
    EXPECT_EQ(HopAddresses(again), topo.hop_v4) << Describe(again);
    EXPECT_EQ(engine_->counters().probes_sent - before, static_cast<uint64_t>(hops * 3));
  }
  // The target stops answering: the remembered distance is probed first, then the rest.
  lab_->Nft(topo.target,
            "table inet mute {\n chain drop_all { type filter hook input priority 0; policy drop; "
            "}\n}\n");
  ColoResult silent = Trace(topo.target_v4, PacketType::kIcmp, 2, /*max_ttl=*/9);
  ASSERT_EQ(silent.hops.size(), 9u) << Describe(silent);
  for (int i = 0; i < hops - 1; ++i) EXPECT_EQ(HopAddresses(silent)[i], topo.hop_v4[i]);
  for (int i = hops - 1; i < 9; ++i) {
    EXPECT_EQ(silent.hops[i].packets_sent, 2) << Describe(silent);
    EXPECT_TRUE(silent.hops[i].nodes.empty()) << Describe(silent);
  }
  EXPECT_EQ(silent.target_summary.latency.count, 0);
}

TEST_F(EngineLabTest, GreThroughAHealthyEndpoint) {
  lab::ChainOptions opts;
  opts.gre_endpoint = lab::GreEndpoint::kHealthy;
  auto topo = lab::Chain(*lab_, 3, opts);
  StartEngine(topo);
  ColoResult r = Trace(topo.target_v4, PacketType::kGre);
  ASSERT_EQ(r.error, ColoError::kNone);
  EXPECT_EQ(HopAddresses(r), topo.hop_v4) << Describe(r);
  for (const auto& hop : r.hops) EXPECT_EQ(hop.packets_lost, 0) << Describe(r);
  EXPECT_EQ(r.target_summary.latency.count, 3);
  // GRE probes are IPv4: an IPv6 target cannot be traced that way.
  EXPECT_EQ(Trace(topo.target_v6, PacketType::kGre).error, ColoError::kCannotProbe);
}

TEST_F(EngineLabTest, GreWithASilentRouter) {
  lab::ChainOptions opts;
  opts.gre_endpoint = lab::GreEndpoint::kHealthy;
  opts.silent_router = 2;
  auto topo = lab::Chain(*lab_, 3, opts);
  StartEngine(topo);
  ColoResult r = Trace(topo.target_v4, PacketType::kGre);
  EXPECT_EQ(HopAddresses(r), topo.hop_v4) << Describe(r);
  EXPECT_EQ(r.hops.at(1).packets_lost, 3);
  EXPECT_EQ(r.target_summary.latency.count, 3);
}

TEST_F(EngineLabTest, GreToBrokenEndpointsNeverReaches) {
  for (lab::GreEndpoint broken : {lab::GreEndpoint::kDrops, lab::GreEndpoint::kKeyed}) {
    lab::Lab lab("gre");
    lab::ChainOptions opts;
    opts.gre_endpoint = broken;
    auto topo = lab::Chain(lab, 2, opts);
    StartEngine(topo);
    ColoResult r = Trace(topo.target_v4, PacketType::kGre, 2, /*max_ttl=*/5);
    ASSERT_EQ(r.hops.size(), 5u) << Describe(r);
    EXPECT_EQ(HopAddresses(r)[0], topo.hop_v4[0]);
    EXPECT_EQ(HopAddresses(r)[1], topo.hop_v4[1]);
    for (size_t i = 2; i < 5; ++i) {
      EXPECT_TRUE(r.hops[i].nodes.empty()) << Describe(r);
      EXPECT_EQ(r.hops[i].packets_lost, 2);
    }
    EXPECT_EQ(r.target_summary.latency.count, 0);
    engine_.reset();
  }
}

TEST_F(EngineLabTest, GreWithoutAnEndpointIsProtocolUnreachable) {
  auto topo = lab::Chain(*lab_, 2);  // the target's kernel has no GRE: protocol unreachable
  StartEngine(topo);
  ColoResult r = Trace(topo.target_v4, PacketType::kGre);
  ASSERT_EQ(r.hops.size(), topo.hop_v4.size()) << Describe(r);
  ASSERT_EQ(r.hops.back().nodes.size(), 1u) << Describe(r);
  EXPECT_EQ(r.hops.back().nodes[0].ip, topo.target_v4);
  EXPECT_EQ(r.hops.back().nodes[0].labels, std::vector<std::string>{"!P"});
}

TEST_F(EngineLabTest, GreAndIcmpSideBySideWhereTheirViewsDiffer) {
  lab::ChainOptions opts;
  opts.gre_endpoint = lab::GreEndpoint::kHealthy;
  opts.gre_blocked_router = 2;  // forwards ICMP but no GRE
  auto topo = lab::Chain(*lab_, 3, opts);
  StartEngine(topo);
  ColoResult r = Trace(topo.target_v4, PacketType::kGreIcmp, 3, /*max_ttl=*/6);
  ASSERT_EQ(r.error, ColoError::kNone);
  ASSERT_EQ(r.hops.size(), 6u) << Describe(r);  // the GRE trace never reached: up to max_ttl
  auto nodes_with = [&](size_t h, const std::string& label) {
    std::vector<std::string> ips;
    for (const auto& n : r.hops[h].nodes) {
      if (std::find(n.labels.begin(), n.labels.end(), label) != n.labels.end()) {
        ips.push_back(n.ip);
      }
    }
    return ips;
  };
  for (size_t h = 0; h < 2; ++h) {  // both traces see routers 1 and 2
    EXPECT_EQ(nodes_with(h, "gre"), std::vector<std::string>{topo.hop_v4[h]}) << Describe(r);
    EXPECT_EQ(nodes_with(h, "icmp"), std::vector<std::string>{topo.hop_v4[h]}) << Describe(r);
    EXPECT_EQ(r.hops[h].packets_sent, 6);
  }
  // Behind router 2 only the ICMP trace gets through.
  EXPECT_TRUE(nodes_with(2, "gre").empty()) << Describe(r);
  EXPECT_EQ(nodes_with(2, "icmp"), std::vector<std::string>{topo.hop_v4[2]}) << Describe(r);
  EXPECT_EQ(nodes_with(3, "icmp"), std::vector<std::string>{topo.target_v4}) << Describe(r);
  EXPECT_EQ(r.hops[3].packets_lost, 3);  // the GRE half of TTL 4
  EXPECT_EQ(r.hops[5].packets_sent, 3);  // only the GRE trace went on
  EXPECT_EQ(r.target_summary.latency.count, 3);
}

TEST_F(EngineLabTest, NoRouteIsAColoErrorNotACrash) {
  std::string ns = lab_->AddNode("bare");  // only lo: no route anywhere
  lab::Topology topo;
  topo.colo = ns;
  StartEngine(topo);
  ColoResult r = Trace("203.0.113.1", PacketType::kIcmp);
  EXPECT_EQ(r.error, ColoError::kCannotProbe);
  EXPECT_TRUE(r.hops.empty());
}

}  // namespace
}  // namespace colotrace::probe
