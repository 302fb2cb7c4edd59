// A simulated network behind the ProbeIo interface, with a manual clock, for unit tests of the
// TraceScheduler: no sockets, no root. Each destination address has a path of routers and a
// target; every probe sent is logged and answered (or not) as the path says, after the hop's
// round-trip time.
#pragma once

#include <cerrno>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "probe/probe_io.h"
#include "probe/trace_scheduler.h"

namespace colotrace::probe::sim {

inline net::IpAddress Ip(const std::string& text) {
  return *net::IpAddress::Parse(text);
}

constexpr int64_t kMs = 1'000'000;
// CLOCK_REALTIME runs this far ahead of CLOCK_MONOTONIC in the simulation.
constexpr int64_t kRealOffsetNs = 1'700'000'000LL * 1'000'000'000;

struct Router {
  std::string address;  // answers time exceeded from here
  double rtt_ms = 1;
  bool silent = false;
  // Called with the count of probes this router has seen (1, 2, ...): true drops the probe.
  std::function<bool(int)> drop;
  // A load balancer before this TTL: the address that answers for each flow number (empty:
  // `address` for every flow).
  std::function<std::string(int)> by_flow;
};

struct Target {
  std::string answer_from;  // empty: the traced address itself
  double rtt_ms = 1;
  bool silent = false;
  // Linux-like ICMP rate limit of the target: `burst` answers at once, then `per_second`.
  int burst = 0;  // 0: no limit
  double per_second = 1;
};

struct Path {
  std::vector<Router> routers;  // TTL 1..routers.size(); the target is one further
  Target target;
};

struct SentProbe {
  Flow flow;
  int index;
  int ttl;
  int64_t time_ns;
  int flow_number = 0;
};

class SimNetwork final : public ProbeIo {
 public:
  // Paths by destination address text. A destination without a path has no route.
  std::map<std::string, Path> paths;
  bool v6 = true;
  int64_t now_ns = 1'000 * kMs;
  std::vector<SentProbe> sent;
  // errno the next sends return (one per send; 0 sends normally), for failure tests.
  std::vector<int> send_errors;

  bool SupportsV6() const override { return v6; }

  std::optional<net::IpAddress> SourceFor(const net::IpAddress& dst) override {
    if (paths.count(dst.ToString()) == 0) return std::nullopt;
    return dst.is_v4() ? Ip("198.51.100.1") : Ip("2001:db8::1");
  }

  SendOutcome Send(const Flow& flow, int index, int ttl, int flow_number) override {
    SendOutcome out{0, now_ns, now_ns + kRealOffsetNs};
    if (!send_errors.empty()) {
      out.error = send_errors.front();
      send_errors.erase(send_errors.begin());
      if (out.error != 0) return out;
    }
    sent.push_back(SentProbe{flow, index, ttl, now_ns, flow_number});
    Path& path = paths.at(flow.dst.ToString());
    if (ttl <= static_cast<int>(path.routers.size())) {
      Router& r = path.routers[static_cast<size_t>(ttl - 1)];
      int seen = ++router_seen_[r.address];
      if (r.silent || (r.drop && r.drop(seen))) return out;
      std::string from = r.by_flow ? r.by_flow(flow_number) : r.address;
      Deliver(Answer(flow, index, ReplyKind::kTimeExceeded, Ip(from), flow_number), r.rtt_ms);
      return out;
    }
    Target& t = path.target;
    if (t.silent || !TargetMayAnswer(flow.dst.ToString(), t)) return out;
    net::IpAddress from = t.answer_from.empty() ? flow.dst : Ip(t.answer_from);
    ReplyKind kind = flow.type == model::PacketType::kTcp   ? ReplyKind::kTcpReply
                     : flow.type == model::PacketType::kUdp ? ReplyKind::kUnreachable
                                                            : ReplyKind::kEchoReply;
    Deliver(Answer(flow, index, kind, from, flow_number), t.rtt_ms);
    return out;
  }

  std::vector<int> ReceiveFds() const override { return {}; }

  // Hands every reply that has arrived by now_ns to `sink`.
  bool Drain(uint64_t, const ReplySink& sink) override {
    while (!in_flight_.empty() && in_flight_.top().arrival_ns <= now_ns) {
      Reply r = in_flight_.top().reply;
      in_flight_.pop();
      ++received_;
      sink(r);
    }
    return false;
  }
  uint64_t packets_received() const override { return received_; }

  int64_t NextArrivalNs() const {
    return in_flight_.empty() ? INT64_MAX : in_flight_.top().arrival_ns;
  }

  // The reply that answers probe `index` of `flow`, as the codec would decode it.
  static ReplyInfo Answer(const Flow& flow, int index, ReplyKind kind, net::IpAddress from,
                          int flow_number = 0) {
    ReplyInfo r;
    r.kind = kind;
    r.from = from;
    r.v6 = !flow.dst.is_v4();
    r.probe_type = flow.type;
    r.wire_id = flow.wire_id;
    switch (flow.type) {
      case model::PacketType::kUdp:
        r.identity = static_cast<uint32_t>(index + 1);
        r.dst_port = static_cast<uint16_t>(flow.port + flow_number);
        break;
      case model::PacketType::kTcp:
        r.identity = flow.tcp_seq_base + static_cast<uint32_t>(index);
        r.dst_port = static_cast<uint16_t>(flow.port + flow_number);
        break;
      default:
        r.identity = static_cast<uint16_t>(flow.port + index);
        break;
    }
    if (kind == ReplyKind::kTimeExceeded || kind == ReplyKind::kUnreachable) {
      r.quoted_dst = flow.dst;
    }
    if (kind == ReplyKind::kUnreachable) {  // port unreachable: the target was reached
      r.icmp_type = r.v6 ? 1 : 3;
      r.icmp_code = r.v6 ? 4 : 3;
    }
    return r;
  }

  // Queues a reply stamped `rtt_ms` after now.
  void Deliver(const ReplyInfo& info, double rtt_ms) {
    auto arrival = now_ns + static_cast<int64_t>(rtt_ms * kMs);
    in_flight_.push(InFlight{arrival, seq_++, Reply{info, arrival + kRealOffsetNs}});
  }

 private:
  bool TargetMayAnswer(const std::string& key, const Target& t) {
    if (t.burst == 0) return true;
    auto& [tokens, last_ns] = buckets_.try_emplace(key, t.burst, now_ns).first->second;
    tokens = std::min<double>(t.burst,
                              tokens + static_cast<double>(now_ns - last_ns) / 1e9 * t.per_second);
    last_ns = now_ns;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  struct InFlight {
    int64_t arrival_ns;
    uint64_t seq;
    Reply reply;
    bool operator>(const InFlight& o) const {
      return arrival_ns != o.arrival_ns ? arrival_ns > o.arrival_ns : seq > o.seq;
    }
  };
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<>> in_flight_;
  uint64_t seq_ = 0;
  uint64_t received_ = 0;
  std::map<std::string, int> router_seen_;
  std::map<std::string, std::pair<double, int64_t>> buckets_;
};

// Runs the scheduler against the network until no trace is left (or `limit_ns` of simulated
// time passed), advancing the clock from event to event as the engine's loop would.
inline void RunUntilIdle(TraceScheduler& scheduler, SimNetwork& net,
                         int64_t limit_ns = 600'000 * kMs) {
  int64_t end = net.now_ns + limit_ns;
  auto deliver = [&] {
    net.Drain(~uint64_t{0}, [&](const Reply& r) { scheduler.OnReply(r, net.now_ns); });
  };
  while (scheduler.active() > 0 && net.now_ns < end) {
    deliver();
    scheduler.SendDue(net.now_ns);
    if (scheduler.NextExpiryNs() <= net.now_ns) {
      deliver();
      scheduler.ExpireDue(net.now_ns);
    }
    int64_t next =
        std::min({scheduler.NextSendNs(), scheduler.NextExpiryNs(), net.NextArrivalNs()});
    if (next == INT64_MAX) break;
    net.now_ns = std::max(net.now_ns, next);
  }
}

}  // namespace colotrace::probe::sim
