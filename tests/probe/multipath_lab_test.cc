// Multipath enumeration by the probe engine through kernel ECMP routers (layer-4 hashing) in
// network namespaces: fans of width 2, 4 and 8, IPv4 and IPv6, UDP and TCP, and a silent branch.
// Every interface and link must be found; each topology runs many times and the share of runs
// that found everything is printed. Needs root; skipped otherwise. Every probe stays inside
// namespaces the test created.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>
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

class MultipathLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string reason;
    if (!lab::Lab::CanRun(&reason)) GTEST_SKIP() << "lab unavailable: " << reason;
  }

  void Build(const lab::FanOptions& opts) {
    StartLab();
    topo_ = lab::EcmpFan(*lab_, opts, &links_);
    StartEngine();
  }
  void BuildGraph(const std::vector<std::vector<int>>& next, const std::vector<int>& one = {}) {
    StartLab();
    topo_ = lab::EcmpGraph(*lab_, next, &links_, one);
    StartEngine();
  }
  void StartLab() {
    engine_.reset();
    lab_.reset();
    lab_ = std::make_unique<lab::Lab>("mp");
  }
  void StartEngine() {
    EngineOptions options;
    options.netns = topo_.colo;
    auto engine = Engine::Create(options);
    ASSERT_TRUE(engine.ok()) << engine.error();
    engine_ = std::move(*engine);
  }

  ColoResult Trace(bool v6, PacketType type, int confidence) {
    TraceRequest request;
    request.target = *net::IpAddress::Parse(v6 ? topo_.target_v6 : topo_.target_v4);
    request.options.packet_type = type;
    request.options.max_ttl = 8;
    request.options.multipath = true;
    request.options.confidence = confidence;
    return engine_->Run(request);
  }

  // What `r` lacks of the topology, or "" when it found every interface and link; also
  // anything it found that the topology does not have.
  std::string Missing(const ColoResult& r, bool v6) const {
    const auto& choices = v6 ? topo_.hop_choices_v6 : topo_.hop_choices_v4;
    const auto& links = v6 ? links_.v6 : links_.v4;
    if (r.hops.size() != choices.size()) return "hops: " + std::to_string(r.hops.size());
    for (size_t h = 0; h < choices.size(); ++h) {
      std::set<std::string> found;
      for (const auto& n : r.hops[h].nodes) found.insert(n.ip);
      std::set<std::string> want(choices[h].begin(), choices[h].end());
      if (found != want) {
        std::string s = "TTL " + std::to_string(h + 1) + " found";
        for (const auto& a : found) s += " " + a;
        return s;
      }
      if (h == 0) continue;
      if (!r.hops[h].links) return "no links at TTL " + std::to_string(h + 1);
      std::set<std::pair<std::string, std::string>> got;
      for (const auto& l : *r.hops[h].links) got.insert({l.from, l.to});
      std::set<std::pair<std::string, std::string>> expected(links[h - 1].begin(),
                                                             links[h - 1].end());
      if (got != expected) return "links into TTL " + std::to_string(h + 1);
    }
    return "";
  }

  void TearDown() override {
    engine_.reset();
    lab_.reset();
  }

  std::unique_ptr<lab::Lab> lab_;
  lab::Topology topo_;
  lab::FanLinks links_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(MultipathLabTest, FansOfWidth2And4And8AreEnumeratedWithEveryLink) {
  constexpr int kRuns = 10;
  for (int width : {2, 4, 8}) {
    Build({width, 0});
    for (bool v6 : {false, true}) {
      for (PacketType type : {PacketType::kUdp, PacketType::kTcp}) {
        int found_all = 0;
        int probes = 0;
        std::string first_miss;
        for (int run = 0; run < kRuns; ++run) {
          ColoResult r = Trace(v6, type, 99);
          ASSERT_EQ(r.error, ColoError::kNone);
          ASSERT_TRUE(r.multipath_complete.has_value());
          EXPECT_TRUE(*r.multipath_complete);
          for (const auto& h : r.hops) probes += h.packets_sent;
          std::string miss = Missing(r, v6);
          if (miss.empty()) {
            ++found_all;
          } else if (first_miss.empty()) {
            first_miss = miss;
          }
          EXPECT_EQ(r.target_summary.ip, v6 ? topo_.target_v6 : topo_.target_v4);
        }
        std::printf(
            "width %d %s %s, 99 %%: %d of %d runs found everything, %.0f probes a run%s%s\n", width,
            v6 ? "IPv6" : "IPv4", std::string(model::PacketTypeName(type)).c_str(), found_all,
            kRuns, static_cast<double>(probes) / kRuns,
            first_miss.empty() ? "" : "; first miss: ", first_miss.c_str());
        // At 99 % a run misses something about once in a hundred: four misses in ten runs
        // (a chance of about 2 in 100,000 if the promise holds) mean it does not.
        EXPECT_GE(found_all, kRuns - 3) << "width " << width << (v6 ? " IPv6 " : " IPv4 ")
                                        << model::PacketTypeName(type) << ": " << first_miss;
      }
    }
  }
}

TEST_F(MultipathLabTest, TwoSplitsInARowMeshedAndUnequalBranches) {
  using lab::kToTarget;
  struct Case {
    std::string name;
    std::vector<std::vector<int>> next;
    std::vector<int> one_address;
  };
  const std::vector<Case> cases = {
      // g0 -> {g1, g2} -> g3 -> {g4, g5, g6, g7} -> g8 -> target
      {"two splits in a row",
       {{1, 2}, {3}, {3}, {4, 5, 6, 7}, {8}, {8}, {8}, {8}, {kToTarget}},
       {3, 8}},
      // g0 -> {g1, g2}; g1 -> {g3, g4}, g2 -> {g4, g5}: g4 is behind both -> g6 -> target
      {"meshed", {{1, 2}, {3, 4}, {4, 5}, {6}, {6}, {6}, {kToTarget}}, {4, 6}},
      // g0 -> {g1, g2}; g1 -> target (TTL 3), g2 -> g3 -> target (TTL 4)
      {"unequal branches", {{1, 2}, {kToTarget}, {3}, {kToTarget}}, {}},
  };
  constexpr int kRuns = 10;
  for (const Case& c : cases) {
    BuildGraph(c.next, c.one_address);
    for (bool v6 : {false, true}) {
      if (v6 && !c.one_address.empty()) continue;  // one address per router: IPv4 only
      int found_all = 0;
      int probes = 0;
      std::string first_miss;
      for (int run = 0; run < kRuns; ++run) {
        ColoResult r = Trace(v6, PacketType::kUdp, 99);
        ASSERT_EQ(r.error, ColoError::kNone);
        if (std::getenv("MP_DEBUG") && run == 0) {
          for (const auto& h : r.hops) {
            std::printf("  TTL %d sent %d lost %d:", h.packets_ttl, h.packets_sent, h.packets_lost);
            for (const auto& n : h.nodes) std::printf(" %s x%d", n.ip.c_str(), n.rtt.count);
            std::printf("\n");
          }
        }
        probes += r.multipath_probes;
        std::string miss = Missing(r, v6);
        if (miss.empty()) {
          ++found_all;
        } else if (first_miss.empty()) {
          first_miss = miss;
        }
      }
      std::printf("%s %s udp, 99 %%: %d of %d runs found everything, %.0f probes a run%s%s\n",
                  c.name.c_str(), v6 ? "IPv6" : "IPv4", found_all, kRuns,
                  static_cast<double>(probes) / kRuns,
                  first_miss.empty() ? "" : "; first miss: ", first_miss.c_str());
      EXPECT_GE(found_all, kRuns - 3) << c.name << (v6 ? " IPv6: " : " IPv4: ") << first_miss;
    }
  }
}

TEST_F(MultipathLabTest, ASilentBranchIsAStarAndTheOthersAreFound) {
  Build({4, 2});
  ColoResult r;
  for (int run = 0; run < 3; ++run) {  // a run may miss a branch about once in a hundred
    r = Trace(false, PacketType::kUdp, 99);
    ASSERT_EQ(r.error, ColoError::kNone);
    if (Missing(r, false).empty()) break;
  }
  EXPECT_EQ(Missing(r, false), "");
  ASSERT_GE(r.hops.size(), 2u);
  EXPECT_EQ(r.hops[1].nodes.size(), 3u);
  EXPECT_GT(r.hops[1].packets_lost, 0);
}

TEST_F(MultipathLabTest, IcmpFlowsFindOnlyAddressesOfThePath) {
  // Linux hashes ICMP echo requests on addresses alone (no ports), so every ICMP flow takes one
  // branch here; what the enumeration reports must still be real and complete for that.
  Build({4, 0});
  ColoResult r = Trace(false, PacketType::kIcmp, 95);
  ASSERT_EQ(r.error, ColoError::kNone);
  ASSERT_EQ(r.hops.size(), 4u);
  ASSERT_TRUE(r.multipath_complete.has_value());
  EXPECT_TRUE(*r.multipath_complete);
  for (size_t h = 0; h < r.hops.size(); ++h) {
    for (const auto& n : r.hops[h].nodes) {
      const auto& c = topo_.hop_choices_v4[h];
      EXPECT_NE(std::find(c.begin(), c.end(), n.ip), c.end()) << n.ip;
    }
  }
}

}  // namespace
}  // namespace colotrace::probe
