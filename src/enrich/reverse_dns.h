// Reverse DNS (PTR) names of hop addresses: asynchronous, cached with the records' TTLs,
// bounded in time. Built on DnsClient (c-ares); queries leave from the client's namespace.
//
// Caching: a name is kept for the smallest TTL of the PTR record and of any CNAME leading to it
// (RFC 2317 delegations), capped at max_ttl_s; a TTL of 0 is not cached. "No name" (NXDOMAIN,
// no PTR record) and failures (timeout, SERVFAIL, refused, malformed) are kept for
// negative_cache_s, fixed: the SOA minimum of a negative answer is not consulted. The cache holds
// at most max_cache_entries addresses (least recently used evicted first). Concurrent lookups of
// one address share one query.
//
// Budget: LookupAll(addresses, budget_ms) returns within budget_ms (plus scheduling noise) with
// whatever arrived by then, nullopt for the rest; answers that come later still fill the cache,
// so the next result for those addresses has them. A slow resolver therefore delays a result by
// at most the budget the caller chose (kDefaultBudgetMs is what colotrace uses).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "enrich/dns_client.h"
#include "model/result.h"
#include "net/ip_address.h"

namespace colotrace::enrich {

struct ReverseDnsOptions {
  // Where and how to ask (servers, netns, timeout_ms, tries): see DnsClientOptions.
  DnsClientOptions dns;
  size_t max_cache_entries = 65536;
  int negative_cache_s = 60;  // how long "no name" and failures are remembered, seconds
  int max_ttl_s = 86400;      // cap on a PTR record's TTL, seconds
};

// Thread-safety: every method may be called from any thread at once.
class ReverseDns {
 public:
  // What LookupAll waits by default, milliseconds.
  static constexpr int kDefaultBudgetMs = 1000;

  using Callback = std::function<void(std::optional<std::string> name)>;

  // Starts its own DnsClient (errors: see DnsClient::Create and bad cache settings).
  static model::Result<std::unique_ptr<ReverseDns>> Create(const ReverseDnsOptions& options);
  // Shares `client` (e.g. with CymruAsn); options.dns is ignored.
  static model::Result<std::unique_ptr<ReverseDns>> Create(std::shared_ptr<DnsClient> client,
                                                           const ReverseDnsOptions& options);
  // Lookups still running end with nullopt: their callbacks may run during destruction, or
  // later on the DnsClient's thread when the client is shared and outlives this object.
  ~ReverseDns();
  ReverseDns(const ReverseDns&) = delete;
  ReverseDns& operator=(const ReverseDns&) = delete;

  // The PTR name of `address` (no trailing dot), or nullopt when it has none or the lookup
  // failed. `done` runs exactly once: at once on the calling thread when the cache answers,
  // otherwise on the DNS client's thread (it must not block there). No deadline of its own
  // beyond c-ares' timeouts: use LookupAll for a bounded wait.
  void Lookup(const net::IpAddress& address, Callback done);

  // Looks up every address at once and waits at most budget_ms (milliseconds, >= 0) for them.
  // Result i belongs to addresses[i]: the name, or nullopt when there is none, the lookup
  // failed, or it had not finished within the budget.
  std::vector<std::optional<std::string>> LookupAll(const std::vector<net::IpAddress>& addresses,
                                                    int budget_ms = kDefaultBudgetMs);

  // The cached answer without querying: nullopt when nothing (unexpired) is cached, else the
  // cached name or cached "no name".
  std::optional<std::optional<std::string>> Cached(const net::IpAddress& address);

  struct Stats {
    uint64_t lookups = 0;     // Lookup calls (LookupAll counts one per address)
    uint64_t cache_hits = 0;  // answered from the cache
    uint64_t queries = 0;     // PTR queries sent (after coalescing)
    uint64_t names = 0;       // queries answered with a name
    uint64_t no_names = 0;    // queries answered NXDOMAIN / no PTR
    uint64_t failures = 0;    // timeouts and other failures
  };
  Stats stats() const;

 private:
  struct State;
  explicit ReverseDns(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace colotrace::enrich
