#include "agent/agent.h"

#include <sys/random.h>
#include <unistd.h>

#include <cstdio>

#include "dispatch/wire.h"
#include "net/log.h"
#include "net/system.h"

namespace colotrace::agent {

namespace {

std::string MakeId(const std::string& colo) {
  char host[64] = {};
  gethostname(host, sizeof host - 1);
  uint32_t r = 0;
  [[maybe_unused]] ssize_t n = getrandom(&r, sizeof r, 0);
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s/%s/%d/%08x", colo.c_str(), host, static_cast<int>(getpid()),
                r);
  return buf;
}

}  // namespace

Agent::Agent(AgentOptions options, dispatch::ColoRunner& runner)
    : options_(std::move(options)), runner_(runner), id_(MakeId(options_.colo)) {}

Agent::~Agent() {
  Stop();
}

model::Status Agent::Start() {
  dispatch::NatsOptions nats = options_.nats;
  if (nats.name.empty()) nats.name = "colotrace-agent " + id_;
  auto bus = dispatch::NatsBus::Connect(nats);
  if (!bus) return model::Status::Error(bus.error());
  bus_ = std::move(*bus);
  auto s = bus_->Subscribe(
      dispatch::TraceSubject(options_.colo), dispatch::QueueGroup(options_.colo),
      [this](std::string_view data, const std::string& reply) { OnJob(data, reply); });
  if (!s) return s;
  announcer_ = std::thread([this] {
    net::NameThisThread("ct-announce");
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      Announce();
      lock.lock();
      cv_.wait_for(lock, options_.announce_every, [this] { return stop_; });
    }
  });
  return model::Status::Ok();
}

void Agent::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (announcer_.joinable()) announcer_.join();
  if (bus_) bus_->Close();  // no job handler runs after this
}

void Agent::Announce() {
  dispatch::Announcement a;
  a.colo = options_.colo;
  a.city = options_.city;
  a.agent = id_;
  a.version = options_.version;
  a.capacity = options_.capacity;
  a.available = options_.available;
  a.progress = true;
  bus_->Publish(dispatch::kAnnounceSubject, dispatch::EncodeAnnouncement(a));
}

void Agent::OnJob(std::string_view data, const std::string& reply) {
  if (reply.empty()) return;  // nobody to answer
  auto job = dispatch::DecodeJob(data);
  int version = job ? job->version : dispatch::kOldestWireVersion;
  if (!job) {
    // Answered in the version the message claims when this build speaks it, so that a server
    // of that version can read why (Code 4).
    if (auto v = dispatch::WireVersionOf(data);
        v && *v >= dispatch::kOldestWireVersion && *v <= dispatch::kWireVersion) {
      version = static_cast<int>(*v);
    }
  }
  auto answer = [this, reply, version](model::ColoResult r) {
    r.colo = {options_.colo, options_.city};
    bus_->Publish(reply, dispatch::EncodeReply(r, version));
  };
  if (!job) {
    net::Log(net::LogLevel::kWarning, "agent", "refused a job", {{"error", job.error()}});
    model::ColoResult failed;
    failed.error = model::ColoError::kInternal;
    answer(failed);
    return;
  }
  bool stopping;
  {
    std::lock_guard lock(mu_);
    stopping = stop_;
  }
  if (stopping || in_flight_.fetch_add(1) >= options_.capacity) {
    if (stopping) in_flight_.fetch_add(1);
    in_flight_.fetch_sub(1);
    model::ColoResult busy;
    busy.error = model::ColoError::kInternal;
    busy.target_summary.name = job->target;
    answer(busy);
    return;
  }
  dispatch::ColoRunner::HopCallback on_hop;
  if (job->progress) {
    on_hop = [this, reply](model::Hop hop) { bus_->Publish(reply, dispatch::EncodeHop(hop)); };
  }
  runner_.Trace(job->target, job->options, std::move(on_hop), [this, answer](model::ColoResult r) {
    in_flight_.fetch_sub(1);
    answer(std::move(r));
  });
}

}  // namespace colotrace::agent
