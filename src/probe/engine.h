// The probe engine: one set of raw sockets and one thread per network namespace, serving any
// number of concurrent traceroutes. The thread runs a loop around three parts: a ProbeIo
// (raw_probe_io.h: the sockets), a TraceScheduler (trace_scheduler.h: every decision, with the
// time passed in) and ppoll. docs/ARCHITECTURE.md describes the scheduling.
//
// Threads: Create() starts the engine thread; Start(), Run() and counters() may be called from
// any thread. Callbacks run on the engine thread and must not block.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "model/result.h"
#include "probe/trace_request.h"

namespace colotrace::probe {

struct EngineOptions {
  // Network namespace the sockets (and the engine thread) live in; empty: the caller's.
  std::string netns;
  // Engine-wide send budget, shared by all traces (token bucket, 10 ms of burst).
  int max_packets_per_second = 20000;
  // Spacing of consecutive probes of one trace, so that a TTL's probes do not leave at once.
  int probe_gap_us = 20;
  // Traces in flight at once (at most 32,768); Start() fails the trace with kInternal beyond it.
  int max_traces = 20000;
};

// Counters since the engine started; read from any thread.
struct EngineCounters {
  uint64_t probes_sent = 0;
  uint64_t replies_matched = 0;
  uint64_t packets_received = 0;
  uint64_t traces_done = 0;
};

class Engine {
 public:
  using Callback = TraceCallback;

  // Opens the raw sockets inside options.netns and starts the engine thread. Fails with a
  // message saying how to grant CAP_NET_RAW when raw sockets are refused. A process that is not
  // root clears the engine thread's capabilities once the sockets are open; a root process
  // should call net::DropPrivileges() after Create.
  static model::Result<std::unique_ptr<Engine>> Create(const EngineOptions& options);
  virtual ~Engine() = default;

  // Queues a trace; `done` gets its result. gre+icmp runs a GRE and an ICMP trace side by side
  // and merges them (hops too, for on_hop). Traces still running when the engine is destroyed
  // complete with ColoError::kInternal.
  virtual void Start(const TraceRequest& request, Callback done) = 0;
  // Start() and wait.
  model::ColoResult Run(const TraceRequest& request);

  virtual EngineCounters counters() const = 0;
};

}  // namespace colotrace::probe
