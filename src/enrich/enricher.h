// Names and ASNs for a colo's results: what a trace's answering addresses and its target are
// called and which AS holds them. One Enricher per colo, shared by its traces.
//
// Threads: every method may be called from any thread; callbacks run on the calling thread or
// on a DNS client's thread and must not block.
#pragma once

#include <functional>
#include <memory>

#include "enrich/asn_db.h"
#include "enrich/cymru.h"
#include "enrich/reverse_dns.h"
#include "model/traceroute.h"
#include "net/ip_address.h"

namespace colotrace::enrich {

struct EnricherOptions {
  // Null members are not used. `asn` (a database, synchronous) wins over `cymru` (DNS,
  // asynchronous). Each DNS lookup is bounded by its client's timeout, which bounds what
  // names and Cymru ASNs add to a result's time.
  std::shared_ptr<AsnDatabase> asn;
  std::shared_ptr<CymruAsn> cymru;
  std::shared_ptr<ReverseDns> reverse_dns;
};

class Enricher {
 public:
  explicit Enricher(EnricherOptions options);

  // False when there is nothing to look up (no database, no names, no Cymru).
  bool active() const;

  // Starts the DNS lookups of an address that just answered, so that Enrich later finds them
  // cached or running (probing goes on meanwhile). Never blocks.
  void Prefetch(const net::IpAddress& address) const;

  // Fills in `asn` and `name` of every node and of the target summary (a name stays the
  // address when no PTR record answers), every distinct address looked up once and all at
  // once; `done` gets the result when the last lookup ended.
  void Enrich(model::ColoResult result, std::function<void(model::ColoResult)> done) const;
  // The same for one hop (live progress).
  void EnrichHop(model::Hop hop, std::function<void(model::Hop)> done) const;

 private:
  EnricherOptions options_;
};

}  // namespace colotrace::enrich
