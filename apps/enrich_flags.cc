#include "enrich_flags.h"

#include <CLI/CLI.hpp>

namespace colotrace::apps {

void AddEnrichFlags(CLI::App& app, EnrichFlags* flags, bool short_no_names) {
  app.add_option("--asn-db", flags->asn_db,
                 "ASNs from a MaxMind-format ASN database (reloaded when it changes)")
      ->option_text("FILE");
  app.add_flag("--asn-cymru", flags->asn_cymru,
               "ASNs from Team Cymru's DNS service (origin.asn.cymru.com)")
      ->excludes("--asn-db");
  app.add_flag_callback(
      short_no_names ? "-n,--no-names" : "--no-names", [flags] { flags->names = false; },
      "no reverse-DNS names (looked up by default)");
  app.add_option("--dns-server", flags->dns_servers,
                 "DNS server for host names, reverse names and Cymru (repeatable); default: the "
                 "namespace's resolv.conf")
      ->option_text("IP[:PORT]")
      ->allow_extra_args(false);
}

model::Status MakeEnrichment(const EnrichFlags& flags, const std::string& netns,
                             dispatch::LocalColoOptions* local, bool resolve_names) {
  enrich::EnricherOptions enrichment;
  if (!flags.asn_db.empty()) {
    auto db = enrich::MaxMindAsnDb::Create(flags.asn_db);
    if (!db) return model::Status::Error("--asn-db " + flags.asn_db + ": " + db.error());
    enrichment.asn = std::shared_ptr<enrich::AsnDatabase>(std::move(*db));
  }
  // Targets: 1 s, then 2 s more (c-ares doubles the timeout per round), per server.
  enrich::DnsClientOptions targets;
  targets.servers = flags.dns_servers;
  targets.netns = netns;
  targets.timeout_ms = 1000;
  targets.tries = 2;
  if (resolve_names) {
    auto target_client = enrich::DnsClient::Create(targets);
    if (!target_client) return model::Status::Error("DNS: " + target_client.error());
    local->resolver = std::make_shared<enrich::HostResolver>(std::move(*target_client));
  }
  if (flags.names || flags.asn_cymru) {
    // Names and Cymru ASNs: one try of 1 s per server, so they cost a result at most that.
    enrich::DnsClientOptions lookups = targets;
    lookups.tries = 1;
    auto created = enrich::DnsClient::Create(lookups);
    if (!created) return model::Status::Error("DNS: " + created.error());
    std::shared_ptr<enrich::DnsClient> client = std::move(*created);
    if (flags.names) {
      auto rdns = enrich::ReverseDns::Create(client, enrich::ReverseDnsOptions{});
      if (!rdns) return model::Status::Error("reverse DNS: " + rdns.error());
      enrichment.reverse_dns = std::shared_ptr<enrich::ReverseDns>(std::move(*rdns));
    }
    if (flags.asn_cymru) {
      auto cymru = enrich::CymruAsn::Create(client);
      if (!cymru) return model::Status::Error("--asn-cymru: " + cymru.error());
      enrichment.cymru = std::shared_ptr<enrich::CymruAsn>(std::move(*cymru));
    }
  }
  local->enricher = std::make_shared<enrich::Enricher>(enrichment);
  return model::Status::Ok();
}

}  // namespace colotrace::apps
