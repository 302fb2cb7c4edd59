// gre+icmp: a GRE and an ICMP trace of one target run side by side and become one result. The
// join merges their hops as soon as both halves have reported a hop (or finished without it),
// in TTL order, and their results when both are done. Pure.
//
// Threads: not thread-safe; the engine calls it from its thread only.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "model/traceroute.h"
#include "probe/trace_request.h"

namespace colotrace::probe {

class GreIcmpJoin {
 public:
  enum Half { kGre = 0, kIcmp = 1 };

  // `on_hop` (may be empty) gets the merged hops, `done` the merged result, once.
  GreIcmpJoin(std::function<void(const model::Hop&)> on_hop, TraceCallback done);

  // A hop one half reported (TraceRequest::on_hop), in its TTL order.
  void Hop(Half half, const model::Hop& hop);
  // One half's result. The second one completes the join.
  void Done(Half half, model::ColoResult result);

 private:
  void Pump();

  std::function<void(const model::Hop&)> on_hop_;
  TraceCallback done_;
  std::vector<model::Hop> hops_[2];
  std::optional<model::ColoResult> results_[2];
  size_t emitted_ = 0;
};

}  // namespace colotrace::probe
