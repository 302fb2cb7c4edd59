#include "dispatch/local_colo.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <vector>

namespace colotrace::dispatch {

using model::ColoError;
using model::ColoResult;
using net::IpAddress;

namespace {

ColoResult Failed(ColoError error, const std::string& target) {
  ColoResult r;
  r.error = error;
  r.target_summary.name = target;
  return r;
}

}  // namespace

LocalColoRunner::LocalColoRunner(probe::Engine& engine, LocalColoOptions options)
    : engine_(engine), options_(std::move(options)) {}

LocalColoRunner::~LocalColoRunner() = default;

void LocalColoRunner::Trace(const std::string& target, const model::TraceOptions& options,
                            Callback done) {
  auto literal = IpAddress::Parse(target);
  if (literal || !options_.resolver) {
    if (!literal) {
      done(Failed(ColoError::kTargetRefused, target));
      return;
    }
    Probe(*literal, options, std::move(done));
    return;
  }
  auto shared_done = std::make_shared<Callback>(std::move(done));
  options_.resolver->Resolve(
      target, options.ip_version,
      [this, target, options, shared_done](model::Result<enrich::Resolution> resolved) {
        if (!resolved) {
          (*shared_done)(Failed(ColoError::kTargetRefused, target));
          return;
        }
        Probe(resolved->address, options, std::move(*shared_done));
      });
}

void LocalColoRunner::Probe(const IpAddress& address, const model::TraceOptions& options,
                            Callback done) {
  if (options_.allow_target && !options_.allow_target(address)) {
    ColoResult r = Failed(ColoError::kTargetRefused, address.ToString());
    r.target_summary.ip = address.ToString();
    done(std::move(r));
    return;
  }
  if (!options_.asn && !options_.cymru && !options_.reverse_dns) {
    engine_.Start(probe::TraceRequest{address, options, nullptr, nullptr}, std::move(done));
    return;
  }
  probe::TraceRequest request{address, options, nullptr, nullptr};
  // Lookups start as soon as an address answers; Enrich then finds them cached or running.
  auto reverse_dns = options_.reverse_dns;
  auto cymru = options_.asn ? nullptr : options_.cymru;
  if (reverse_dns || cymru) {
    request.on_new_address = [reverse_dns, cymru](const IpAddress& from) {
      if (reverse_dns) reverse_dns->Lookup(from, [](std::optional<std::string>) {});
      if (cymru) cymru->LookupAsync(from, [](std::optional<uint32_t>) {});
    };
  }
  engine_.Start(request, [this, done = std::move(done)](model::ColoResult r) mutable {
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
  bool cymru = options_.cymru && !options_.asn;
  if (!options_.reverse_dns && !cymru) {
    done(std::move(result));
    return;
  }
  // Every distinct address once; names and ASNs are filled in when the last lookup answered.
  struct Job {
    std::mutex mu;
    model::ColoResult result;
    Callback done;
    std::map<std::string, std::string> names;
    std::map<std::string, std::string> asns;
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
  size_t per_ip = (options_.reverse_dns ? 1 : 0) + (cymru ? 1 : 0);
  job->pending = ips.size() * per_ip + 1;  // + 1 until every lookup has been started
  // Called once per lookup (with what it found, if anything) and once at the end of the loop.
  auto arrive = [job](std::map<std::string, std::string> Job::*into, const std::string& ip,
                      std::optional<std::string> value) {
    std::unique_lock lock(job->mu);
    if (into != nullptr && value && !value->empty()) (job.get()->*into)[ip] = *value;
    if (--job->pending > 0) return;
    auto fill = [&](std::string& name, std::string& asn, const std::string& address) {
      if (auto it = job->names.find(address); it != job->names.end()) name = it->second;
      if (auto it = job->asns.find(address); it != job->asns.end()) asn = it->second;
    };
    for (auto& hop : job->result.hops) {
      for (auto& node : hop.nodes) fill(node.name, node.asn, node.ip);
    }
    auto& summary = job->result.target_summary;
    fill(summary.name, summary.asn, summary.ip);
    Callback cb = std::move(job->done);
    model::ColoResult r = std::move(job->result);
    lock.unlock();
    cb(std::move(r));
  };
  for (const auto& ip : ips) {
    auto address = IpAddress::Parse(ip);
    if (options_.reverse_dns) {
      if (!address) {
        arrive(&Job::names, ip, std::nullopt);
      } else {
        options_.reverse_dns->Lookup(*address, [arrive, ip](std::optional<std::string> name) {
          arrive(&Job::names, ip, std::move(name));
        });
      }
    }
    if (cymru) {
      if (!address) {
        arrive(&Job::asns, ip, std::nullopt);
      } else {
        options_.cymru->LookupAsync(*address, [arrive, ip](std::optional<uint32_t> asn) {
          arrive(&Job::asns, ip, enrich::AsnText(asn));
        });
      }
    }
  }
  arrive(nullptr, "", std::nullopt);
}

}  // namespace colotrace::dispatch
