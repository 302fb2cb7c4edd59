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

void Summarize(const std::vector<ProbeOutcome>& probes, int last_ttl,
               const packet::IpAddress& target, model::ColoResult* result) {
  struct NodeAcc {
    packet::IpAddress ip;
    RttAccumulator rtt;
    std::vector<std::string> labels;
  };
  std::vector<model::Hop> hops(static_cast<size_t>(std::max(last_ttl, 0)));
  std::vector<std::vector<NodeAcc>> nodes(hops.size());
  RttAccumulator target_rtt;
  for (size_t i = 0; i < hops.size(); ++i) hops[i].packets_ttl = static_cast<int>(i) + 1;

  for (const ProbeOutcome& p : probes) {
    if (p.ttl < 1 || p.ttl > last_ttl || !p.sent) continue;
    auto h = static_cast<size_t>(p.ttl - 1);
    ++hops[h].packets_sent;
    if (!p.answered) {
      ++hops[h].packets_lost;
      continue;
    }
    auto it = std::find_if(nodes[h].begin(), nodes[h].end(),
                           [&](const NodeAcc& n) { return n.ip == p.from; });
    if (it == nodes[h].end()) {
      nodes[h].push_back(NodeAcc{p.from, {}, {}});
      it = std::prev(nodes[h].end());
    }
    it->rtt.Add(p.rtt_ms);
    for (const auto& label : p.labels) {
      if (std::find(it->labels.begin(), it->labels.end(), label) == it->labels.end()) {
        it->labels.push_back(label);
      }
    }
    if (p.from_target) target_rtt.Add(p.rtt_ms);
  }

  for (size_t h = 0; h < hops.size(); ++h) {
    for (auto& n : nodes[h]) {
      model::Node node;
      node.ip = n.ip.ToString();
      node.name = node.ip;
      node.labels = std::move(n.labels);
      node.rtt = n.rtt.Stats();
      hops[h].nodes.push_back(std::move(node));
    }
  }
  result->hops = std::move(hops);
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

model::ColoResult MergeGreIcmp(model::ColoResult gre, model::ColoResult icmp) {
  if (gre.error != model::ColoError::kNone) return gre;
  if (icmp.error != model::ColoError::kNone) return icmp;
  model::ColoResult out;
  out.colo = gre.colo;
  size_t n = std::max(gre.hops.size(), icmp.hops.size());
  out.hops.resize(n);
  for (size_t i = 0; i < n; ++i) {
    model::Hop& hop = out.hops[i];
    hop.packets_ttl = static_cast<int>(i) + 1;
    for (auto* part : {&gre, &icmp}) {
      if (i >= part->hops.size()) continue;
      model::Hop& h = part->hops[i];
      hop.packets_sent += h.packets_sent;
      hop.packets_lost += h.packets_lost;
      for (auto& node : h.nodes) {
        node.labels.push_back(part == &gre ? "gre" : "icmp");
        hop.nodes.push_back(std::move(node));
      }
    }
  }
  out.target_summary = gre.target_summary;
  out.target_summary.latency = PoolStats(gre.target_summary.latency, icmp.target_summary.latency);
  out.traceroute_time_ms = std::max(gre.traceroute_time_ms, icmp.traceroute_time_ms);
  return out;
}

}  // namespace colotrace::probe
