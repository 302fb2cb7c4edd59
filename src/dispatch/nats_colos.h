// Remote colos over NATS, for API servers: the registry of what agents announce, and the
// runner that sends them jobs. docs/wire.md describes the messages.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "dispatch/colo_runner.h"
#include "dispatch/dispatcher.h"
#include "dispatch/nats_bus.h"

namespace colotrace::dispatch {

// Sends a colo's jobs to its agents (a queue group: one agent takes each job).
class NatsColoRunner final : public ColoRunner {
 public:
  // `bus` must outlive the runner. Jobs unanswered after `forget_after` are forgotten (the
  // dispatcher's deadline gives them Code 3). `progress`: every agent of the colo takes jobs of
  // wire version 2 and reports hops; otherwise jobs are version 1 and on_hop is never called.
  NatsColoRunner(NatsBus& bus, std::string colo, std::chrono::milliseconds forget_after,
                 bool progress);
  void Trace(const std::string& target, const model::TraceOptions& options, HopCallback on_hop,
             Callback done) override;

 private:
  NatsBus& bus_;
  std::string colo_;
  std::chrono::milliseconds forget_after_;
  bool progress_;
};

// Keeps the dispatcher's remote colos in step with the agents' announcements: a colo appears
// with its first announcement and disappears `expiry` after its last one. Announcements of
// another wire version are refused with one log line per agent.
class NatsColoRegistry {
 public:
  // `bus` and `dispatcher` must outlive the registry. Starts a sweeper thread.
  NatsColoRegistry(NatsBus& bus, Dispatcher& dispatcher,
                   std::chrono::milliseconds expiry = std::chrono::milliseconds(3000));
  ~NatsColoRegistry();
  model::Status Start();

 private:
  void OnAnnouncement(std::string_view data);
  void Sweep();

  NatsBus& bus_;
  Dispatcher& dispatcher_;
  std::chrono::milliseconds expiry_;
  std::mutex mu_;
  struct Agent {
    std::string colo;
    bool progress = false;
    std::chrono::steady_clock::time_point last_seen;
  };
  // Whether every live agent of `colo` reports progress (mu_ held).
  bool ColoProgress(const std::string& colo) const;
  std::map<std::string, bool> colo_progress_;   // as the colo's runner was made
  std::map<std::string, Agent> agents_;         // by agent id
  std::map<std::string, bool> refused_agents_;  // logged once
  bool stop_ = false;
  std::condition_variable cv_;
  std::thread sweeper_;
};

}  // namespace colotrace::dispatch
