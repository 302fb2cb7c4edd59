#include "enrich/enricher.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace colotrace::enrich {

using net::IpAddress;

namespace {

// Where a result's addresses are: every node of every hop, and the target summary.
template <typename Fn>
void ForEachNamed(model::ColoResult& result, Fn fn) {
  for (auto& hop : result.hops) {
    for (auto& node : hop.nodes) fn(node.ip, node.name, node.asn);
  }
  if (!result.target_summary.ip.empty()) {
    auto& summary = result.target_summary;
    fn(summary.ip, summary.name, summary.asn);
  }
}

template <typename Fn>
void ForEachNamed(model::Hop& hop, Fn fn) {
  for (auto& node : hop.nodes) fn(node.ip, node.name, node.asn);
}

}  // namespace

Enricher::Enricher(EnricherOptions options) : options_(std::move(options)) {
  if (options_.asn) options_.cymru = nullptr;
}

bool Enricher::active() const {
  return options_.asn || options_.cymru || options_.reverse_dns;
}

void Enricher::Prefetch(const IpAddress& address) const {
  if (options_.reverse_dns)
    options_.reverse_dns->Lookup(address, [](std::optional<std::string>) {});
  if (options_.cymru) options_.cymru->LookupAsync(address, [](std::optional<uint32_t>) {});
}

namespace {

// One enrichment of a value T (a result or a hop): the lookups of its distinct addresses,
// filled in when the last one answered.
template <typename T>
class Job : public std::enable_shared_from_this<Job<T>> {
 public:
  Job(T value, std::function<void(T)> done) : value_(std::move(value)), done_(std::move(done)) {}

  // Starts every lookup. The job keeps no reference to the sources: the lookups' callbacks
  // hold the job, so that a DNS client is never released by its own thread.
  void Start(const EnricherOptions& options) {
    if (options.asn) {
      ForEachNamed(value_, [&](const std::string& ip, std::string&, std::string& asn) {
        auto address = IpAddress::Parse(ip);
        asn = address ? AsnText(options.asn->Lookup(*address)) : std::string();
      });
    }
    std::vector<std::string> ips;
    ForEachNamed(value_,
                 [&](const std::string& ip, std::string&, std::string&) { ips.push_back(ip); });
    std::sort(ips.begin(), ips.end());
    ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
    size_t per_ip = (options.reverse_dns ? 1 : 0) + (options.cymru ? 1 : 0);
    pending_ = ips.size() * per_ip + 1;  // + 1 until every lookup has been started
    auto self = this->shared_from_this();
    for (const auto& ip : ips) {
      auto address = IpAddress::Parse(ip);
      if (options.reverse_dns) {
        if (!address) {
          Arrive(nullptr, ip, std::nullopt);
        } else {
          options.reverse_dns->Lookup(*address, [self, ip](std::optional<std::string> name) {
            self->Arrive(&Job::names_, ip, std::move(name));
          });
        }
      }
      if (options.cymru) {
        if (!address) {
          Arrive(nullptr, ip, std::nullopt);
        } else {
          options.cymru->LookupAsync(*address, [self, ip](std::optional<uint32_t> asn) {
            self->Arrive(&Job::asns_, ip, AsnText(asn));
          });
        }
      }
    }
    Arrive(nullptr, "", std::nullopt);
  }

 private:
  using Map = std::map<std::string, std::string>;

  // Called once per lookup (with what it found, if anything) and once after the last start.
  void Arrive(Map Job::*into, const std::string& ip, std::optional<std::string> found) {
    std::unique_lock lock(mu_);
    if (into != nullptr && found && !found->empty()) (this->*into)[ip] = *found;
    if (--pending_ > 0) return;
    ForEachNamed(value_, [&](const std::string& address, std::string& name, std::string& asn) {
      if (auto it = names_.find(address); it != names_.end()) name = it->second;
      if (auto it = asns_.find(address); it != asns_.end()) asn = it->second;
    });
    auto done = std::move(done_);
    T value = std::move(value_);
    lock.unlock();
    done(std::move(value));
  }

  std::mutex mu_;
  T value_;
  std::function<void(T)> done_;
  Map names_;
  Map asns_;
  size_t pending_ = 0;
};

}  // namespace

void Enricher::Enrich(model::ColoResult result, std::function<void(model::ColoResult)> done) const {
  if (!active()) return done(std::move(result));
  std::make_shared<Job<model::ColoResult>>(std::move(result), std::move(done))->Start(options_);
}

void Enricher::EnrichHop(model::Hop hop, std::function<void(model::Hop)> done) const {
  if (!active()) return done(std::move(hop));
  std::make_shared<Job<model::Hop>>(std::move(hop), std::move(done))->Start(options_);
}

}  // namespace colotrace::enrich
