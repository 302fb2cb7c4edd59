// One traceroute as the probe engine takes it, and how its result comes back.
#pragma once

#include <functional>

#include "model/traceroute.h"
#include "net/ip_address.h"

namespace colotrace::probe {

struct TraceRequest {
  net::IpAddress target;
  // Options as model::NormalizeTraceOptions accepts them (it is applied again); packet type
  // icmp, udp, tcp or gre (the engine splits gre+icmp into two traces).
  model::TraceOptions options;
  // Optional: called the first time each address answers this trace, so that its name can be
  // looked up while probing goes on. Runs on the engine thread; must not block.
  std::function<void(const net::IpAddress&)> on_new_address;
  // Optional: called once per hop as soon as the hop is final, in TTL order: every probe of it
  // and of every lower TTL was answered or expired. The hop equals the one the result will
  // carry (names and ASNs not yet filled in); no hop past the trace's end is reported. Runs on
  // the engine thread; must not block.
  std::function<void(const model::Hop&)> on_hop;
};

// Gets a trace's result: hops, target summary, time and error code; the colo name and city are
// left empty for the caller. Called exactly once.
using TraceCallback = std::function<void(model::ColoResult)>;

}  // namespace colotrace::probe
