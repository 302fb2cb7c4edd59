#include "enrich/cymru.h"

#include <atomic>
#include <charconv>
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
  std::mutex mu;  // guards client, cache, waiting
  std::shared_ptr<DnsClient> client;
  TtlCache<std::string, std::optional<uint32_t>> cache;
  std::unordered_map<std::string, std::vector<Callback>> waiting;
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
    std::vector<Callback> callbacks;
    {
      std::lock_guard lock(mu);
      if (keep_s && *keep_s > 0) {
        Clock::time_point now = Clock::now();
        cache.Put(key, asn, now + std::chrono::seconds(*keep_s), now);
      }
      auto it = waiting.find(key);
      if (it != waiting.end()) {
        callbacks = std::move(it->second);
        waiting.erase(it);
      }
    }
    for (Callback& cb : callbacks) cb(asn);
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

void CymruAsn::LookupAsync(const packet::IpAddress& address, Callback done) {
  State& s = *state_;
  std::string key = KeyOf(address);
  std::shared_ptr<DnsClient> client;
  std::optional<std::optional<uint32_t>> hit;
  {
    std::lock_guard lock(s.mu);
    hit = s.cache.Get(key, Clock::now());
    if (!hit) {
      auto [it, first] = s.waiting.try_emplace(key);
      it->second.push_back(std::move(done));
      if (!first) return;
      client = s.client;
    }
  }
  if (hit) {
    done(*hit);
    return;
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
    const std::vector<packet::IpAddress>& addresses, int budget_ms) {
  struct Gather {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::optional<uint32_t>> asns;
    size_t remaining = 0;
  };
  Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(std::max(budget_ms, 0));
  auto gather = std::make_shared<Gather>();
  gather->asns.resize(addresses.size());
  gather->remaining = addresses.size();
  for (size_t i = 0; i < addresses.size(); ++i) {
    LookupAsync(addresses[i], [gather, i](std::optional<uint32_t> asn) {
      std::lock_guard lock(gather->mu);
      gather->asns[i] = asn;
      if (--gather->remaining == 0) gather->cv.notify_all();
    });
  }
  std::unique_lock lock(gather->mu);
  gather->cv.wait_until(lock, deadline, [&] { return gather->remaining == 0; });
  return gather->asns;
}

std::optional<uint32_t> CymruAsn::Lookup(const packet::IpAddress& address) {
  return LookupAll({address}, state_->options.sync_budget_ms)[0];
}

uint64_t CymruAsn::queries() const {
  return state_->queries.load();
}

}  // namespace colotrace::enrich
