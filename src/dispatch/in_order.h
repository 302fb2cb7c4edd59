// Delivers a trace's hops and then its result in the order they were produced, although each
// becomes ready (enriched with names) at its own time, on its own thread. Pure.
//
// Threads: Reserve from one thread at a time, in production order; Hop/Done from any thread.
// Callbacks run on whichever thread completed the next item in order, one at a time, never
// under a lock of this object's caller.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <variant>

#include "dispatch/colo_runner.h"

namespace colotrace::dispatch {

class InOrder {
 public:
  InOrder(ColoRunner::HopCallback on_hop, ColoRunner::Callback done)
      : on_hop_(std::move(on_hop)), done_(std::move(done)) {}

  // The position of the next item produced.
  uint64_t Reserve() {
    std::lock_guard lock(mu_);
    return next_reserved_++;
  }
  void Hop(uint64_t position, model::Hop hop) { Ready(position, Item(std::move(hop))); }
  void Done(uint64_t position, model::ColoResult result) {
    Ready(position, Item(std::move(result)));
  }

 private:
  using Item = std::variant<model::Hop, model::ColoResult>;

  void Ready(uint64_t position, Item item) {
    std::unique_lock lock(mu_);
    ready_.emplace(position, std::move(item));
    if (delivering_) return;  // the thread delivering now will take it
    delivering_ = true;
    while (!ready_.empty() && ready_.begin()->first == next_delivered_) {
      Item next = std::move(ready_.begin()->second);
      ready_.erase(ready_.begin());
      ++next_delivered_;
      lock.unlock();
      if (auto* hop = std::get_if<model::Hop>(&next)) {
        if (on_hop_) on_hop_(std::move(*hop));
      } else {
        done_(std::move(std::get<model::ColoResult>(next)));
      }
      lock.lock();
    }
    delivering_ = false;
  }

  ColoRunner::HopCallback on_hop_;
  ColoRunner::Callback done_;
  std::mutex mu_;
  uint64_t next_reserved_ = 0;
  uint64_t next_delivered_ = 0;
  bool delivering_ = false;
  std::map<uint64_t, Item> ready_;
};

}  // namespace colotrace::dispatch
