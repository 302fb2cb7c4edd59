#include "enrich/reverse_dns.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <utility>

#include "enrich/coalescing_cache.h"
#include "enrich/dns_message.h"

namespace colotrace::enrich {

struct ReverseDns::State {
  ReverseDnsOptions options;
  std::mutex mu;  // guards client
  std::shared_ptr<DnsClient> client;
  CoalescingCache<std::optional<std::string>> cache;

  std::atomic<uint64_t> lookups{0}, cache_hits{0}, queries{0}, names{0}, no_names{0}, failures{0};

  State(std::shared_ptr<DnsClient> c, const ReverseDnsOptions& o)
      : options(o), client(std::move(c)), cache(o.max_cache_entries) {}

  // On the DNS client's thread: turns the reply into a name and a lifetime, caches it and
  // answers everyone waiting for this address.
  void Finish(const std::string& key, const DnsReply& reply) {
    std::optional<std::string> name;
    std::optional<int64_t> keep_s;  // nullopt: do not cache
    switch (reply.status) {
      case DnsReply::Status::kOk: {
        auto parsed = ParseDnsResponse(reply.message.data(), reply.message.size());
        if (parsed && !parsed->ptr_names.empty() && !parsed->ptr_names.front().empty()) {
          name = parsed->ptr_names.front();
          keep_s = std::min<int64_t>(parsed->min_ttl_s.value_or(0), options.max_ttl_s);
          names.fetch_add(1, std::memory_order_relaxed);
        } else if (parsed) {
          keep_s = options.negative_cache_s;
          no_names.fetch_add(1, std::memory_order_relaxed);
        } else {
          keep_s = options.negative_cache_s;
          failures.fetch_add(1, std::memory_order_relaxed);
        }
        break;
      }
      case DnsReply::Status::kNotFound:
        keep_s = options.negative_cache_s;
        no_names.fetch_add(1, std::memory_order_relaxed);
        break;
      case DnsReply::Status::kTimeout:
      case DnsReply::Status::kFailed:
        keep_s = options.negative_cache_s;
        failures.fetch_add(1, std::memory_order_relaxed);
        break;
      case DnsReply::Status::kCancelled:
        break;
    }
    cache.Finish(key, name, keep_s);
  }
};

ReverseDns::ReverseDns(std::shared_ptr<State> state) : state_(std::move(state)) {}

ReverseDns::~ReverseDns() {
  std::shared_ptr<DnsClient> client;
  {
    std::lock_guard lock(state_->mu);
    client = std::move(state_->client);
  }
  client.reset();  // if this was the last owner: running queries end now, with nullopt
}

model::Result<std::unique_ptr<ReverseDns>> ReverseDns::Create(const ReverseDnsOptions& options) {
  using R = model::Result<std::unique_ptr<ReverseDns>>;
  auto client = DnsClient::Create(options.dns);
  if (!client) return R::Error(client.error());
  return Create(std::shared_ptr<DnsClient>(std::move(*client)), options);
}

model::Result<std::unique_ptr<ReverseDns>> ReverseDns::Create(std::shared_ptr<DnsClient> client,
                                                              const ReverseDnsOptions& options) {
  using R = model::Result<std::unique_ptr<ReverseDns>>;
  if (!client) return R::Error("ReverseDns needs a DNS client");
  if (options.negative_cache_s < 0 || options.max_ttl_s < 0) {
    return R::Error("ReverseDns cache times must not be negative");
  }
  return std::unique_ptr<ReverseDns>(
      new ReverseDns(std::make_shared<State>(std::move(client), options)));
}

void ReverseDns::Lookup(const net::IpAddress& address, Callback done) {
  State& s = *state_;
  s.lookups.fetch_add(1, std::memory_order_relaxed);
  std::string key = CacheKey(address);
  std::optional<std::optional<std::string>> hit;
  switch (s.cache.Start(key, done, &hit)) {
    case CoalescingCache<std::optional<std::string>>::Begin::kHit:
      s.cache_hits.fetch_add(1, std::memory_order_relaxed);
      done(std::move(*hit));
      return;
    case CoalescingCache<std::optional<std::string>>::Begin::kWaiting:
      return;  // a query for this address is already running
    case CoalescingCache<std::optional<std::string>>::Begin::kStartQuery:
      break;
  }
  std::shared_ptr<DnsClient> client;
  {
    std::lock_guard lock(s.mu);
    client = s.client;
  }
  if (!client) {  // being destroyed
    s.Finish(key, DnsReply{DnsReply::Status::kCancelled, {}, "stopped"});
    return;
  }
  s.queries.fetch_add(1, std::memory_order_relaxed);
  std::shared_ptr<State> state = state_;
  client->Query(ReverseQueryName(address), kDnsTypePtr,
                [state, key](DnsReply reply) { state->Finish(key, reply); });
}

std::vector<std::optional<std::string>> ReverseDns::LookupAll(
    const std::vector<net::IpAddress>& addresses, int budget_ms) {
  return GatherWithin<std::optional<std::string>>(
      addresses.size(),
      [&](size_t i, std::function<void(std::optional<std::string>)> done) {
        Lookup(addresses[i], std::move(done));
      },
      budget_ms);
}

std::optional<std::optional<std::string>> ReverseDns::Cached(const net::IpAddress& address) {
  return state_->cache.Get(CacheKey(address));
}

ReverseDns::Stats ReverseDns::stats() const {
  const State& s = *state_;
  return Stats{s.lookups.load(), s.cache_hits.load(), s.queries.load(),
               s.names.load(),   s.no_names.load(),   s.failures.load()};
}

}  // namespace colotrace::enrich
