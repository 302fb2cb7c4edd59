#include "dispatch/nats_colos.h"

#include <cstdio>
#include <set>

#include "dispatch/wire.h"
#include "net/system.h"

namespace colotrace::dispatch {

using Clock = std::chrono::steady_clock;

NatsColoRunner::NatsColoRunner(NatsBus& bus, std::string colo,
                               std::chrono::milliseconds forget_after)
    : bus_(bus), colo_(std::move(colo)), forget_after_(forget_after) {}

void NatsColoRunner::Trace(const std::string& target, const model::TraceOptions& options,
                           Callback done) {
  bus_.Request(TraceSubject(colo_), EncodeJob(Job{target, options}), forget_after_,
               [done = std::move(done)](std::string_view data) {
                 if (data.empty()) return;  // no agent listens: the deadline says Code 3
                 auto result = DecodeReply(data);
                 if (!result) {
                   model::ColoResult failed;
                   failed.error = model::ColoError::kInternal;
                   done(failed);
                   return;
                 }
                 done(std::move(*result));
               });
}

NatsColoRegistry::NatsColoRegistry(NatsBus& bus, Dispatcher& dispatcher,
                                   std::chrono::milliseconds expiry)
    : bus_(bus), dispatcher_(dispatcher), expiry_(expiry) {}

NatsColoRegistry::~NatsColoRegistry() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
}

model::Status NatsColoRegistry::Start() {
  auto s = bus_.Subscribe(kAnnounceSubject, "", [this](std::string_view data, const std::string&) {
    OnAnnouncement(data);
  });
  if (!s) return s;
  sweeper_ = std::thread([this] {
    net::NameThisThread("ct-sweep");
    Sweep();
  });
  return model::Status::Ok();
}

void NatsColoRegistry::OnAnnouncement(std::string_view data) {
  auto a = DecodeAnnouncement(data);
  if (!a) {
    std::lock_guard lock(mu_);
    std::string key(data.substr(0, 200));
    if (refused_agents_.size() < 1000 && refused_agents_.emplace(key, true).second) {
      std::fprintf(stderr, "colotrace: refused an agent's announcement (%s): %s\n",
                   a.error().c_str(), key.c_str());
    }
    return;
  }
  bool is_new_colo = false;
  {
    std::lock_guard lock(mu_);
    is_new_colo = true;
    for (const auto& [id, agent] : agents_) {
      if (agent.colo == a->colo) is_new_colo = false;
    }
    agents_[a->agent] = Agent{a->colo, Clock::now()};
  }
  ColoInfo info{a->colo, a->city, a->available};
  if (is_new_colo || !dispatcher_.Has(info)) {
    dispatcher_.AddColo(
        info, std::make_shared<NatsColoRunner>(bus_, a->colo, std::chrono::milliseconds(60'000)));
  }
  dispatcher_.Seen(a->colo, a->agent);
}

void NatsColoRegistry::Sweep() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::milliseconds(250));
    auto now = Clock::now();
    std::set<std::string> alive, dead;
    for (auto it = agents_.begin(); it != agents_.end();) {
      if (now - it->second.last_seen > expiry_) {
        dead.insert(it->second.colo);
        dispatcher_.Forget(it->second.colo, it->first);
        it = agents_.erase(it);
      } else {
        alive.insert(it->second.colo);
        ++it;
      }
    }
    for (const auto& colo : dead) {
      if (!alive.count(colo)) dispatcher_.RemoveColo(colo);
    }
  }
}

}  // namespace colotrace::dispatch
