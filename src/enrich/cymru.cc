#include "enrich/cymru.h"

#include <atomic>
#include <charconv>
#include <chrono>
#include <mutex>
#include <utility>

#include "enrich/coalescing_cache.h"
#include "enrich/dns_message.h"

namespace colotrace::enrich {

std::optional<uint32_t> ParseCymruOrigin(std::string_view txt) {
  size_t start = txt.find_first_not_of(" \t\"");
  if (start == std::string_view::npos) return std::nullopt;
  txt.remove_prefix(start);
  uint32_t asn = 0;
  auto [end, ec] = std::from_chars(txt.data(), txt.data() + txt.size(), asn);
  if (ec != std::errc() || end == txt.data()) return std::nullopt;
  std::string_view rest(end, static_cast<size_t>(txt.data() + txt.size() - end));
  if (!rest.empty() && rest.front() != ' ' && rest.front() != '|' && rest.front() != '\t' &&
      rest.front() != '"') {
    return std::nullopt;
  }
  return asn;
}

struct CymruAsn::State {
  CymruAsnOptions options;
  std::mutex mu;  // guards client
  std::shared_ptr<DnsClient> client;
  CoalescingCache<std::optional<uint32_t>> cache;
  std::atomic<uint64_t> queries{0};

  State(std::shared_ptr<DnsClient> c, const CymruAsnOptions& o)
      : options(o), client(std::move(c)), cache(o.max_cache_entries) {}

  void Finish(const std::string& key, const DnsReply& reply) {
    std::optional<uint32_t> asn;
    std::optional<int64_t> keep_s;
    if (reply.status == DnsReply::Status::kOk) {
      auto parsed = ParseDnsResponse(reply.message.data(), reply.message.size());
      if (parsed) {
        for (const std::string& txt : parsed->txts) {
          if ((asn = ParseCymruOrigin(txt))) break;
        }
      }
      keep_s = asn ? std::min<int64_t>(parsed->min_ttl_s.value_or(0), options.max_ttl_s)
                   : options.negative_cache_s;
    } else if (reply.status != DnsReply::Status::kCancelled) {
      keep_s = options.negative_cache_s;
    }
    cache.Finish(key, asn, keep_s);
  }
};

CymruAsn::CymruAsn(std::shared_ptr<State> state) : state_(std::move(state)) {}

CymruAsn::~CymruAsn() {
  std::shared_ptr<DnsClient> client;
  {
    std::lock_guard lock(state_->mu);
    client = std::move(state_->client);
  }
}

model::Result<std::unique_ptr<CymruAsn>> CymruAsn::Create(std::shared_ptr<DnsClient> client,
                                                          const CymruAsnOptions& options) {
  using R = model::Result<std::unique_ptr<CymruAsn>>;
  if (!client) return R::Error("CymruAsn needs a DNS client");
  if (options.negative_cache_s < 0 || options.max_ttl_s < 0 || options.sync_budget_ms < 0) {
    return R::Error("CymruAsn times must not be negative");
  }
  return std::unique_ptr<CymruAsn>(
      new CymruAsn(std::make_shared<State>(std::move(client), options)));
}

void CymruAsn::LookupAsync(const net::IpAddress& address, Callback done) {
  State& s = *state_;
  std::string key = CacheKey(address);
  std::optional<std::optional<uint32_t>> hit;
  switch (s.cache.Start(key, done, &hit)) {
    case CoalescingCache<std::optional<uint32_t>>::Begin::kHit:
      done(*hit);
      return;
    case CoalescingCache<std::optional<uint32_t>>::Begin::kWaiting:
      return;
    case CoalescingCache<std::optional<uint32_t>>::Begin::kStartQuery:
      break;
  }
  std::shared_ptr<DnsClient> client;
  {
    std::lock_guard lock(s.mu);
    client = s.client;
  }
  if (!client) {
    s.Finish(key, DnsReply{DnsReply::Status::kCancelled, {}, "stopped"});
    return;
  }
  s.queries.fetch_add(1, std::memory_order_relaxed);
  std::string name =
      ReversedUnder(address, address.is_v4() ? s.options.zone_v4 : s.options.zone_v6);
  std::shared_ptr<State> state = state_;
  client->Query(name, kDnsTypeTxt, [state, key](DnsReply reply) { state->Finish(key, reply); });
}

std::vector<std::optional<uint32_t>> CymruAsn::LookupAll(
    const std::vector<net::IpAddress>& addresses, int budget_ms) {
  return GatherWithin<std::optional<uint32_t>>(
      addresses.size(),
      [&](size_t i, std::function<void(std::optional<uint32_t>)> done) {
        LookupAsync(addresses[i], std::move(done));
      },
      budget_ms);
}

std::optional<uint32_t> CymruAsn::Lookup(const net::IpAddress& address) {
  return LookupAll({address}, state_->options.sync_budget_ms)[0];
}

uint64_t CymruAsn::queries() const {
  return state_->queries.load();
}

}  // namespace colotrace::enrich
