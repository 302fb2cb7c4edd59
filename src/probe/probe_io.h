// The probe engine's access to the network: route look-up, sending a probe, reading replies.
// TraceScheduler decides what to send and when; a ProbeIo carries it out. RawProbeIo
// (raw_probe_io.h) is the implementation on Linux raw sockets; tests use a simulated network.
//
// Threads: one thread (the engine's) uses a ProbeIo.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "net/ip_address.h"
#include "probe/probe_codec.h"

namespace colotrace::probe {

// When a probe left, or why it did not.
struct SendOutcome {
  int error = 0;           // 0, or the errno of the send
  int64_t tx_mono_ns = 0;  // CLOCK_MONOTONIC just before the send
  int64_t tx_real_ns = 0;  // CLOCK_REALTIME just before the send (compared with rx stamps)
};

// A reply read from the network, decoded enough to find its probe.
struct Reply {
  ReplyInfo info;
  // The kernel's receive timestamp (CLOCK_REALTIME); 0 when the socket gave none.
  int64_t rx_real_ns = 0;
};

class ProbeIo {
 public:
  using ReplySink = std::function<void(const Reply&)>;
  virtual ~ProbeIo() = default;

  // False when IPv6 probes cannot be sent (no IPv6 sockets could be opened).
  virtual bool SupportsV6() const = 0;
  // The source address the route to `dst` uses; nullopt when there is no route.
  virtual std::optional<net::IpAddress> SourceFor(const net::IpAddress& dst) = 0;
  // Builds probe `index` of flow number `flow_number` of `flow` (probe_codec.h) with TTL / hop
  // limit `ttl` and sends it. EAGAIN and ENOBUFS mean "try again later"; other errors are final
  // for this probe.
  virtual SendOutcome Send(const Flow& flow, int index, int ttl, int flow_number) = 0;

  // File descriptors to wait on for replies (poll(2) POLLIN), in a fixed order.
  virtual std::vector<int> ReceiveFds() const = 0;
  // Reads what is waiting on the receive sockets whose bit is set in `ready` (bit i: the i-th
  // of ReceiveFds(); ~0 for all) and calls `sink` with every packet that decodes as a reply
  // to some probe. Reads at most a bounded number of packets per socket, so that sending is
  // not starved; returns true if a socket may still hold more.
  virtual bool Drain(uint64_t ready, const ReplySink& sink) = 0;
  // Packets read so far, replies or not. May be called from any thread.
  virtual uint64_t packets_received() const = 0;
};

}  // namespace colotrace::probe
