#include "dispatch/nats_colos.h"

#include <cstdio>
#include <set>

#include "dispatch/wire.h"
#include "net/log.h"
#include "net/system.h"

namespace colotrace::dispatch {

using Clock = std::chrono::steady_clock;

NatsColoRunner::NatsColoRunner(NatsBus& bus, std::string colo,
                               std::chrono::milliseconds forget_after, bool progress)
    : bus_(bus), colo_(std::move(colo)), forget_after_(forget_after), progress_(progress) {}

void NatsColoRunner::Trace(const std::string& target, const model::TraceOptions& options,
                           HopCallback on_hop, Callback done) {
  Job job{target, options, progress_ ? kWireVersion : kOldestWireVersion,
          progress_ && static_cast<bool>(on_hop)};
  bus_.RequestStream(TraceSubject(colo_), EncodeJob(job), forget_after_,
                     [on_hop = std::move(on_hop), done = std::move(done)](std::string_view data) {
                       if (data.empty())
                         return false;  // no agent listens: the deadline says Code 3
                       auto message = DecodeReplyMessage(data);
                       if (message && message->hop) {
                         if (on_hop) on_hop(std::move(*message->hop));
                         return true;  // the result follows
                       }
                       if (!message) {
                         model::ColoResult failed;
                         failed.error = model::ColoError::kInternal;
                         done(failed);
                         return false;
                       }
                       done(std::move(*message->result));
                       return false;
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
      net::Log(net::LogLevel::kWarning, "nats", "refused an agent's announcement",
               {{"error", a.error()}, {"subject", key}});
    }
    return;
  }
  bool remake = false;
  bool progress = false;
  {
    std::lock_guard lock(mu_);
    agents_[a->agent] = Agent{a->colo, a->progress, Clock::now()};
    progress = ColoProgress(a->colo);
    auto made = colo_progress_.find(a->colo);
    remake = made == colo_progress_.end() || made->second != progress;
    colo_progress_[a->colo] = progress;
  }
  ColoInfo info{a->colo, a->city, a->available};
  if (remake || !dispatcher_.Has(info)) {
    dispatcher_.AddColo(info, std::make_shared<NatsColoRunner>(
                                  bus_, a->colo, std::chrono::milliseconds(60'000), progress));
  }
  dispatcher_.Seen(a->colo, a->agent);
}

bool NatsColoRegistry::ColoProgress(const std::string& colo) const {
  for (const auto& [id, agent] : agents_) {
    if (agent.colo == colo && !agent.progress) return false;
  }
  return true;
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
      if (!alive.count(colo)) {
        dispatcher_.RemoveColo(colo);
        colo_progress_.erase(colo);
      }
    }
  }
}

}  // namespace colotrace::dispatch
