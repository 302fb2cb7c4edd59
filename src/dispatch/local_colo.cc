#include "dispatch/local_colo.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "probe/system.h"

namespace colotrace::dispatch {

using model::ColoError;
using model::ColoResult;
using packet::IpAddress;

model::Result<IpAddress> ResolveHost(const std::string& name) {
  if (auto literal = IpAddress::Parse(name)) return *literal;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(name.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    return model::Result<IpAddress>::Error("cannot resolve '" + name + "': " + gai_strerror(rc));
  }
  std::optional<IpAddress> found;
  for (addrinfo* ai = res; ai != nullptr && !found; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      found = IpAddress::V4(
          reinterpret_cast<uint8_t*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr));
    } else if (ai->ai_family == AF_INET6) {
      found = IpAddress::V6(
          reinterpret_cast<uint8_t*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr));
    }
  }
  freeaddrinfo(res);
  if (!found) return model::Result<IpAddress>::Error("cannot resolve '" + name + "': no address");
  return *found;
}

namespace {

ColoResult Failed(ColoError error, const std::string& target) {
  ColoResult r;
  r.error = error;
  r.target_summary.name = target;
  return r;
}

}  // namespace

// Worker threads that live in the colo's namespace and resolve names with the system resolver
// (getaddrinfo blocks; c-ares replaces this with the enrichment module).
class LocalColoRunner::Resolver {
 public:
  using Done = std::function<void(model::Result<IpAddress>)>;

  Resolver(const std::string& netns, int threads, int max_pending) : max_pending_(max_pending) {
    for (int i = 0; i < threads; ++i) {
      workers_.emplace_back([this, netns] {
        bool ok = netns.empty() || probe::EnterNetns(netns).ok();
        Work(ok);
      });
    }
  }

  ~Resolver() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }

  // False when the queue is full.
  bool Submit(std::string name, Done done) {
    {
      std::lock_guard lock(mu_);
      if (stop_ || static_cast<int>(queue_.size()) >= max_pending_) return false;
      queue_.emplace_back(std::move(name), std::move(done));
    }
    cv_.notify_one();
    return true;
  }

 private:
  void Work(bool in_namespace) {
    while (true) {
      std::pair<std::string, Done> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      if (!in_namespace) {
        job.second(model::Result<IpAddress>::Error("resolver is not in the colo's namespace"));
        continue;
      }
      job.second(ResolveHost(job.first));
    }
  }

  int max_pending_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, Done>> queue_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

LocalColoRunner::LocalColoRunner(probe::Engine& engine, LocalColoOptions options)
    : engine_(engine),
      options_(std::move(options)),
      resolver_(std::make_unique<Resolver>(options_.netns, options_.resolver_threads,
                                           options_.max_pending_lookups)) {}

LocalColoRunner::~LocalColoRunner() = default;

void LocalColoRunner::Trace(const std::string& target, const model::TraceOptions& options,
                            Callback done) {
  if (auto literal = IpAddress::Parse(target)) {
    Probe(*literal, options, std::move(done));
    return;
  }
  auto shared_done = std::make_shared<Callback>(std::move(done));
  bool queued = resolver_->Submit(
      target, [this, target, options, shared_done](model::Result<IpAddress> address) {
        if (!address) {
          (*shared_done)(Failed(ColoError::kTargetRefused, target));
          return;
        }
        Probe(*address, options, std::move(*shared_done));
      });
  if (!queued) (*shared_done)(Failed(ColoError::kInternal, target));
}

void LocalColoRunner::Probe(const IpAddress& address, const model::TraceOptions& options,
                            Callback done) {
  if (options_.allow_target && !options_.allow_target(address)) {
    ColoResult r = Failed(ColoError::kTargetRefused, address.ToString());
    r.target_summary.ip = address.ToString();
    done(std::move(r));
    return;
  }
  if (!options_.asn && !options_.reverse_dns) {
    engine_.Start(probe::TraceRequest{address, options}, std::move(done));
    return;
  }
  engine_.Start(probe::TraceRequest{address, options},
                [this, done = std::move(done)](model::ColoResult r) mutable {
                  Enrich(std::move(r), std::move(done));
                });
}

void LocalColoRunner::Enrich(model::ColoResult result, Callback done) {
  if (options_.asn) {
    auto asn_of = [this](const std::string& ip) {
      auto address = IpAddress::Parse(ip);
      return address ? enrich::AsnText(options_.asn->Lookup(*address)) : std::string();
    };
    for (auto& hop : result.hops) {
      for (auto& node : hop.nodes) node.asn = asn_of(node.ip);
    }
    if (!result.target_summary.ip.empty()) {
      result.target_summary.asn = asn_of(result.target_summary.ip);
    }
  }
  if (!options_.reverse_dns) {
    done(std::move(result));
    return;
  }
  // Every distinct address once; names are filled in when the last lookup has answered.
  struct Job {
    std::mutex mu;
    model::ColoResult result;
    Callback done;
    std::map<std::string, std::string> names;
    size_t pending = 0;
  };
  auto job = std::make_shared<Job>();
  std::vector<std::string> ips;
  for (const auto& hop : result.hops) {
    for (const auto& node : hop.nodes) ips.push_back(node.ip);
  }
  if (!result.target_summary.ip.empty()) ips.push_back(result.target_summary.ip);
  std::sort(ips.begin(), ips.end());
  ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
  job->result = std::move(result);
  job->done = std::move(done);
  job->pending = ips.size() + 1;  // + 1 until every lookup has been started
  auto arrive = [job](const std::string& ip, std::optional<std::string> name) {
    std::unique_lock lock(job->mu);
    if (name && !name->empty()) job->names[ip] = *name;
    if (--job->pending > 0) return;
    for (auto& hop : job->result.hops) {
      for (auto& node : hop.nodes) {
        if (auto it = job->names.find(node.ip); it != job->names.end()) node.name = it->second;
      }
    }
    auto& summary = job->result.target_summary;
    if (auto it = job->names.find(summary.ip); it != job->names.end()) summary.name = it->second;
    Callback cb = std::move(job->done);
    model::ColoResult r = std::move(job->result);
    lock.unlock();
    cb(std::move(r));
  };
  for (const auto& ip : ips) {
    auto address = IpAddress::Parse(ip);
    if (!address) {
      arrive(ip, std::nullopt);
      continue;
    }
    options_.reverse_dns->Lookup(
        *address, [arrive, ip](std::optional<std::string> name) { arrive(ip, std::move(name)); });
  }
  arrive("", std::nullopt);
}

}  // namespace colotrace::dispatch
