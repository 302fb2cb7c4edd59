// The colo registry and the fan-out of a request's targets x colos, with a deadline.
//
// Threads: every method may be called from any thread. Callbacks run on a colo's thread or on
// the dispatcher's timer thread; they must not block.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dispatch/colo_runner.h"
#include "model/traceroute.h"

namespace colotrace::dispatch {

class Dispatcher {
 public:
  Dispatcher();
  ~Dispatcher();  // results still pending are dropped without calling back
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Registers a colo; a later colo of the same name (case-insensitive) replaces it.
  void AddColo(ColoInfo info, std::shared_ptr<ColoRunner> runner);
  std::vector<ColoInfo> Colos() const;
  // Removes the colo of that name (case-insensitive), if any. Requests already running keep
  // their runner.
  void RemoveColo(const std::string& name);
  // True when a colo of that name exists with the same city and availability.
  bool Has(const ColoInfo& info) const;

  // What GET .../traceroute/colos lists. Remote colos carry their agents and when one of them
  // was last heard of (Unix ms); the local colo has neither.
  struct ColoStatus {
    ColoInfo info;
    std::vector<std::string> agents;
    int64_t last_seen_unix_ms = 0;
  };
  std::vector<ColoStatus> Status() const;
  // Records that `agent` of `colo` was heard of now.
  void Seen(const std::string& colo, const std::string& agent);
  // Forgets an agent that went quiet.
  void Forget(const std::string& colo, const std::string& agent);

  struct Selection {
    std::vector<ColoInfo> colos;  // in the order first selected, without repeats
    std::string unknown;          // the first requested name that selects nothing, if any
  };
  // No names: every available colo. Otherwise each name selects the available colo of that
  // name (case-insensitive) and, when it has three letters, every available colo whose name
  // starts with it ("den" selects "den01" and "den02").
  Selection Select(const std::vector<std::string>& names) const;

  using Done = std::function<void(std::vector<model::TargetResult>)>;
  // Progress of a Run, per slot (target index t, colo index c). Calls are serialised (one at a
  // time, from any thread) and made in the order the events happened: a slot's hops in TTL
  // order, then its result once (a colo's, or the deadline's Code 3); no hop of a slot after
  // its result; every call before `done`'s. Either member may be empty. Must not block.
  struct Observer {
    std::function<void(size_t t, size_t c, const model::Hop& hop)> on_hop;
    std::function<void(size_t t, size_t c, const model::ColoResult& result)> on_colo;
  };
  // Traces every target from every colo in `colos`, all in parallel. `done` is called once with
  // one TargetResult per target in request order, each with one ColoResult per colo in
  // `colos` order. A colo that has not answered within `deadline` gets Code 3 (its late answer
  // is dropped); a colo that disappeared gets Code 4.
  void Run(const std::vector<std::string>& targets, const std::vector<ColoInfo>& colos,
           const model::TraceOptions& options, std::chrono::milliseconds deadline, Done done,
           Observer observer = {});

 private:
  struct Entry {
    ColoInfo info;
    std::shared_ptr<ColoRunner> runner;
    std::vector<std::string> agents;
    int64_t last_seen_unix_ms = 0;
  };
  Entry* Find(const std::string& name);  // mu_ held
  class Timer;
  mutable std::mutex mu_;
  std::vector<Entry> colos_;  // guarded by mu_
  std::unique_ptr<Timer> timer_;
};

}  // namespace colotrace::dispatch
