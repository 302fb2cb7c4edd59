#include "probe/trace_summary.h"

#include <algorithm>
#include <cmath>

namespace colotrace::probe {

void RttAccumulator::Add(double rtt_ms) {
  ++count_;
  if (count_ == 1) {
    min_ = max_ = rtt_ms;
  } else {
    min_ = std::min(min_, rtt_ms);
    max_ = std::max(max_, rtt_ms);
  }
  double delta = rtt_ms - mean_;
  mean_ += delta / count_;
  m2_ += delta * (rtt_ms - mean_);
}

model::RttStats RttAccumulator::Stats() const {
  model::RttStats s;
  s.count = count_;
  if (count_ == 0) return s;
  s.min_ms = min_;
  s.max_ms = max_;
  s.mean_ms = mean_;
  s.std_dev_ms = std::sqrt(std::max(0.0, m2_ / count_));
  return s;
}

namespace {

// One hop's probes, accumulated in probe order.
class HopAccumulator {
 public:
  // `p` is a sent probe of this hop's TTL; its RTT also goes to `target_rtt` (if given) when it
  // came from the target.
  void Add(const ProbeOutcome& p, RttAccumulator* target_rtt) {
    ++sent_;
    if (!p.answered) {
      ++lost_;
      return;
    }
    auto it = std::find_if(nodes_.begin(), nodes_.end(),
                           [&](const NodeAcc& n) { return n.ip == p.from; });
    if (it == nodes_.end()) {
      nodes_.push_back(NodeAcc{p.from, {}, {}});
      it = std::prev(nodes_.end());
    }
    it->rtt.Add(p.rtt_ms);
    for (const auto& label : p.labels) {
      if (std::find(it->labels.begin(), it->labels.end(), label) == it->labels.end()) {
        it->labels.push_back(label);
      }
    }
    if (p.from_target && target_rtt != nullptr) target_rtt->Add(p.rtt_ms);
  }

  model::Hop Take(int ttl) {
    model::Hop hop;
    hop.packets_ttl = ttl;
    hop.packets_sent = sent_;
    hop.packets_lost = lost_;
    for (auto& n : nodes_) {
      model::Node node;
      node.ip = n.ip.ToString();
      node.name = node.ip;
      node.labels = std::move(n.labels);
      node.rtt = n.rtt.Stats();
      hop.nodes.push_back(std::move(node));
    }
    return hop;
  }

 private:
  struct NodeAcc {
    net::IpAddress ip;
    RttAccumulator rtt;
    std::vector<std::string> labels;
  };
  int sent_ = 0;
  int lost_ = 0;
  std::vector<NodeAcc> nodes_;
};

}  // namespace

model::Hop SummarizeHop(std::span<const ProbeOutcome> probes, int ttl) {
  HopAccumulator hop;
  for (const ProbeOutcome& p : probes) {
    if (p.ttl == ttl && p.sent) hop.Add(p, nullptr);
  }
  return hop.Take(ttl);
}

void Summarize(const std::vector<ProbeOutcome>& probes, int last_ttl, const net::IpAddress& target,
               model::ColoResult* result) {
  std::vector<HopAccumulator> hops(static_cast<size_t>(std::max(last_ttl, 0)));
  RttAccumulator target_rtt;
  for (const ProbeOutcome& p : probes) {
    if (p.ttl < 1 || p.ttl > last_ttl || !p.sent) continue;
    hops[static_cast<size_t>(p.ttl - 1)].Add(p, &target_rtt);
  }
  result->hops.clear();
  for (size_t h = 0; h < hops.size(); ++h) {
    result->hops.push_back(hops[h].Take(static_cast<int>(h) + 1));
  }
  result->target_summary.ip = target.ToString();
  result->target_summary.name = result->target_summary.ip;
  result->target_summary.latency = target_rtt.Stats();
}

model::RttStats PoolStats(const model::RttStats& a, const model::RttStats& b) {
  if (a.count == 0) return b;
  if (b.count == 0) return a;
  model::RttStats s;
  s.count = a.count + b.count;
  s.min_ms = std::min(a.min_ms, b.min_ms);
  s.max_ms = std::max(a.max_ms, b.max_ms);
  s.mean_ms = (a.mean_ms * a.count + b.mean_ms * b.count) / s.count;
  // Population variances: E[x^2] of each part, pooled, minus the pooled mean squared.
  double ex2 = (a.count * (a.std_dev_ms * a.std_dev_ms + a.mean_ms * a.mean_ms) +
                b.count * (b.std_dev_ms * b.std_dev_ms + b.mean_ms * b.mean_ms)) /
               s.count;
  s.std_dev_ms = std::sqrt(std::max(0.0, ex2 - s.mean_ms * s.mean_ms));
  return s;
}

model::Hop MergeGreIcmpHop(const model::Hop* gre, const model::Hop* icmp, int ttl) {
  model::Hop hop;
  hop.packets_ttl = ttl;
  for (const model::Hop* part : {gre, icmp}) {
    if (part == nullptr) continue;
    hop.packets_sent += part->packets_sent;
    hop.packets_lost += part->packets_lost;
    for (const auto& node : part->nodes) {
      hop.nodes.push_back(node);
      hop.nodes.back().labels.push_back(part == gre ? "gre" : "icmp");
    }
  }
  return hop;
}

model::ColoResult MergeGreIcmp(model::ColoResult gre, model::ColoResult icmp) {
  if (gre.error != model::ColoError::kNone) return gre;
  if (icmp.error != model::ColoError::kNone) return icmp;
  model::ColoResult out;
  out.colo = gre.colo;
  size_t n = std::max(gre.hops.size(), icmp.hops.size());
  for (size_t i = 0; i < n; ++i) {
    out.hops.push_back(MergeGreIcmpHop(i < gre.hops.size() ? &gre.hops[i] : nullptr,
                                       i < icmp.hops.size() ? &icmp.hops[i] : nullptr,
                                       static_cast<int>(i) + 1));
  }
  out.target_summary = gre.target_summary;
  out.target_summary.latency = PoolStats(gre.target_summary.latency, icmp.target_summary.latency);
  out.traceroute_time_ms = std::max(gre.traceroute_time_ms, icmp.traceroute_time_ms);
  return out;
}

}  // namespace colotrace::probe
