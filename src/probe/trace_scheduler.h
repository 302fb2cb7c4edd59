// The decisions of the probe engine, without sockets or clocks: which probe goes out next and
// when, which probe a reply answers, when a probe is lost, when a hop is final and when a trace
// is done. Every method takes the current time (CLOCK_MONOTONIC, ns) from its caller and
// reaches the network only through a ProbeIo, so tests drive it with a simulated network and a
// manual clock. docs/ARCHITECTURE.md, "How a traceroute flows", describes the policy.
//
// Threads: not thread-safe; one thread (the engine's) calls every method, and the callbacks
// run on it. counters() may be read from any thread.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/traceroute.h"
#include "probe/probe_io.h"
#include "probe/trace_request.h"
#include "probe/trace_summary.h"

namespace colotrace::probe {

struct SchedulerOptions {
  // Send budget of all traces together (token bucket with 10 ms of burst, at least 10 probes).
  int max_packets_per_second = 20000;
  // Spacing of consecutive probes of one trace, so that a TTL's probes do not leave at once.
  int probe_gap_us = 20;
  // Traces running at once; Begin fails a trace with kInternal beyond it (at most 32,768).
  int max_traces = 20000;
  // Seeds the wire ids and TCP sequence bases; 0: from std::random_device.
  uint32_t seed = 0;
};

// A probe unanswered this long after wait_time is lost; the grace lets a reply the kernel
// stamped in time, but which was not read yet, still count (callers drain before expiring).
inline constexpr int64_t kExpiryGraceNs = 500'000;
// When the send budget is spent, sending resumes once this much of it has come back (or the
// burst is full), not token by token: fewer, larger wake-ups at high rates.
inline constexpr int64_t kTokenWaitNs = 250'000;
// How long the TTL at which a target answered is remembered, and for how many targets.
inline constexpr int64_t kDistanceMemoryNs = 600LL * 1'000'000'000;
inline constexpr size_t kDistanceMemoryMax = 65536;

struct SchedulerCounters {
  uint64_t probes_sent = 0;
  uint64_t replies_matched = 0;
  uint64_t traces_done = 0;
};

class TraceScheduler {
 public:
  // `io` must outlive the scheduler.
  TraceScheduler(ProbeIo& io, const SchedulerOptions& options);
  // Traces still running are dropped without their callbacks: call Abort first to answer them.
  ~TraceScheduler();
  TraceScheduler(const TraceScheduler&) = delete;
  TraceScheduler& operator=(const TraceScheduler&) = delete;

  // Takes a trace queued at `queued_ns` (its traceroute_time_ms counts from then). Invalid
  // options (model::NormalizeTraceOptions) or too many traces: `done` gets kInternal at once; a
  // packet type or family this ProbeIo cannot send, or no route: kCannotProbe.
  void Begin(TraceRequest request, TraceCallback done, int64_t queued_ns, int64_t now_ns);

  // Sends the probes that are due by `now_ns`, within the token bucket, at most `max_sends` of
  // them (the caller reads replies in between, so that a long burst of sends cannot let them
  // overflow a socket's buffer; NextSendNs() is then still due).
  void SendDue(int64_t now_ns, int max_sends = INT32_MAX);
  // A reply read from the network. `now_ns` bounds its round-trip time (the monotonic time
  // since the probe left), so that a step of the realtime clock cannot produce nonsense.
  void OnReply(const Reply& reply, int64_t now_ns);
  // Marks probes whose wait is over as lost (drain the sockets first, see kExpiryGraceNs).
  void ExpireDue(int64_t now_ns);
  // Finishes every running trace with `error` (the engine stopping).
  void Abort(model::ColoError error, int64_t now_ns);

  // The earliest time SendDue has something to do (token bucket included); INT64_MAX if none.
  int64_t NextSendNs() const;
  // The earliest time ExpireDue has something to do; INT64_MAX if none.
  int64_t NextExpiryNs() const;
  int active() const { return active_; }
  SchedulerCounters counters() const;

 private:
  struct Trace;
  struct HeapEntry {
    int64_t time_ns;
    uint16_t slot;
    uint32_t generation;
    bool operator>(const HeapEntry& o) const { return time_ns > o.time_ns; }
  };
  using MinHeap = std::priority_queue<HeapEntry, std::vector<HeapEntry>, std::greater<>>;
  struct Distance {
    int ttl;
    int64_t expires_ns;
  };

  int AllocateSlot();
  Trace* Find(uint16_t slot);
  Trace* Lookup(uint16_t slot, uint32_t generation);
  double Burst() const;
  void Refill(int64_t now_ns);
  int SendLimit(const Trace& t) const;
  bool SendNext(Trace& t, int64_t now_ns);
  void Expand(Trace& t, int64_t now_ns);
  void NextRound(Trace& t, int64_t now_ns);
  void SummarizeMultipath(const Trace& t, model::ColoResult* result);
  void LowerEnd(Trace& t, int ttl);
  void Settle(Trace& t, size_t index);
  void ReportHops(Trace& t);
  void CheckDone(Trace& t, int64_t now_ns);
  void Finish(Trace& t, model::ColoError error, int64_t now_ns);
  void RememberDistance(const Trace& t, bool reached, int64_t now_ns);

  ProbeIo& io_;
  SchedulerOptions options_;
  // Running traces by wire slot (a map: a table of all 32,768 slots costs a short-lived
  // `colotrace trace` 64 page faults at start).
  std::unordered_map<uint16_t, std::unique_ptr<Trace>> slots_;
  int next_slot_ = 0;
  int active_ = 0;
  uint32_t generation_ = 0;
  std::mt19937 rng_;
  // The TTL at which each recently traced target answered (key: its address bytes).
  std::unordered_map<std::string, Distance> distances_;
  MinHeap send_heap_;
  MinHeap expiry_heap_;
  double tokens_ = 0;
  int64_t last_refill_ns_ = 0;
  std::atomic<uint64_t> probes_sent_{0}, replies_matched_{0}, traces_done_{0};
};

}  // namespace colotrace::probe
