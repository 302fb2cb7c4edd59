// ASN lookup through Team Cymru's IP-to-ASN DNS service, as mtr does: TXT records at
// <reversed IPv4>.origin.asn.cymru.com or <reversed IPv6 nibbles>.origin6.asn.cymru.com, whose
// text is "15169 | 8.8.8.0/24 | US | arin | 2000-03-30". Asynchronous on a DnsClient, cached.
//
// Caching as ReverseDns: an answer is kept for its TXT record's TTL (capped at max_ttl_s), "no
// ASN" and failures for negative_cache_s; at most max_cache_entries addresses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "enrich/asn_db.h"
#include "enrich/dns_client.h"
#include "model/result.h"
#include "net/ip_address.h"

namespace colotrace::enrich {

// The origin AS of a Cymru TXT answer: the first number of its first field ("15169 | ..."; with
// several origins "15169 36040 | ...", the first). nullopt when the text does not start so.
std::optional<uint32_t> ParseCymruOrigin(std::string_view txt);

struct CymruAsnOptions {
  std::string zone_v4 = "origin.asn.cymru.com";
  std::string zone_v6 = "origin6.asn.cymru.com";
  size_t max_cache_entries = 65536;
  int negative_cache_s = 60;  // seconds
  int max_ttl_s = 86400;      // seconds
  // How long the synchronous AsnDatabase::Lookup waits for an uncached answer, milliseconds.
  int sync_budget_ms = 200;
};

// Thread-safety: every method may be called from any thread at once.
class CymruAsn : public AsnDatabase {
 public:
  using Callback = std::function<void(std::optional<uint32_t> asn)>;

  // Shares `client` (it may serve a ReverseDns too). Errors: no client, bad cache settings.
  static model::Result<std::unique_ptr<CymruAsn>> Create(std::shared_ptr<DnsClient> client,
                                                         const CymruAsnOptions& options = {});
  // Lookups still running end with nullopt (see ReverseDns::~ReverseDns).
  ~CymruAsn() override;
  CymruAsn(const CymruAsn&) = delete;
  CymruAsn& operator=(const CymruAsn&) = delete;

  // `done` runs exactly once: on the calling thread on a cache hit, else on the client's thread.
  void LookupAsync(const net::IpAddress& address, Callback done);
  // Every address at once, waiting at most budget_ms (milliseconds); nullopt for what has no
  // ASN, failed, or had not arrived. Late answers still fill the cache.
  std::vector<std::optional<uint32_t>> LookupAll(const std::vector<net::IpAddress>& addresses,
                                                 int budget_ms);
  // AsnDatabase: from the cache, else waits up to options.sync_budget_ms for the answer.
  std::optional<uint32_t> Lookup(const net::IpAddress& address) override;

  uint64_t queries() const;  // TXT queries sent (after coalescing)

 private:
  struct State;
  explicit CymruAsn(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace colotrace::enrich
