// A remote colo: takes traceroute jobs from NATS, runs them on a local colo runner, answers,
// and keeps announcing itself. docs/wire.md describes the messages.
//
// Threads: Start() and Stop() from one thread; jobs run on NATS and engine threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "dispatch/colo_runner.h"
#include "dispatch/nats_bus.h"
#include "model/result.h"

namespace colotrace::agent {

struct AgentOptions {
  dispatch::NatsOptions nats;
  std::string colo;
  std::string city;
  std::string version;
  int capacity = 256;  // jobs at once; more are answered with Code 4 at once
  bool available = true;  // false: the colo is listed but never selected for traceroutes
  std::chrono::milliseconds announce_every{1000};
};

class Agent {
 public:
  // `runner` (the agent's own colo) must outlive the agent.
  Agent(AgentOptions options, dispatch::ColoRunner& runner);
  ~Agent();
  // Connects (or keeps trying in the background), subscribes and starts announcing.
  model::Status Start();
  // Stops announcing and taking jobs; jobs running still answer if the bus is up.
  void Stop();
  const std::string& id() const { return id_; }

 private:
  void OnJob(std::string_view data, const std::string& reply);
  void Announce();

  AgentOptions options_;
  dispatch::ColoRunner& runner_;
  std::string id_;
  std::unique_ptr<dispatch::NatsBus> bus_;
  std::atomic<int> in_flight_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread announcer_;
};

}  // namespace colotrace::agent
