#include "enrich/reverse_dns.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "enrich/dns_message.h"
#include "enrich/ttl_cache.h"

namespace colotrace::enrich {

namespace {

using Clock = std::chrono::steady_clock;

std::string KeyOf(const packet::IpAddress& address) {
  std::string key(1, address.is_v4() ? '4' : '6');
  key.append(reinterpret_cast<const char*>(address.data()), address.size());
  return key;
}

}  // namespace

struct ReverseDns::State {
  ReverseDnsOptions options;
  std::mutex mu;  // guards client, cache, waiting
  std::shared_ptr<DnsClient> client;
  TtlCache<std::string, std::optional<std::string>> cache;
  std::unordered_map<std::string, std::vector<Callback>> waiting;  // queries in flight

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
    std::vector<Callback> callbacks;
    {
      std::lock_guard lock(mu);
      if (keep_s && *keep_s > 0) {
        Clock::time_point now = Clock::now();
        cache.Put(key, name, now + std::chrono::seconds(*keep_s), now);
      }
      auto it = waiting.find(key);
      if (it != waiting.end()) {
        callbacks = std::move(it->second);
        waiting.erase(it);
      }
    }
    for (Callback& cb : callbacks) cb(name);
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

void ReverseDns::Lookup(const packet::IpAddress& address, Callback done) {
  State& s = *state_;
  s.lookups.fetch_add(1, std::memory_order_relaxed);
  std::string key = KeyOf(address);
  std::shared_ptr<DnsClient> client;
  std::optional<std::optional<std::string>> hit;
  {
    std::lock_guard lock(s.mu);
    hit = s.cache.Get(key, Clock::now());
    if (!hit) {
      auto [it, first] = s.waiting.try_emplace(key);
      it->second.push_back(std::move(done));
      if (!first) return;  // a query for this address is already running
      client = s.client;
    }
  }
  if (hit) {  // answered outside the lock: done may call Lookup again
    s.cache_hits.fetch_add(1, std::memory_order_relaxed);
    done(std::move(*hit));
    return;
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
    const std::vector<packet::IpAddress>& addresses, int budget_ms) {
  struct Gather {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::optional<std::string>> names;
    size_t remaining = 0;
  };
  Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(std::max(budget_ms, 0));
  auto gather = std::make_shared<Gather>();
  gather->names.resize(addresses.size());
  gather->remaining = addresses.size();
  for (size_t i = 0; i < addresses.size(); ++i) {
    Lookup(addresses[i], [gather, i](std::optional<std::string> name) {
      std::lock_guard lock(gather->mu);
      gather->names[i] = std::move(name);
      if (--gather->remaining == 0) gather->cv.notify_all();
    });
  }
  std::unique_lock lock(gather->mu);
  gather->cv.wait_until(lock, deadline, [&] { return gather->remaining == 0; });
  return gather->names;
}

std::optional<std::optional<std::string>> ReverseDns::Cached(const packet::IpAddress& address) {
  std::lock_guard lock(state_->mu);
  return state_->cache.Get(KeyOf(address), Clock::now());
}

ReverseDns::Stats ReverseDns::stats() const {
  const State& s = *state_;
  return Stats{s.lookups.load(), s.cache_hits.load(), s.queries.load(),
               s.names.load(),   s.no_names.load(),   s.failures.load()};
}

}  // namespace colotrace::enrich
