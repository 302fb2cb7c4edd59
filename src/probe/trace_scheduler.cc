#include "probe/trace_scheduler.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <span>

#include "probe/mda.h"

namespace colotrace::probe {

using model::ColoError;
using model::ColoResult;
using model::PacketType;
using net::IpAddress;

namespace {

constexpr int kWireSlots = 0x8000;  // wire ids are 0x8000 | slot

std::string DistanceKey(const IpAddress& a) {
  return std::string(reinterpret_cast<const char*>(a.data()), a.size());
}

ColoResult ErrorResult(const IpAddress& target, ColoError error, int64_t elapsed_ms) {
  ColoResult r;
  r.error = error;
  r.target_summary.ip = target.ToString();
  r.target_summary.name = r.target_summary.ip;
  r.traceroute_time_ms = elapsed_ms;
  return r;
}

}  // namespace

struct TraceScheduler::Trace {
  uint16_t slot = 0;
  uint32_t generation = 0;
  Flow flow;
  model::TraceOptions options;
  TraceCallback done;
  std::function<void(const IpAddress&)> on_new_address;
  std::function<void(const model::Hop&)> on_hop;
  std::vector<IpAddress> answered_from;  // addresses reported to on_new_address
  int64_t start_ns = 0;
  int64_t wait_ns = 0;
  std::vector<ProbeOutcome> probes;  // probe i has TTL i / packets_per_ttl + 1
  std::vector<int64_t> tx_mono_ns;
  std::vector<int64_t> tx_real_ns;
  std::vector<bool> expired;
  std::vector<int> settled;  // per TTL: probes answered or expired
  int reported_ttl = 0;      // hops 1..reported_ttl went to on_hop
  int next_index = 0;        // next probe to send
  int expire_cursor = 0;     // probes before it have been checked for expiry
  bool expiry_scheduled = false;
  int end_ttl = 0;       // no probe beyond it is sent or reported
  int frontier_ttl = 0;  // no probe beyond it is sent yet (the remembered distance)
  int outstanding = 0;   // sent, unanswered, unexpired probes with ttl <= end_ttl
  bool send_scheduled = false;
  // Multipath: the planner decides every probe, round by round; probes grow as rounds come.
  std::unique_ptr<MdaPlanner> mda;
  std::vector<int> planner_flow;  // per probe: the planner's flow number
};

TraceScheduler::TraceScheduler(ProbeIo& io, const SchedulerOptions& options)
    : io_(io), options_(options) {
  options_.max_packets_per_second = std::max(1, options_.max_packets_per_second);
  options_.probe_gap_us = std::max(0, options_.probe_gap_us);
  options_.max_traces = std::clamp(options_.max_traces, 1, kWireSlots);
  uint32_t seed = options.seed;
  if (seed == 0) seed = std::random_device{}();
  rng_.seed(seed);
  next_slot_ = static_cast<int>(rng_() % kWireSlots);
  tokens_ = Burst();
}

TraceScheduler::~TraceScheduler() = default;

void TraceScheduler::Begin(TraceRequest request, TraceCallback done, int64_t queued_ns,
                           int64_t now_ns) {
  const IpAddress& dst = request.target;
  auto fail = [&](ColoError error) {
    done(ErrorResult(dst, error, (now_ns - queued_ns) / 1'000'000));
  };
  model::TraceOptions opt = request.options;
  if (model::NormalizeTraceOptions(opt)) return fail(ColoError::kInternal);
  if (opt.packet_type != PacketType::kIcmp && opt.packet_type != PacketType::kUdp &&
      opt.packet_type != PacketType::kTcp && opt.packet_type != PacketType::kGre) {
    return fail(ColoError::kCannotProbe);
  }
  if (opt.packet_type == PacketType::kGre && !dst.is_v4()) return fail(ColoError::kCannotProbe);
  if (opt.multipath && opt.packet_type == PacketType::kGre) return fail(ColoError::kCannotProbe);
  if (!dst.is_v4() && !io_.SupportsV6()) return fail(ColoError::kCannotProbe);
  auto src = io_.SourceFor(dst);
  if (!src) return fail(ColoError::kCannotProbe);
  if (active_ >= options_.max_traces) return fail(ColoError::kInternal);
  int slot = AllocateSlot();
  if (slot < 0) return fail(ColoError::kInternal);

  auto trace = std::make_unique<Trace>();
  Trace& t = *trace;
  t.slot = static_cast<uint16_t>(slot);
  t.generation = ++generation_;
  t.flow.type = opt.packet_type;
  t.flow.src = *src;
  t.flow.dst = dst;
  t.flow.wire_id = static_cast<uint16_t>(kWireSlots | slot);
  t.flow.port = static_cast<uint16_t>(model::EffectivePort(opt));
  t.flow.tcp_seq_base = static_cast<uint32_t>(rng_());
  t.options = opt;
  t.done = std::move(done);
  t.on_new_address = std::move(request.on_new_address);
  t.on_hop = std::move(request.on_hop);
  t.start_ns = queued_ns;
  t.wait_ns = static_cast<int64_t>(opt.wait_time_s) * 1'000'000'000;
  if (opt.multipath) {
    bool ports = opt.packet_type == PacketType::kUdp || opt.packet_type == PacketType::kTcp;
    t.flow.flow_count = ports ? std::min(kMaxFlows, 65536 - t.flow.port) : kMaxFlows;
    // A port near 65535 leaves few flows: enumeration ends incomplete when they run out.
    t.mda = std::make_unique<MdaPlanner>(opt.max_ttl, opt.confidence, model::kMultipathMaxProbes,
                                         model::kMultipathMaxRounds, t.flow.flow_count);
    t.settled.resize(static_cast<size_t>(opt.max_ttl));
    t.end_ttl = opt.max_ttl;
    t.frontier_ttl = opt.max_ttl;
    slots_.emplace(static_cast<uint16_t>(slot), std::move(trace));
    ++active_;
    NextRound(t, now_ns);
    return;
  }
  size_t count = static_cast<size_t>(opt.max_ttl) * static_cast<size_t>(opt.packets_per_ttl);
  t.probes.resize(count);
  t.tx_mono_ns.resize(count);
  t.tx_real_ns.resize(count);
  t.expired.resize(count);
  t.settled.resize(static_cast<size_t>(opt.max_ttl));
  for (size_t i = 0; i < count; ++i) {
    t.probes[i].ttl = static_cast<int>(i) / opt.packets_per_ttl + 1;
  }
  t.end_ttl = opt.max_ttl;
  t.frontier_ttl = opt.max_ttl;
  if (auto d = distances_.find(DistanceKey(dst)); d != distances_.end()) {
    if (d->second.expires_ns > now_ns) t.frontier_ttl = std::min(opt.max_ttl, d->second.ttl);
  }
  slots_.emplace(static_cast<uint16_t>(slot), std::move(trace));
  ++active_;
  send_heap_.push({now_ns, t.slot, t.generation});
  t.send_scheduled = true;
}

int TraceScheduler::AllocateSlot() {
  for (int i = 0; i < kWireSlots; ++i) {
    int slot = (next_slot_ + i) % kWireSlots;
    if (slots_.count(static_cast<uint16_t>(slot)) == 0) {
      next_slot_ = (slot + 1) % kWireSlots;
      return slot;
    }
  }
  return -1;
}

TraceScheduler::Trace* TraceScheduler::Find(uint16_t slot) {
  auto it = slots_.find(slot);
  return it == slots_.end() ? nullptr : it->second.get();
}

TraceScheduler::Trace* TraceScheduler::Lookup(uint16_t slot, uint32_t generation) {
  Trace* t = Find(slot);
  return t != nullptr && t->generation == generation ? t : nullptr;
}

double TraceScheduler::Burst() const {
  return std::max(10.0, options_.max_packets_per_second / 100.0);
}

void TraceScheduler::Refill(int64_t now_ns) {
  if (now_ns <= last_refill_ns_) return;
  tokens_ = std::min(Burst(), tokens_ + static_cast<double>(now_ns - last_refill_ns_) *
                                            options_.max_packets_per_second / 1e9);
  last_refill_ns_ = now_ns;
}

int64_t TraceScheduler::NextSendNs() const {
  if (send_heap_.empty()) return INT64_MAX;
  int64_t token_ready = 0;
  if (tokens_ < 1) {
    // Out of budget: wait until kTokenWaitNs worth of tokens have come (at least one), so that
    // the thread wakes a few thousand times a second rather than once per probe.
    double rate = options_.max_packets_per_second;
    double want = std::min(Burst(), std::max(1.0, rate * static_cast<double>(kTokenWaitNs) / 1e9));
    token_ready = last_refill_ns_ + static_cast<int64_t>((want - tokens_) * 1e9 / rate) + 1;
  }
  return std::max(send_heap_.top().time_ns, token_ready);
}

int64_t TraceScheduler::NextExpiryNs() const {
  return expiry_heap_.empty() ? INT64_MAX : expiry_heap_.top().time_ns;
}

SchedulerCounters TraceScheduler::counters() const {
  return SchedulerCounters{probes_sent_.load(std::memory_order_relaxed),
                           replies_matched_.load(std::memory_order_relaxed),
                           traces_done_.load(std::memory_order_relaxed)};
}

void TraceScheduler::SendDue(int64_t now_ns, int max_sends) {
  Refill(now_ns);
  for (int turns = 0; turns < max_sends && !send_heap_.empty() &&
                      send_heap_.top().time_ns <= now_ns && tokens_ >= 1;
       ++turns) {
    HeapEntry e = send_heap_.top();
    send_heap_.pop();
    Trace* t = Lookup(e.slot, e.generation);
    if (t == nullptr) continue;
    t->send_scheduled = false;
    SendNext(*t, now_ns);
  }
}

int TraceScheduler::SendLimit(const Trace& t) const {
  if (t.mda) return static_cast<int>(t.probes.size());
  return std::min(static_cast<int>(t.probes.size()),
                  std::min(t.end_ttl, t.frontier_ttl) * t.options.packets_per_ttl);
}

// Sends the trace's next probe and schedules the one after it; true if more remain.
bool TraceScheduler::SendNext(Trace& t, int64_t now_ns) {
  if (t.next_index >= SendLimit(t)) {
    CheckDone(t, now_ns);
    return false;
  }
  int index = t.next_index;
  auto i = static_cast<size_t>(index);
  ProbeOutcome& probe = t.probes[i];
  int flow_number = t.mda ? t.planner_flow[i] : 0;
  SendOutcome sent = io_.Send(t.flow, index, probe.ttl, flow_number);
  int64_t gap_ns = options_.probe_gap_us * 1000LL;
  if (sent.error == EAGAIN || sent.error == ENOBUFS) {  // try again on a later turn
    send_heap_.push({std::max(now_ns, sent.tx_mono_ns) + gap_ns, t.slot, t.generation});
    t.send_scheduled = true;
    return true;
  }
  if (sent.error != 0 && index == 0) {
    Finish(t, ColoError::kCannotProbe, now_ns);
    return false;
  }
  // A probe the kernel refused later on counts as sent and lost.
  tokens_ -= 1;
  probes_sent_.fetch_add(1, std::memory_order_relaxed);
  probe.sent = true;
  t.tx_mono_ns[i] = sent.tx_mono_ns;
  t.tx_real_ns[i] = sent.tx_real_ns;
  ++t.outstanding;
  ++t.next_index;
  if (!t.expiry_scheduled) {
    expiry_heap_.push({sent.tx_mono_ns + t.wait_ns + kExpiryGraceNs, t.slot, t.generation});
    t.expiry_scheduled = true;
  }
  if (t.next_index >= SendLimit(t)) {
    CheckDone(t, now_ns);
    return false;
  }
  send_heap_.push({sent.tx_mono_ns + gap_ns, t.slot, t.generation});
  t.send_scheduled = true;
  return true;
}

// Appends the planner's next round to a multipath trace and schedules its sending; finishes
// the trace when enumeration is over.
void TraceScheduler::NextRound(Trace& t, int64_t now_ns) {
  std::vector<FlowProbe> round = t.mda->NextRound();
  if (round.empty()) {
    Finish(t, ColoError::kNone, now_ns);
    return;
  }
  for (const FlowProbe& p : round) {
    ProbeOutcome o;
    o.ttl = p.ttl;
    t.probes.push_back(std::move(o));
    t.planner_flow.push_back(p.flow);
    t.tx_mono_ns.push_back(0);
    t.tx_real_ns.push_back(0);
    t.expired.push_back(false);
  }
  if (!t.send_scheduled) {
    send_heap_.push({now_ns, t.slot, t.generation});
    t.send_scheduled = true;
  }
}

// The remembered distance was too short (the path grew, or the target stopped answering):
// probe on up to the end.
void TraceScheduler::Expand(Trace& t, int64_t now_ns) {
  if (t.frontier_ttl >= t.end_ttl) return;
  t.frontier_ttl = t.end_ttl;
  if (!t.send_scheduled) {
    send_heap_.push({now_ns, t.slot, t.generation});
    t.send_scheduled = true;
  }
}

void TraceScheduler::OnReply(const Reply& reply, int64_t now_ns) {
  const ReplyInfo& info = reply.info;
  if ((info.wire_id & kWireSlots) == 0) return;
  Trace* t = Find(static_cast<uint16_t>(info.wire_id & (kWireSlots - 1)));
  if (t == nullptr) return;
  auto index = MatchProbe(t->flow, info, static_cast<int>(t->probes.size()));
  if (!index) return;
  auto i = static_cast<size_t>(*index);
  ProbeOutcome& probe = t->probes[i];
  if (!probe.sent || probe.answered || t->expired[i]) return;
  if (t->mda) {
    auto flow_number = FlowNumberOf(t->flow, info);
    if (flow_number && *flow_number != t->planner_flow[i]) return;
  }
  int64_t elapsed = now_ns - t->tx_mono_ns[i];
  int64_t rtt = reply.rx_real_ns > 0 ? reply.rx_real_ns - t->tx_real_ns[i] : elapsed;
  rtt = std::clamp<int64_t>(rtt, 0, std::max<int64_t>(elapsed, 0));
  if (rtt > t->wait_ns) return;  // too late: it expires as lost
  replies_matched_.fetch_add(1, std::memory_order_relaxed);
  probe.answered = true;
  probe.from = info.from;
  probe.rtt_ms = static_cast<double>(rtt) / 1e6;
  for (const auto& m : info.mpls) probe.labels.push_back(packet::MplsLabelText(m));
  if (t->on_new_address && std::find(t->answered_from.begin(), t->answered_from.end(), info.from) ==
                               t->answered_from.end()) {
    t->answered_from.push_back(info.from);
    t->on_new_address(info.from);
  }
  bool ends = false;
  switch (info.kind) {
    case ReplyKind::kTimeExceeded:
      probe.from_target = info.from == t->flow.dst;
      break;
    case ReplyKind::kEchoReply:
    case ReplyKind::kTcpReply:
      probe.from_target = true;
      ends = true;
      break;
    case ReplyKind::kUnreachable: {
      auto label = UnreachableLabel(info.v6, info.icmp_type, info.icmp_code);
      probe.from_target = !label || info.from == t->flow.dst;
      if (label) probe.labels.push_back(*label);
      ends = true;
      break;
    }
  }
  if (probe.ttl <= t->end_ttl) --t->outstanding;
  Settle(*t, i);
  if (t->mda) {
    t->mda->Record({t->planner_flow[i], probe.ttl}, {info.from, ends || info.from == t->flow.dst});
    CheckDone(*t, now_ns);
    return;
  }
  if (ends) {
    LowerEnd(*t, probe.ttl);
  } else if (probe.ttl >= t->frontier_ttl) {
    Expand(*t, now_ns);  // a router where the target was expected: the path is longer now
  }
  CheckDone(*t, now_ns);
}

// The trace ends at `ttl`: probes beyond it are neither sent nor waited for.
void TraceScheduler::LowerEnd(Trace& t, int ttl) {
  if (ttl >= t.end_ttl) return;
  for (size_t i = 0; i < t.probes.size(); ++i) {
    const ProbeOutcome& p = t.probes[i];
    if (p.ttl > ttl && p.ttl <= t.end_ttl && p.sent && !p.answered && !t.expired[i]) {
      --t.outstanding;
    }
  }
  t.end_ttl = ttl;
}

void TraceScheduler::Settle(Trace& t, size_t index) {
  ++t.settled[static_cast<size_t>(t.probes[index].ttl - 1)];
}

// Reports, in TTL order, every hop that is final: all its probes and those of the lower TTLs
// were answered or expired, so no later reply can change it or end the trace below it.
void TraceScheduler::ReportHops(Trace& t) {
  if (t.mda) return;  // a multipath trace's hops are known at its end
  while (t.reported_ttl < t.end_ttl &&
         t.settled[static_cast<size_t>(t.reported_ttl)] == t.options.packets_per_ttl) {
    int ttl = ++t.reported_ttl;
    if (!t.on_hop) continue;
    auto first = static_cast<size_t>((ttl - 1) * t.options.packets_per_ttl);
    t.on_hop(SummarizeHop(
        std::span(t.probes).subspan(first, static_cast<size_t>(t.options.packets_per_ttl)), ttl));
  }
}

void TraceScheduler::ExpireDue(int64_t now_ns) {
  while (!expiry_heap_.empty() && expiry_heap_.top().time_ns <= now_ns) {
    HeapEntry e = expiry_heap_.top();
    expiry_heap_.pop();
    Trace* t = Lookup(e.slot, e.generation);
    if (t == nullptr) continue;
    t->expiry_scheduled = false;
    auto deadline = [&](int i) {
      return t->tx_mono_ns[static_cast<size_t>(i)] + t->wait_ns + kExpiryGraceNs;
    };
    while (t->expire_cursor < t->next_index && deadline(t->expire_cursor) <= now_ns) {
      auto i = static_cast<size_t>(t->expire_cursor++);
      if (!t->probes[i].answered && t->probes[i].sent) {
        t->expired[i] = true;
        if (t->probes[i].ttl <= t->end_ttl) --t->outstanding;
        Settle(*t, i);
        if (t->mda) t->mda->Record({t->planner_flow[i], t->probes[i].ttl}, {});
      }
    }
    if (t->expire_cursor < t->next_index) {
      expiry_heap_.push({deadline(t->expire_cursor), t->slot, t->generation});
      t->expiry_scheduled = true;
    }
    CheckDone(*t, now_ns);
  }
}

void TraceScheduler::CheckDone(Trace& t, int64_t now_ns) {
  ReportHops(t);
  if (t.next_index < SendLimit(t) || t.outstanding > 0) return;
  if (t.mda) {
    NextRound(t, now_ns);  // the round is settled: the next one, or the end
    return;
  }
  if (t.frontier_ttl < t.end_ttl) {
    Expand(t, now_ns);  // everything up to the remembered distance is done, and no target yet
    return;
  }
  Finish(t, ColoError::kNone, now_ns);
}

void TraceScheduler::Finish(Trace& t, ColoError error, int64_t now_ns) {
  auto node = slots_.extract(t.slot);
  std::unique_ptr<Trace> owned = std::move(node.mapped());
  --active_;
  ColoResult result;
  if (error == ColoError::kNone && owned->mda) {
    SummarizeMultipath(*owned, &result);
  } else if (error == ColoError::kNone) {
    Summarize(owned->probes, owned->end_ttl, owned->flow.dst, &result);
    RememberDistance(*owned, result.target_summary.latency.count > 0, now_ns);
  }
  result.error = error;
  result.target_summary.ip = owned->flow.dst.ToString();
  result.target_summary.name = result.target_summary.ip;
  result.traceroute_time_ms = (now_ns - owned->start_ns) / 1'000'000;
  traces_done_.fetch_add(1, std::memory_order_relaxed);
  owned->done(std::move(result));
}

// Hops 1..the last TTL enumeration reached from the probes that count (none past its flow's
// end), every interface a node, with the links into each hop.
void TraceScheduler::SummarizeMultipath(const Trace& t, ColoResult* result) {
  const MdaPlanner& mda = *t.mda;
  std::vector<ProbeOutcome> counted;
  for (size_t i = 0; i < t.probes.size(); ++i) {
    if (t.probes[i].sent && mda.Counts(t.probes[i].ttl, t.planner_flow[i])) {
      counted.push_back(t.probes[i]);
    }
  }
  int last = mda.last_ttl() > 0 ? mda.last_ttl() : t.options.max_ttl;
  Summarize(counted, last, t.flow.dst, result);
  for (size_t h = 0; h < result->hops.size(); ++h) {
    auto& links = result->hops[h].links.emplace();
    for (const auto& [from, to] : mda.Links(static_cast<int>(h) + 1)) {
      links.push_back(model::Link{from.ToString(), to.ToString()});
    }
  }
  result->multipath_complete = mda.complete();
  result->multipath_probes = static_cast<int>(std::count_if(
      t.probes.begin(), t.probes.end(), [](const ProbeOutcome& p) { return p.sent; }));
}

void TraceScheduler::Abort(ColoError error, int64_t now_ns) {
  while (!slots_.empty()) Finish(*slots_.begin()->second, error, now_ns);
}

void TraceScheduler::RememberDistance(const Trace& t, bool reached, int64_t now_ns) {
  std::string key = DistanceKey(t.flow.dst);
  if (!reached) {
    distances_.erase(key);
    return;
  }
  if (distances_.size() >= kDistanceMemoryMax) {
    std::erase_if(distances_, [now_ns](const auto& kv) { return kv.second.expires_ns <= now_ns; });
    if (distances_.size() >= kDistanceMemoryMax) distances_.clear();
  }
  distances_[key] = Distance{t.end_ttl, now_ns + kDistanceMemoryNs};
}

}  // namespace colotrace::probe
