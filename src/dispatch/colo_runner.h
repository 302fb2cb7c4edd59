// A colo: a vantage point that runs traceroutes. Implementations: LocalColoRunner (this
// process's probe engine, local_colo.h) and NatsColoRunner (an agent's, over NATS, nats_colos.h).
#pragma once

#include <functional>
#include <string>

#include "model/traceroute.h"

namespace colotrace::dispatch {

struct ColoInfo {
  std::string name;  // unique, matched case-insensitively
  std::string city;
  bool available = true;  // false: never selected for traceroutes
};

class ColoRunner {
 public:
  using Callback = std::function<void(model::ColoResult)>;
  virtual ~ColoRunner() = default;
  // Traces `target` (a host name or address, as the user gave it) from this colo. `done` is
  // called exactly once, from any thread; failures are a ColoResult with its error code, never
  // an exception. The colo name and city of the result may be left empty.
  virtual void Trace(const std::string& target, const model::TraceOptions& options,
                     Callback done) = 0;
};

}  // namespace colotrace::dispatch
