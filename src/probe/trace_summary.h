// Turns the outcome of every probe of one trace into the API's hops and target summary.
// Pure.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "model/traceroute.h"
#include "net/ip_address.h"

namespace colotrace::probe {

struct ProbeOutcome {
  int ttl = 0;
  bool sent = false;
  bool answered = false;
  net::IpAddress from;
  double rtt_ms = 0;
  // Replies that came from the target itself: echo reply, port unreachable, SYN-ACK/RST (from
  // any address), or anything whose source is the target's address.
  bool from_target = false;
  std::vector<std::string> labels;
};

// Accumulates round-trip times; population standard deviation (Welford's method).
class RttAccumulator {
 public:
  void Add(double rtt_ms);
  model::RttStats Stats() const;

 private:
  int count_ = 0;
  double min_ = 0;
  double max_ = 0;
  double mean_ = 0;
  double m2_ = 0;
};

// The hop at `ttl` from the probes of that TTL among `probes` (any order; others are skipped):
// packets sent and lost, and one node per answering address, as Summarize builds it.
model::Hop SummarizeHop(std::span<const ProbeOutcome> probes, int ttl);

// Hops 1..last_ttl from `probes` (any order). A hop lists one node per answering address in
// the order of its first answered probe (by probe order); a node's labels are the union of
// its replies' labels, first seen first. The target summary covers the from_target replies
// of those hops.
void Summarize(const std::vector<ProbeOutcome>& probes, int last_ttl, const net::IpAddress& target,
               model::ColoResult* result);

// Hop `ttl` of a gre+icmp traceroute from the hops of its halves at that TTL (null: that half
// has no such hop): the GRE trace's nodes (labelled "gre") then the ICMP trace's ("icmp"),
// packet counts added up.
model::Hop MergeGreIcmpHop(const model::Hop* gre, const model::Hop* icmp, int ttl);

// The result of a gre+icmp traceroute from its two halves: each hop lists the GRE trace's nodes
// (labelled "gre") then the ICMP trace's (labelled "icmp"); packet counts add up; the target
// summary pools both; the time is the longer one. An error of either half is the result.
model::ColoResult MergeGreIcmp(model::ColoResult gre, model::ColoResult icmp);

// Pools two sets of RTT statistics as if they had been one.
model::RttStats PoolStats(const model::RttStats& a, const model::RttStats& b);

}  // namespace colotrace::probe
