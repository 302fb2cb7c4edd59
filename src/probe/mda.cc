#include "probe/mda.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <vector>

namespace colotrace::probe {

namespace {

// The smallest n such that n flows, each going to one of k + 1 next hops uniformly at random,
// leave one of them unseen with a probability of at most `miss`. The distribution of how many
// next hops n flows have seen is carried forward flow by flow (all terms positive, so it stays
// exact where inclusion-exclusion would cancel large terms).
int ComputeFlowsNeeded(int k, double miss) {
  int branches = k + 1;
  std::vector<double> seen(static_cast<size_t>(branches) + 1, 0.0);  // P(j next hops seen)
  seen[0] = 1;
  for (int n = 1;; ++n) {
    for (int j = branches; j >= 1; --j) {
      auto u = static_cast<size_t>(j);
      seen[u] = seen[u] * j / branches + seen[u - 1] * (branches - j + 1) / branches;
    }
    seen[0] = 0;
    if (n > k && 1.0 - seen[static_cast<size_t>(branches)] <= miss) return n;
  }
}

constexpr int kTabulated = 128;  // n(k) for k = 1..128 computed once; beyond, on demand

}  // namespace

int MdaFlowsNeeded(int k, int confidence_percent) {
  static const auto tables = [] {
    std::array<std::array<int, kTabulated + 1>, 2> t{};
    for (int i = 1; i <= kTabulated; ++i) {
      t[0][static_cast<size_t>(i)] = ComputeFlowsNeeded(i, 0.05);
      t[1][static_cast<size_t>(i)] = ComputeFlowsNeeded(i, 0.01);
    }
    return t;
  }();
  k = std::max(k, 1);
  bool high = confidence_percent == model::kConfidenceHigh;
  if (k <= kTabulated) return tables[high ? 1 : 0][static_cast<size_t>(k)];
  return ComputeFlowsNeeded(k, high ? 0.01 : 0.05);
}

MdaPlanner::MdaPlanner(int max_ttl, int confidence_percent, int max_probes, int max_rounds,
                       int max_flows)
    : max_ttl_(std::max(1, max_ttl)),
      confidence_(model::IsValidConfidence(confidence_percent) ? confidence_percent
                                                               : model::kConfidenceDefault),
      max_probes_(std::max(1, max_probes)),
      max_rounds_(std::max(1, max_rounds)),
      max_flows_(std::max(1, max_flows)),
      hops_(static_cast<size_t>(max_ttl_)) {}

MdaPlanner::Cell* MdaPlanner::At(int ttl, int flow) {
  auto& flows = hops_[static_cast<size_t>(ttl - 1)].flows;
  if (flow < 0 || static_cast<size_t>(flow) >= flows.size()) return nullptr;
  return &flows[static_cast<size_t>(flow)];
}

const MdaPlanner::Cell* MdaPlanner::At(int ttl, int flow) const {
  const auto& flows = hops_[static_cast<size_t>(ttl - 1)].flows;
  if (flow < 0 || static_cast<size_t>(flow) >= flows.size()) return nullptr;
  return &flows[static_cast<size_t>(flow)];
}

int16_t MdaPlanner::Intern(const net::IpAddress& a) {
  auto it = std::find(addresses_.begin(), addresses_.end(), a);
  if (it != addresses_.end()) return static_cast<int16_t>(it - addresses_.begin());
  addresses_.push_back(a);
  return static_cast<int16_t>(addresses_.size() - 1);
}

int MdaPlanner::EndOf(int flow) const {
  if (flow < 0 || static_cast<size_t>(flow) >= flow_end_.size()) return INT32_MAX;
  return flow_end_[static_cast<size_t>(flow)];
}

bool MdaPlanner::SplitsAgain(int ttl) const {
  // From the flows answered at both TTLs: some interface before has two successors here.
  std::vector<std::pair<int16_t, int16_t>> links;
  const auto& here = hops_[static_cast<size_t>(ttl - 1)].flows;
  for (size_t f = 0; f < here.size(); ++f) {
    const Cell* before = At(ttl - 1, static_cast<int>(f));
    if (here[f].state != State::kAnswered || before == nullptr ||
        before->state != State::kAnswered || before->end || !Counts(ttl, static_cast<int>(f))) {
      continue;
    }
    std::pair<int16_t, int16_t> l{before->address, here[f].address};
    if (std::find(links.begin(), links.end(), l) == links.end()) links.push_back(l);
  }
  for (size_t i = 0; i < links.size(); ++i) {
    for (size_t j = i + 1; j < links.size(); ++j) {
      if (links[i].first == links[j].first) return true;
    }
  }
  return false;
}

MdaPlanner::Seen MdaPlanner::SeenAt(int ttl) const {
  Seen seen;
  const auto& flows = hops_[static_cast<size_t>(ttl - 1)].flows;
  for (size_t f = 0; f < flows.size(); ++f) {
    const Cell& c = flows[f];
    if (!Counts(ttl, static_cast<int>(f))) continue;
    if (c.state == State::kLost) seen.any_lost = true;
    if (c.state == State::kAnswered && std::find(seen.addresses.begin(), seen.addresses.end(),
                                                 c.address) == seen.addresses.end()) {
      seen.addresses.push_back(c.address);
    }
  }
  return seen;
}

int MdaPlanner::Horizon() const {
  int horizon = 0;
  for (int ttl = 1; ttl <= max_ttl_; ++ttl) {
    const auto& flows = hops_[static_cast<size_t>(ttl - 1)].flows;
    for (size_t f = 0; f < flows.size(); ++f) {
      const Cell& c = flows[f];
      if (c.state != State::kAnswered || !Counts(ttl, static_cast<int>(f))) continue;
      horizon = std::max(horizon, c.end ? ttl : ttl + 1);
    }
  }
  return std::min(horizon, max_ttl_);
}

int MdaPlanner::last_ttl() const {
  return Horizon();
}

void MdaPlanner::Record(const FlowProbe& probe, const FlowOutcome& outcome) {
  if (probe.ttl < 1 || probe.ttl > max_ttl_) return;
  Cell* c = At(probe.ttl, probe.flow);
  if (c == nullptr || c->state != State::kPending) return;
  if (!outcome.from) {
    c->state = State::kLost;
    return;
  }
  c->state = State::kAnswered;
  c->address = Intern(*outcome.from);
  if (outcome.end) {
    c->end = true;
    auto f = static_cast<size_t>(probe.flow);
    if (flow_end_.size() <= f) flow_end_.resize(f + 1, INT32_MAX);
    flow_end_[f] = std::min(flow_end_[f], probe.ttl);
  }
}

// Raises each hop's `wanted` to what the stopping rule asks, from the last TTL down, so that
// what a hop asks of the one before it is seen when that one is planned.
void MdaPlanner::Plan() {
  int horizon = Horizon();
  // The smallest w such that `count` flows of 0..w-1 can still be probed at `ttl` (flows
  // known to end below it cannot).
  auto reach = [&](int ttl, int count) {
    int w = 0;
    for (int eligible = 0; eligible < count; ++w) {
      if (EndOf(w) >= ttl) ++eligible;
    }
    return w;
  };
  for (int ttl = horizon; ttl >= 1; --ttl) {
    Hop& hop = hops_[static_cast<size_t>(ttl - 1)];
    // Failure control: a hop that has split was judged by one test per interface found, each
    // failing with up to 1 - confidence; the stricter n(k + 1) keeps their sum within it.
    int k = SeenAt(ttl).count();
    int want = std::max(hop.wanted, reach(ttl, MdaFlowsNeeded(k >= 2 ? k + 1 : k, confidence_)));
    if (ttl >= 2) {
      Hop& prev = hops_[static_cast<size_t>(ttl - 2)];
      Seen prev_seen = SeenAt(ttl - 1);
      int prev_k = prev_seen.count();
      // One interface before this hop: every flow passes it, and the hop rule here is its
      // node rule. Several, one of which splits again here (a meshed or nested split): each
      // must have n(successors) of its flows probed here (per-interface control; an
      // interface's share of the flows is its parent's share split again, where the hop rule
      // misses most). Otherwise the hop rule here finds every successor (MDA-Lite), and the
      // flows probed here are probed there too, for links.
      if (prev_k > 1 && SplitsAgain(ttl)) {
        int settled = 0;
        for (size_t f = 0; f < prev.flows.size(); ++f) {
          const Cell& c = prev.flows[f];
          bool done = c.state == State::kAnswered || c.state == State::kLost;
          if (done && Counts(ttl - 1, static_cast<int>(f))) ++settled;
        }
        for (int16_t x : prev_seen.addresses) {
          std::vector<int> through;  // flows that passed x and go on
          for (size_t f = 0; f < prev.flows.size(); ++f) {
            const Cell& c = prev.flows[f];
            if (c.state == State::kAnswered && c.address == x && !c.end &&
                Counts(ttl - 1, static_cast<int>(f))) {
              through.push_back(static_cast<int>(f));
            }
          }
          if (through.empty()) continue;
          std::vector<int16_t> successors;
          bool silent_successor = false;
          for (int f : through) {
            const Cell* c = At(ttl, f);
            if (c == nullptr) continue;
            if (c->state == State::kLost) silent_successor = true;
            if (c->state == State::kAnswered &&
                std::find(successors.begin(), successors.end(), c->address) == successors.end()) {
              successors.push_back(c->address);
            }
          }
          int k_next = static_cast<int>(successors.size()) + (silent_successor ? 1 : 0);
          int need = MdaFlowsNeeded(k_next >= 2 ? k_next + 1 : k_next, confidence_);  // as above
          auto have = static_cast<int>(through.size());
          if (have >= need) {
            want = std::max(want, through[static_cast<size_t>(need - 1)] + 1);
            continue;
          }
          want = std::max(want, through.back() + 1);
          // Too few flows known to pass x: probe more at the hop before, as many as x's share
          // of the flows there says it takes to find the missing ones.
          double share = static_cast<double>(have) / std::max(settled, 1);
          int extra = static_cast<int>(std::ceil((need - have) / share));
          int planned = std::max(prev.wanted, static_cast<int>(prev.flows.size()));
          // At most doubling per round: a share seen in few flows is a rough estimate.
          prev.wanted = std::max(prev.wanted, planned + std::min(extra, planned));
        }
      }
      // Every flow probed here is probed there too, so that its link is known.
      if (prev_k > 1) prev.wanted = std::max(prev.wanted, want);
    }
    hop.wanted = std::max(hop.wanted, want);
  }
}

std::vector<FlowProbe> MdaPlanner::NextRound() {
  std::vector<FlowProbe> round;
  if (over_) return round;
  if (rounds_ == 0) {
    // One flow at every TTL first: where the path ends, and where it splits.
    for (int ttl = 1; ttl <= max_ttl_; ++ttl) hops_[static_cast<size_t>(ttl - 1)].wanted = 1;
  } else {
    Plan();
  }
  for (int ttl = 1; ttl <= max_ttl_ && !ceiling_hit_; ++ttl) {
    Hop& hop = hops_[static_cast<size_t>(ttl - 1)];
    for (int f = 0; f < hop.wanted; ++f) {
      if (EndOf(f) < ttl) continue;  // this flow's path ended before this TTL
      if (f >= max_flows_) {         // no five-tuple left for another flow
        ceiling_hit_ = true;
        break;
      }
      if (static_cast<size_t>(f) < hop.flows.size() &&
          hop.flows[static_cast<size_t>(f)].state != State::kUnplanned) {
        continue;
      }
      if (probes_planned_ >= max_probes_) {
        ceiling_hit_ = true;
        break;
      }
      if (hop.flows.size() <= static_cast<size_t>(f)) hop.flows.resize(static_cast<size_t>(f) + 1);
      hop.flows[static_cast<size_t>(f)].state = State::kPending;
      round.push_back({f, ttl});
      ++probes_planned_;
    }
  }
  if (!round.empty() && rounds_ >= max_rounds_) {
    // Another round is wanted but none is left: what was not planned is not probed.
    for (const FlowProbe& p : round) {
      hops_[static_cast<size_t>(p.ttl - 1)].flows[static_cast<size_t>(p.flow)].state =
          State::kUnplanned;
    }
    probes_planned_ -= static_cast<int>(round.size());
    round.clear();
    ceiling_hit_ = true;
  }
  if (round.empty()) {
    over_ = true;
  } else {
    ++rounds_;
  }
  return round;
}

std::vector<net::IpAddress> MdaPlanner::Interfaces(int ttl) const {
  std::vector<net::IpAddress> out;
  if (ttl < 1 || ttl > max_ttl_) return out;
  for (int16_t a : SeenAt(ttl).addresses) {
    out.push_back(addresses_[static_cast<size_t>(a)]);
  }
  return out;
}

std::vector<std::pair<net::IpAddress, net::IpAddress>> MdaPlanner::Links(int ttl) const {
  std::vector<std::pair<int16_t, int16_t>> pairs;
  if (ttl < 2 || ttl > max_ttl_) return {};
  const Hop& hop = hops_[static_cast<size_t>(ttl - 1)];
  // One interface before, that every flow there met: it is every flow's predecessor (the
  // planner does not probe flows there that it does not need for that hop).
  Seen prev = SeenAt(ttl - 1);
  std::optional<int16_t> only;
  if (prev.addresses.size() == 1 && !prev.any_lost) {
    bool end = false;
    for (const Cell& c : hops_[static_cast<size_t>(ttl - 2)].flows) end = end || c.end;
    if (!end) only = prev.addresses[0];
  }
  // One interface here that every flow met: every interface before (not an end) leads to it.
  Seen seen_here = SeenAt(ttl);
  if (seen_here.addresses.size() == 1 && !seen_here.any_lost) {
    const auto& before_flows = hops_[static_cast<size_t>(ttl - 2)].flows;
    for (size_t f = 0; f < before_flows.size(); ++f) {
      const Cell& c = before_flows[f];
      if (c.state != State::kAnswered || c.end || !Counts(ttl - 1, static_cast<int>(f))) continue;
      std::pair<int16_t, int16_t> p{c.address, seen_here.addresses[0]};
      if (std::find(pairs.begin(), pairs.end(), p) == pairs.end()) pairs.push_back(p);
    }
  }
  for (size_t f = 0; f < hop.flows.size(); ++f) {
    const Cell& here = hop.flows[f];
    if (here.state != State::kAnswered || !Counts(ttl, static_cast<int>(f))) continue;
    const Cell* before = At(ttl - 1, static_cast<int>(f));
    int16_t from = -1;
    if (before != nullptr && before->state == State::kAnswered && !before->end) {
      from = before->address;
    } else if ((before == nullptr || before->state == State::kUnplanned) && only) {
      from = *only;
    }
    if (from < 0) continue;
    std::pair<int16_t, int16_t> p{from, here.address};
    if (std::find(pairs.begin(), pairs.end(), p) == pairs.end()) pairs.push_back(p);
  }
  std::vector<std::pair<net::IpAddress, net::IpAddress>> out;
  for (auto [a, b] : pairs) {
    out.emplace_back(addresses_[static_cast<size_t>(a)], addresses_[static_cast<size_t>(b)]);
  }
  return out;
}

}  // namespace colotrace::probe
