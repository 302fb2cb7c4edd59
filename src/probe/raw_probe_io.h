// ProbeIo on Linux raw sockets (docs/ARCHITECTURE.md, "Sockets"): one header-including IPv4
// socket sends every IPv4 probe; raw ICMP and TCP sockets receive; IPv6 probes go out through
// raw ICMPv6, UDP and TCP sockets with the hop limit and source set per packet. Replies carry
// the kernel's receive timestamp (SO_TIMESTAMPNS).
#pragma once

#include <memory>

#include "model/result.h"
#include "probe/probe_io.h"

namespace colotrace::probe {

// Opens the sockets in the calling thread's network namespace. Needs CAP_NET_RAW; without it
// the error says how to grant it. IPv6 sockets that cannot be opened only disable IPv6.
model::Result<std::unique_ptr<ProbeIo>> OpenRawProbeIo();

}  // namespace colotrace::probe
