#include "enrich_flags.h"

namespace colotrace::apps {

model::Status MakeEnrichment(const EnrichFlags& flags, const std::string& netns,
                             dispatch::LocalColoOptions* local) {
  if (!flags.asn_db.empty()) {
    auto db = enrich::MaxMindAsnDb::Create(flags.asn_db);
    if (!db) return model::Status::Error("--asn-db " + flags.asn_db + ": " + db.error());
    local->asn = std::shared_ptr<enrich::AsnDatabase>(std::move(*db));
  }
  if (flags.names) {
    enrich::ReverseDnsOptions options;
    options.dns.servers = flags.dns_servers;
    options.dns.netns = netns;
    // One try of 1 s: no name costs a result more than a second.
    options.dns.timeout_ms = 1000;
    options.dns.tries = 1;
    auto rdns = enrich::ReverseDns::Create(options);
    if (!rdns) return model::Status::Error("reverse DNS: " + rdns.error());
    local->reverse_dns = std::shared_ptr<enrich::ReverseDns>(std::move(*rdns));
  }
  return model::Status::Ok();
}

}  // namespace colotrace::apps
