// A colo: a vantage point that runs traceroutes. Implementations: LocalColoRunner (this
// process's probe engine, local_colo.h) and NatsColoRunner (an agent's, over NATS, nats_colos.h).
#pragma once

#include <functional>
#include <string>

#include "model/traceroute.h"

namespace colotrace::dispatch {

struct ColoInfo {
  std::string name;  // unique, matched case-insensitively (model::IsValidColoName)
  std::string city;
  bool available = true;  // false: never selected for traceroutes
};

class ColoRunner {
 public:
  using Callback = std::function<void(model::ColoResult)>;
  using HopCallback = std::function<void(model::Hop)>;
  virtual ~ColoRunner() = default;
  // Traces `target` (a host name or address, as the user gave it) from this colo. `done` is
  // called exactly once, from any thread; failures are a ColoResult with its error code, never
  // an exception. The colo name and city of the result may be left empty.
  // `on_hop` (may be empty) gets each hop as soon as it is final, in TTL order, with the names
  // and ASNs the result will carry, each call before `done` and none after it; calls come one
  // at a time, from any thread. A colo that cannot report progress (an agent of wire version 1)
  // calls only `done`.
  virtual void Trace(const std::string& target, const model::TraceOptions& options,
                     HopCallback on_hop, Callback done) = 0;
};

}  // namespace colotrace::dispatch
