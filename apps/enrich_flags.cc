#include "enrich_flags.h"

namespace colotrace::apps {

model::Status MakeEnrichment(const EnrichFlags& flags, const std::string& netns,
                             dispatch::LocalColoOptions* local) {
  if (!flags.asn_db.empty() && flags.asn_cymru) {
    return model::Status::Error("--asn-db and --asn-cymru exclude each other");
  }
  if (!flags.asn_db.empty()) {
    auto db = enrich::MaxMindAsnDb::Create(flags.asn_db);
    if (!db) return model::Status::Error("--asn-db " + flags.asn_db + ": " + db.error());
    local->asn = std::shared_ptr<enrich::AsnDatabase>(std::move(*db));
  }
  // Targets: 1 s, then 2 s more (c-ares doubles the timeout per round), per server.
  enrich::DnsClientOptions targets;
  targets.servers = flags.dns_servers;
  targets.netns = netns;
  targets.timeout_ms = 1000;
  targets.tries = 2;
  auto target_client = enrich::DnsClient::Create(targets);
  if (!target_client) return model::Status::Error("DNS: " + target_client.error());
  local->resolver = std::make_shared<enrich::HostResolver>(std::move(*target_client));
  if (!flags.names && !flags.asn_cymru) return model::Status::Ok();
  // Names and Cymru ASNs: one try of 1 s per server, so they cost a result at most that.
  enrich::DnsClientOptions lookups = targets;
  lookups.tries = 1;
  auto created = enrich::DnsClient::Create(lookups);
  if (!created) return model::Status::Error("DNS: " + created.error());
  std::shared_ptr<enrich::DnsClient> client = std::move(*created);
  if (flags.names) {
    auto rdns = enrich::ReverseDns::Create(client, enrich::ReverseDnsOptions{});
    if (!rdns) return model::Status::Error("reverse DNS: " + rdns.error());
    local->reverse_dns = std::shared_ptr<enrich::ReverseDns>(std::move(*rdns));
  }
  if (flags.asn_cymru) {
    auto cymru = enrich::CymruAsn::Create(client);
    if (!cymru) return model::Status::Error("--asn-cymru: " + cymru.error());
    local->cymru = std::shared_ptr<enrich::CymruAsn>(std::move(*cymru));
  }
  return model::Status::Ok();
}

}  // namespace colotrace::apps
