#include "probe/gre_icmp_join.h"

#include "probe/trace_summary.h"

namespace colotrace::probe {

GreIcmpJoin::GreIcmpJoin(std::function<void(const model::Hop&)> on_hop, TraceCallback done)
    : on_hop_(std::move(on_hop)), done_(std::move(done)) {}

void GreIcmpJoin::Hop(Half half, const model::Hop& hop) {
  hops_[half].push_back(hop);
  Pump();
}

void GreIcmpJoin::Done(Half half, model::ColoResult result) {
  // A finished half has reported exactly its result's hops; take them from the result, which
  // is what MergeGreIcmp merges.
  if (result.error == model::ColoError::kNone) hops_[half] = result.hops;
  results_[half] = std::move(result);
  Pump();
  if (results_[kGre] && results_[kIcmp]) {
    done_(MergeGreIcmp(std::move(*results_[kGre]), std::move(*results_[kIcmp])));
  }
}

// Emits merged hop n + 1 once each half has either reported its hop n + 1 or finished.
void GreIcmpJoin::Pump() {
  for (;;) {
    size_t next = emitted_;
    bool any = false;
    for (int half : {kGre, kIcmp}) {
      if (hops_[half].size() > next) {
        any = true;
      } else if (!results_[half]) {
        return;  // this half may still report that hop
      }
    }
    if (!any) return;
    auto at = [&](int half) { return next < hops_[half].size() ? &hops_[half][next] : nullptr; };
    ++emitted_;
    if (on_hop_) on_hop_(MergeGreIcmpHop(at(kGre), at(kIcmp), static_cast<int>(next) + 1));
  }
}

}  // namespace colotrace::probe
