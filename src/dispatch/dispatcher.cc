#include "dispatch/dispatcher.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <thread>
#include <utility>

#include "net/system.h"

namespace colotrace::dispatch {

using model::ColoError;
using model::ColoResult;
using model::TargetResult;
using Clock = std::chrono::steady_clock;

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

// One thread that runs callbacks at their deadlines.
class Dispatcher::Timer {
 public:
  Timer()
      : thread_([this] {
          net::NameThisThread("ct-timer");
          net::DropThreadCapabilitiesUnlessRoot();
          Loop();
        }) {}
  ~Timer() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void At(Clock::time_point when, std::function<void()> fn) {
    {
      std::lock_guard lock(mu_);
      jobs_.emplace(when, std::move(fn));
    }
    cv_.notify_all();
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      if (jobs_.empty()) {
        cv_.wait(lock);
        continue;
      }
      auto first = jobs_.begin();
      if (first->first > Clock::now()) {
        cv_.wait_until(lock, first->first);
        continue;
      }
      auto fn = std::move(first->second);
      jobs_.erase(first);
      lock.unlock();
      fn();
      lock.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, std::function<void()>> jobs_;
  bool stop_ = false;
  std::thread thread_;
};

Dispatcher::Dispatcher() : timer_(std::make_unique<Timer>()) {}
Dispatcher::~Dispatcher() = default;

void Dispatcher::AddColo(ColoInfo info, std::shared_ptr<ColoRunner> runner) {
  std::lock_guard lock(mu_);
  if (Entry* e = Find(info.name)) {
    e->info = std::move(info);
    e->runner = std::move(runner);
    return;
  }
  colos_.push_back(Entry{std::move(info), std::move(runner), {}, 0});
}

Dispatcher::Entry* Dispatcher::Find(const std::string& name) {
  std::string key = Lower(name);
  for (auto& e : colos_) {
    if (Lower(e.info.name) == key) return &e;
  }
  return nullptr;
}

void Dispatcher::RemoveColo(const std::string& name) {
  std::lock_guard lock(mu_);
  std::string key = Lower(name);
  std::erase_if(colos_, [&](const Entry& e) { return Lower(e.info.name) == key; });
}

bool Dispatcher::Has(const ColoInfo& info) const {
  std::lock_guard lock(mu_);
  for (const auto& e : colos_) {
    if (Lower(e.info.name) == Lower(info.name) && e.info.city == info.city &&
        e.info.available == info.available) {
      return true;
    }
  }
  return false;
}

std::vector<Dispatcher::ColoStatus> Dispatcher::Status() const {
  std::lock_guard lock(mu_);
  std::vector<ColoStatus> out;
  for (const auto& e : colos_) out.push_back(ColoStatus{e.info, e.agents, e.last_seen_unix_ms});
  return out;
}

void Dispatcher::Seen(const std::string& colo, const std::string& agent) {
  std::lock_guard lock(mu_);
  Entry* e = Find(colo);
  if (e == nullptr) return;
  if (std::find(e->agents.begin(), e->agents.end(), agent) == e->agents.end()) {
    e->agents.push_back(agent);
  }
  e->last_seen_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
}

void Dispatcher::Forget(const std::string& colo, const std::string& agent) {
  std::lock_guard lock(mu_);
  if (Entry* e = Find(colo)) std::erase(e->agents, agent);
}

std::vector<ColoInfo> Dispatcher::Colos() const {
  std::lock_guard lock(mu_);
  std::vector<ColoInfo> out;
  for (const auto& e : colos_) out.push_back(e.info);
  return out;
}

Dispatcher::Selection Dispatcher::Select(const std::vector<std::string>& names) const {
  std::lock_guard lock(mu_);
  Selection s;
  auto add = [&](const ColoInfo& info) {
    for (const auto& c : s.colos) {
      if (c.name == info.name) return;
    }
    s.colos.push_back(info);
  };
  if (names.empty()) {
    for (const auto& e : colos_) {
      if (e.info.available) add(e.info);
    }
    return s;
  }
  for (const auto& requested : names) {
    std::string want = Lower(requested);
    bool matched = false;
    for (const auto& e : colos_) {
      if (!e.info.available) continue;
      std::string name = Lower(e.info.name);
      if (name == want || (want.size() == 3 && name.compare(0, 3, want) == 0)) {
        add(e.info);
        matched = true;
      }
    }
    if (!matched && s.unknown.empty()) s.unknown = requested;
  }
  return s;
}

namespace {

// Collects one request's results; the first answer for each slot wins (a colo's result, or
// the deadline's Code 3). Observer calls happen under the lock: serialised and in order.
struct Gather {
  std::mutex mu;
  std::vector<TargetResult> results;
  std::vector<std::vector<bool>> filled;
  size_t remaining = 0;
  Clock::time_point start;
  Dispatcher::Done done;
  Dispatcher::Observer observer;

  void Hop(size_t t, size_t c, const model::Hop& hop) {
    std::lock_guard lock(mu);
    if (!done || filled[t][c] || !observer.on_hop) return;
    observer.on_hop(t, c, hop);
  }

  // Returns the callback to run (outside the lock) when this completed the request.
  Dispatcher::Done Fill(size_t t, size_t c, ColoResult r) {
    std::lock_guard lock(mu);
    if (!done || filled[t][c]) return nullptr;
    filled[t][c] = true;
    ColoResult& slot = results[t].colos[c];
    r.colo = slot.colo;
    if (r.target_summary.name.empty()) r.target_summary.name = results[t].target;
    slot = std::move(r);
    if (observer.on_colo) observer.on_colo(t, c, slot);
    if (--remaining > 0) return nullptr;
    return std::exchange(done, nullptr);
  }
};

}  // namespace

void Dispatcher::Run(const std::vector<std::string>& targets, const std::vector<ColoInfo>& colos,
                     const model::TraceOptions& options, std::chrono::milliseconds deadline,
                     Done done, Observer observer) {
  auto gather = std::make_shared<Gather>();
  gather->start = Clock::now();
  gather->done = std::move(done);
  gather->observer = std::move(observer);
  gather->remaining = targets.size() * colos.size();
  for (const auto& target : targets) {
    TargetResult tr;
    tr.target = target;
    for (const auto& colo : colos) {
      ColoResult slot;
      slot.colo = {colo.name, colo.city};
      tr.colos.push_back(std::move(slot));
    }
    gather->results.push_back(std::move(tr));
    gather->filled.emplace_back(colos.size(), false);
  }
  if (gather->remaining == 0) {
    auto cb = std::exchange(gather->done, nullptr);
    cb(std::move(gather->results));
    return;
  }
  // Sizes captured here: the results may be moved out (by the last Fill) while this runs.
  timer_->At(gather->start + deadline,
             [gather, deadline, target_count = targets.size(), colo_count = colos.size()] {
               for (size_t t = 0; t < target_count; ++t) {
                 for (size_t c = 0; c < colo_count; ++c) {
                   ColoResult late;
                   late.error = ColoError::kTimeout;
                   late.traceroute_time_ms = deadline.count();
                   if (auto cb = gather->Fill(t, c, std::move(late)))
                     cb(std::move(gather->results));
                 }
               }
             });
  std::vector<std::shared_ptr<ColoRunner>> runners;
  {
    std::lock_guard lock(mu_);
    for (const auto& colo : colos) {
      std::shared_ptr<ColoRunner> runner;
      for (const auto& e : colos_) {
        if (e.info.name == colo.name) runner = e.runner;
      }
      runners.push_back(std::move(runner));
    }
  }
  for (size_t t = 0; t < targets.size(); ++t) {
    for (size_t c = 0; c < colos.size(); ++c) {
      auto fill = [gather, t, c](ColoResult r) {
        if (auto cb = gather->Fill(t, c, std::move(r))) cb(std::move(gather->results));
      };
      if (!runners[c]) {
        ColoResult gone;
        gone.error = ColoError::kInternal;
        fill(std::move(gone));
        continue;
      }
      ColoRunner::HopCallback on_hop;
      if (gather->observer.on_hop) {
        on_hop = [gather, t, c](model::Hop hop) { gather->Hop(t, c, hop); };
      }
      runners[c]->Trace(targets[t], options, std::move(on_hop), fill);
    }
  }
}

}  // namespace colotrace::dispatch
