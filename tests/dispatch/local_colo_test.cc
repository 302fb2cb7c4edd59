// LocalColoRunner in the lab: names are looked up while probing goes on (the first router's
// PTR query leaves before the target, 600 ms further, has answered), and the result carries
// names from the lab's DNS server. Needs root; skips without it.
#include "dispatch/local_colo.h"

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "enrich/dnsmasq.h"
#include "lab/lab.h"
#include "lab/topologies.h"
#include "support/scratch_dir.h"

namespace colotrace::dispatch {
namespace {

using namespace std::chrono_literals;

TEST(LocalColoLabTest, NamesAreLookedUpWhileProbingGoesOn) {
  std::string why_not;
  if (!lab::Lab::CanRun(&why_not)) GTEST_SKIP() << why_not;
  testing_support::ScratchDir dir("local_colo_test");
  ASSERT_FALSE(dir.path().empty());
  lab::Lab lab("lcol");
  lab::ChainOptions chain;
  chain.delay_router = 2;  // the target's answers come 2 x 300 ms late; r1's at once
  chain.delay_ms = 300;
  auto topo = lab::Chain(lab, 2, chain);
  enrich::Dnsmasq dns(lab, topo.routers[0], 53, 300, dir.path() + "/dns.log");

  probe::EngineOptions engine_options;
  engine_options.netns = topo.colo;
  auto engine = probe::Engine::Create(engine_options);
  ASSERT_TRUE(engine.ok()) << engine.error();
  enrich::ReverseDnsOptions rdns;
  rdns.dns.netns = topo.colo;
  rdns.dns.servers = {enrich::kDnsV4};
  auto reverse = enrich::ReverseDns::Create(rdns);
  ASSERT_TRUE(reverse.ok()) << reverse.error();
  std::shared_ptr<enrich::ReverseDns> reverse_dns = std::move(*reverse);
  LocalColoOptions options;
  options.enricher =
      std::make_shared<enrich::Enricher>(enrich::EnricherOptions{{}, {}, reverse_dns});
  LocalColoRunner runner(**engine, options);

  std::promise<model::ColoResult> done;
  auto result = done.get_future();
  model::TraceOptions trace_options;
  trace_options.packets_per_ttl = 1;
  trace_options.wait_time_s = 2;
  runner.Trace(topo.target_v4, trace_options, nullptr,
               [&done](model::ColoResult r) { done.set_value(std::move(r)); });
  // While the trace still waits for the target, r1's name has been asked for already.
  bool asked_during_trace = false;
  while (result.wait_for(5ms) != std::future_status::ready) {
    if (reverse_dns->stats().queries > 0) asked_during_trace = true;
  }
  EXPECT_TRUE(asked_during_trace);
  auto r = result.get();
  ASSERT_EQ(r.error, model::ColoError::kNone);
  EXPECT_GE(r.traceroute_time_ms, 500);
  ASSERT_EQ(r.hops.size(), topo.hop_v4.size());
  EXPECT_EQ(r.hops[0].nodes.at(0).name, "r1.lab.example");
  EXPECT_EQ(r.target_summary.name, "target.lab.example");
  // r1, r2 and the target: one query each, however many replies each sent.
  EXPECT_EQ(reverse_dns->stats().queries, 3u);
}

}  // namespace
}  // namespace colotrace::dispatch
