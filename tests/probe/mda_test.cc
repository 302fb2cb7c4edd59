// The MDA stopping rule and the round planner against simulated load-balanced topologies: each
// router hashes a flow to one of its next hops, as per-flow load balancers do. No sockets. The
// lab (multipath tests of engine_integration_test.cc) checks the same on kernel ECMP routers.
#include "probe/mda.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace colotrace::probe {
namespace {

net::IpAddress Ip(const std::string& text) {
  return *net::IpAddress::Parse(text);
}

TEST(MdaFlowsNeededTest, MatchesThePublishedTablesAt95And99Percent) {
  // Augustin et al. and scamper's tracelb, k = 1..16.
  const std::vector<int> at95 = {6, 11, 16, 21, 27, 33, 38, 44, 51, 57, 63, 70, 76, 83, 90, 96};
  const std::vector<int> at99 = {8, 15, 21, 28, 36, 43, 51, 58, 66, 74, 82, 90, 98, 106, 115, 123};
  for (int k = 1; k <= 16; ++k) {
    EXPECT_EQ(MdaFlowsNeeded(k, 95), at95[static_cast<size_t>(k - 1)]) << "k=" << k;
    EXPECT_EQ(MdaFlowsNeeded(k, 99), at99[static_cast<size_t>(k - 1)]) << "k=" << k;
  }
}

TEST(MdaFlowsNeededTest, GrowsWithKAndConfidenceAndTreatsOddInputsAsDocumented) {
  for (int k = 1; k < 128; ++k) {
    EXPECT_LT(MdaFlowsNeeded(k, 95), MdaFlowsNeeded(k + 1, 95)) << k;
    EXPECT_LT(MdaFlowsNeeded(k, 95), MdaFlowsNeeded(k, 99)) << k;
  }
  EXPECT_EQ(MdaFlowsNeeded(0, 95), 6);
  EXPECT_EQ(MdaFlowsNeeded(-3, 99), 8);
  EXPECT_EQ(MdaFlowsNeeded(1, 90), 6);  // an unknown confidence counts as 95
  EXPECT_TRUE(model::IsValidConfidence(95));
  EXPECT_TRUE(model::IsValidConfidence(99));
  EXPECT_FALSE(model::IsValidConfidence(90));
}

// A load-balanced network: layer i is TTL i + 1. Each router sends a flow to one of `next`
// (indices into the following layer), chosen by a hash of the flow, the router and the seed.
struct Node {
  std::string address;
  std::vector<int> next;
  bool end = false;     // the target: the path ends here
  bool silent = false;  // never answers
};
using Topology = std::vector<std::vector<Node>>;

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

FlowOutcome Probe(const Topology& t, uint64_t seed, int flow, int ttl) {
  int node = 0;
  for (int layer = 0;; ++layer) {
    const Node& n = t[static_cast<size_t>(layer)][static_cast<size_t>(node)];
    if (layer == ttl - 1 || n.end) {
      FlowOutcome out;
      if (!n.silent) out.from = Ip(n.address);
      out.end = n.end;
      return out;
    }
    uint64_t h =
        Mix(seed ^ Mix(static_cast<uint64_t>(flow) * 1315423911ULL ^
                       (static_cast<uint64_t>(layer) << 40) ^ (static_cast<uint64_t>(node) << 48)));
    node = n.next[h % n.next.size()];
  }
}

struct Enumeration {
  MdaPlanner planner;
  int probes = 0;
  bool duplicate = false;
};

Enumeration Enumerate(const Topology& t, uint64_t seed, int confidence = 95, int max_probes = 3000,
                      int max_ttl = 15) {
  Enumeration run{MdaPlanner(max_ttl, confidence, max_probes)};
  std::set<std::pair<int, int>> seen;
  for (auto round = run.planner.NextRound(); !round.empty(); round = run.planner.NextRound()) {
    for (const FlowProbe& p : round) {
      if (!seen.insert({p.flow, p.ttl}).second) run.duplicate = true;
      ++run.probes;
      run.planner.Record(p, Probe(t, seed, p.flow, p.ttl));
    }
  }
  return run;
}

// Every answering interface of each layer and every link between answering ones.
bool FoundEverything(const Topology& t, const MdaPlanner& p, std::string* missing) {
  for (size_t layer = 0; layer < t.size(); ++layer) {
    int ttl = static_cast<int>(layer) + 1;
    auto found = p.Interfaces(ttl);
    auto links = p.Links(ttl + 1);
    for (const Node& n : t[layer]) {
      if (!n.silent && std::find(found.begin(), found.end(), Ip(n.address)) == found.end()) {
        *missing = "interface " + n.address + " at TTL " + std::to_string(ttl);
        return false;
      }
      if (n.silent || n.end) continue;
      for (int next : n.next) {
        const Node& m = t[layer + 1][static_cast<size_t>(next)];
        if (m.silent) continue;
        auto want = std::make_pair(Ip(n.address), Ip(m.address));
        if (std::find(links.begin(), links.end(), want) == links.end()) {
          *missing = "link " + n.address + " -> " + m.address;
          return false;
        }
      }
    }
  }
  return true;
}

// No interface or link that the topology does not have.
bool FoundNothingElse(const Topology& t, const MdaPlanner& p) {
  for (int ttl = 1; ttl <= p.last_ttl(); ++ttl) {
    for (const auto& a : p.Interfaces(ttl)) {
      bool known = false;
      for (size_t layer = 0; layer < t.size() && !known; ++layer) {
        for (const Node& n : t[layer]) known = known || Ip(n.address) == a;
      }
      if (!known) return false;
    }
  }
  return true;
}

// 198.51.100.1, then a split into `width` routers, joined again, then the target.
Topology Diamond(int width) {
  Topology t(4);
  t[0].push_back({"198.51.100.1", {}});
  for (int i = 0; i < width; ++i) {
    t[0][0].next.push_back(i);
    t[1].push_back({"198.51.100." + std::to_string(10 + i), {0}});
  }
  t[2].push_back({"198.51.100.100", {0}});
  t[3].push_back({"203.0.113.1", {}, true});
  return t;
}

struct Tally {
  int runs = 0;
  int complete = 0;
  int found_all = 0;
  int max_probes = 0;
  double mean_probes = 0;
  int max_rounds = 0;
  std::string first_missing;
};

Tally Many(const Topology& t, int runs, int confidence = 95) {
  Tally tally;
  for (int seed = 1; seed <= runs; ++seed) {
    Enumeration run = Enumerate(t, static_cast<uint64_t>(seed), confidence);
    EXPECT_FALSE(run.duplicate) << "a (flow, ttl) probed twice, seed " << seed;
    EXPECT_TRUE(FoundNothingElse(t, run.planner)) << "seed " << seed;
    ++tally.runs;
    if (run.planner.complete()) ++tally.complete;
    std::string missing;
    if (FoundEverything(t, run.planner, &missing)) {
      ++tally.found_all;
    } else {
      if (std::getenv("MDA_DEBUG")) std::printf("miss %s\n", missing.c_str());
      if (tally.first_missing.empty()) {
        tally.first_missing = missing + " (seed " + std::to_string(seed) + ")";
      }
    }
    tally.max_probes = std::max(tally.max_probes, run.probes);
    tally.max_rounds = std::max(tally.max_rounds, run.planner.rounds());
    tally.mean_probes += run.probes;
  }
  tally.mean_probes /= runs;
  return tally;
}

// A confidence of 95 % promises that at least 95 % of enumerations find everything.
void ExpectConfidenceHeld(const Tally& tally, int confidence, const std::string& name) {
  EXPECT_EQ(tally.complete, tally.runs) << name << ": the probe ceiling was reached";
  EXPECT_GE(tally.found_all * 100, tally.runs * confidence)
      << name << ": " << tally.found_all << " of " << tally.runs
      << " found everything; first miss: " << tally.first_missing;
  std::printf(
      "%-22s confidence %d: %d/%d found everything, probes mean %.1f max %d, rounds max %d\n",
      name.c_str(), confidence, tally.found_all, tally.runs, tally.mean_probes, tally.max_probes,
      tally.max_rounds);
}

TEST(MdaPlannerTest, AChainWithoutLoadBalancersCostsSixFlowsPerHop) {
  Topology t(4);
  t[0].push_back({"198.51.100.1", {0}});
  t[1].push_back({"198.51.100.2", {0}});
  t[2].push_back({"198.51.100.3", {0}});
  t[3].push_back({"203.0.113.1", {}, true});
  Enumeration run = Enumerate(t, 7);
  EXPECT_TRUE(run.planner.complete());
  EXPECT_EQ(run.planner.last_ttl(), 4);
  for (int ttl = 1; ttl <= 4; ++ttl) EXPECT_EQ(run.planner.Interfaces(ttl).size(), 1u) << ttl;
  EXPECT_EQ(run.planner.Links(4), (std::vector<std::pair<net::IpAddress, net::IpAddress>>{
                                      {Ip("198.51.100.3"), Ip("203.0.113.1")}}));
  // Flow 0 at TTL 1..15 (the path's end is not known yet), then flows 1..5 at TTL 1..4.
  EXPECT_EQ(run.probes, 15 + 5 * 4);
  EXPECT_EQ(run.planner.rounds(), 2);
}

TEST(MdaPlannerTest, DiamondsOfWidth2And4And8AreFoundWithTheirLinks) {
  for (int width : {2, 4, 8}) {
    Tally tally = Many(Diamond(width), 300);
    ExpectConfidenceHeld(tally, 95, "diamond width " + std::to_string(width));
  }
  Tally tally = Many(Diamond(8), 300, 99);
  ExpectConfidenceHeld(tally, 99, "diamond width 8");
}

TEST(MdaPlannerTest, TwoDiamondsInARow) {
  Topology t(6);
  t[0].push_back({"198.51.100.1", {0, 1}});
  t[1].push_back({"198.51.100.11", {0}});
  t[1].push_back({"198.51.100.12", {0}});
  t[2].push_back({"198.51.100.20", {0, 1, 2, 3}});
  for (int i = 0; i < 4; ++i) t[3].push_back({"198.51.100." + std::to_string(31 + i), {0}});
  t[4].push_back({"198.51.100.40", {0}});
  t[5].push_back({"203.0.113.1", {}, true});
  ExpectConfidenceHeld(Many(t, 300), 95, "two diamonds");
}

TEST(MdaPlannerTest, AMeshedDiamondHasEveryCrossLink) {
  // Two routers after the split, each hashing onto its own pair of four; the pairs overlap.
  Topology t(5);
  t[0].push_back({"198.51.100.1", {0, 1}});
  t[1].push_back({"198.51.100.11", {0, 1, 2}});
  t[1].push_back({"198.51.100.12", {1, 2, 3}});
  for (int i = 0; i < 4; ++i) t[2].push_back({"198.51.100." + std::to_string(21 + i), {0}});
  t[3].push_back({"198.51.100.30", {0}});
  t[4].push_back({"203.0.113.1", {}, true});
  ExpectConfidenceHeld(Many(t, 300), 95, "meshed diamond");
}

TEST(MdaPlannerTest, BranchesOfUnequalLength) {
  // One branch has a router more: the target is at TTL 4 on one side and 5 on the other.
  Topology t(5);
  t[0].push_back({"198.51.100.1", {0, 1}});
  t[1].push_back({"198.51.100.11", {0}});
  t[1].push_back({"198.51.100.12", {1}});
  t[2].push_back({"203.0.113.1", {}, true});
  t[2].push_back({"198.51.100.22", {0}});
  t[3].push_back({"203.0.113.1", {}, true});
  t.pop_back();
  ExpectConfidenceHeld(Many(t, 300), 95, "unequal branches");
  Enumeration run = Enumerate(t, 3);
  EXPECT_EQ(run.planner.last_ttl(), 4);
}

TEST(MdaPlannerTest, ASilentRouterInsideADiamond) {
  Topology t = Diamond(4);
  t[1][2].silent = true;
  ExpectConfidenceHeld(Many(t, 300), 95, "silent router");
  // The silent branch is a star among the interfaces: the hop counts it as a fifth next hop.
  Enumeration run = Enumerate(t, 5);
  EXPECT_EQ(run.planner.Interfaces(2).size(), 3u);
}

TEST(MdaPlannerTest, ASplitInIpv6) {
  Topology t(3);
  t[0].push_back({"2001:db8::1", {0, 1, 2}});
  for (int i = 0; i < 3; ++i) t[1].push_back({"2001:db8:1::" + std::to_string(i + 1), {0}});
  t[2].push_back({"2001:db8:ff::1", {}, true});
  ExpectConfidenceHeld(Many(t, 200), 95, "IPv6 width 3");
}

TEST(MdaPlannerTest, TheProbeCeilingEndsEnumerationIncomplete) {
  Enumeration run = Enumerate(Diamond(8), 11, 95, /*max_probes=*/40);
  EXPECT_TRUE(run.planner.over());
  EXPECT_FALSE(run.planner.complete());
  EXPECT_EQ(run.probes, 40);
  EXPECT_EQ(run.planner.probes_planned(), 40);
}

TEST(MdaPlannerTest, TheRoundCeilingEndsEnumerationIncomplete) {
  MdaPlanner p(15, 95, 3000, /*max_rounds=*/1);
  auto round = p.NextRound();
  EXPECT_EQ(round.size(), 15u);
  for (const auto& probe : round) {
    p.Record(probe, {Ip(probe.ttl == 2 ? "198.51.100.2" : "198.51.100.1"), probe.ttl == 3});
  }
  EXPECT_TRUE(p.NextRound().empty());
  EXPECT_TRUE(p.over());
  EXPECT_FALSE(p.complete());
  EXPECT_EQ(p.probes_planned(), 15);
}

TEST(MdaPlannerTest, ATargetThatNeverAnswersEndsOneTtlPastTheLastAnswer) {
  Topology t(4);
  t[0].push_back({"198.51.100.1", {0, 1}});
  t[1].push_back({"198.51.100.11", {0}});
  t[1].push_back({"198.51.100.12", {0}});
  t[2].push_back({"198.51.100.20", {0}});
  t[3].push_back({"203.0.113.1", {}, true, true});  // silent target
  Enumeration run = Enumerate(t, 4, 95, 3000, 8);
  EXPECT_TRUE(run.planner.complete());
  EXPECT_EQ(run.planner.last_ttl(), 4);
  EXPECT_TRUE(run.planner.Interfaces(4).empty());
  // Every TTL's links can be read, the silent one's too (it has none).
  for (int ttl = 1; ttl <= 8; ++ttl) {
    auto links = run.planner.Links(ttl);
    if (ttl == 4) {
      EXPECT_TRUE(links.empty());
    }
  }
  EXPECT_EQ(run.planner.Links(3).size(), 2u);
  // A silent first hop too.
  Topology q(2);
  q[0].push_back({"198.51.100.1", {0}, false, true});
  q[1].push_back({"203.0.113.1", {}, true});
  Enumeration quiet = Enumerate(q, 4, 95, 3000, 4);
  EXPECT_TRUE(quiet.planner.Links(2).empty());
  EXPECT_EQ(quiet.planner.Interfaces(2).size(), 1u);
}

TEST(MdaPlannerTest, RunningOutOfFlowsEndsEnumerationIncomplete) {
  MdaPlanner p(4, 95, 3000, 12, /*max_flows=*/3);
  int rounds = 0;
  for (auto round = p.NextRound(); !round.empty(); round = p.NextRound()) {
    ++rounds;
    for (const auto& probe : round) {
      EXPECT_LT(probe.flow, 3);
      p.Record(probe, {Ip("198.51.100." + std::to_string(probe.ttl)), probe.ttl == 4});
    }
  }
  EXPECT_TRUE(p.over());
  EXPECT_FALSE(p.complete());
}

TEST(MdaPlannerTest, ASilentPathStopsAfterTheFirstRound) {
  Topology t(1);
  t[0].push_back({"203.0.113.1", {}, true, true});  // nothing ever answers
  Enumeration run = Enumerate(t, 1, 95, 3000, 10);
  EXPECT_EQ(run.probes, 10);
  EXPECT_EQ(run.planner.last_ttl(), 0);
  EXPECT_TRUE(run.planner.complete());
}

TEST(MdaPlannerTest, OutcomesOfProbesNotPlannedAreIgnored) {
  MdaPlanner p(4, 95, 100);
  auto round = p.NextRound();
  ASSERT_EQ(round.size(), 4u);
  p.Record({7, 2}, {Ip("198.51.100.9"), false});  // never planned
  for (const auto& probe : round) {
    p.Record(probe, {Ip("198.51.100." + std::to_string(probe.ttl)), probe.ttl == 4});
  }
  p.Record(round[0], {Ip("198.51.100.99"), false});  // a second answer to one probe
  EXPECT_EQ(p.Interfaces(1), std::vector<net::IpAddress>{Ip("198.51.100.1")});
  EXPECT_EQ(p.Interfaces(2), std::vector<net::IpAddress>{Ip("198.51.100.2")});
}

}  // namespace
}  // namespace colotrace::probe
