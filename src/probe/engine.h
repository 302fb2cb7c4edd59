// The probe engine: one set of raw sockets and one thread per network namespace, serving any
// number of concurrent traceroutes. docs/ARCHITECTURE.md describes the scheduling.
//
// Threads: Create() starts the engine thread; Start() and Run() may be called from any thread.
// Callbacks run on the engine thread and must not block.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "model/result.h"
#include "model/traceroute.h"
#include "probe/packet/address.h"

namespace colotrace::probe {

struct EngineOptions {
  // Network namespace the sockets (and the engine thread) live in; empty: the caller's.
  std::string netns;
  // Engine-wide send budget, shared by all traces (token bucket, 10 ms of burst).
  int max_packets_per_second = 20000;
  // Spacing of consecutive probes of one trace, so that a TTL's probes do not leave at once.
  int probe_gap_us = 20;
  // Traces in flight at once; Start() fails the trace with kInternal beyond it.
  int max_traces = 20000;
};

struct TraceRequest {
  packet::IpAddress target;
  model::TraceOptions options;  // validated: ranges of model/limits.h, packet type icmp/udp/tcp
  // Optional: called on the engine thread the first time each address answers this trace, so
  // that its name can be looked up while probing goes on. Must not block.
  std::function<void(const packet::IpAddress&)> on_new_address;
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
  using Callback = std::function<void(model::ColoResult)>;

  // Opens the raw sockets inside options.netns and starts the engine thread. Fails with a
  // message saying how to grant CAP_NET_RAW when raw sockets are refused. A process that is not
  // root clears the engine thread's capabilities once the sockets are open; a root process
  // should call DropPrivileges() (system.h) after Create.
  static model::Result<std::unique_ptr<Engine>> Create(const EngineOptions& options);
  virtual ~Engine() = default;

  // Queues a trace; `done` gets its result (hops, target summary, time, error code; the colo
  // name and city are left empty for the caller). Traces still running when the engine is
  // destroyed complete with ColoError::kInternal.
  virtual void Start(const TraceRequest& request, Callback done) = 0;
  // Start() and wait.
  model::ColoResult Run(const TraceRequest& request);

  virtual EngineCounters counters() const = 0;
};

}  // namespace colotrace::probe
