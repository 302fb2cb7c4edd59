// Flags for names, ASNs and DNS of a local colo (trace, serve, agent):
//   --asn-db FILE          ASNs from a MaxMind-format ASN database (reloaded when it changes)
//   --asn-cymru            ASNs from Team Cymru's DNS service (origin[6].asn.cymru.com)
//   --no-names             no reverse-DNS names (`trace` also takes -n)
//   --dns-server IP[:PORT] the DNS server for targets, names and Cymru (repeatable); default:
//                          the namespace's resolv.conf (/etc/netns/NAME/resolv.conf, else
//                          /etc/resolv.conf)
#pragma once

#include <string>
#include <vector>

#include "dispatch/local_colo.h"
#include "model/result.h"

namespace CLI {
class App;
}  // namespace CLI

namespace colotrace::apps {

struct EnrichFlags {
  std::string asn_db;
  bool asn_cymru = false;
  bool names = true;
  std::vector<std::string> dns_servers;
};

// Adds the flags above to `app`, writing into *flags (which must outlive the parse); `-n` too
// when `short_no_names`.
void AddEnrichFlags(CLI::App& app, EnrichFlags* flags, bool short_no_names = false);

// Opens the database and the DNS clients (inside `netns`) into `local`: the target resolver
// unless `resolve_names` is false (only address literals will be traced), and the enricher
// with reverse DNS and ASNs as the flags say. Call while privileges are still held (entering
// the namespace needs them). Errors name the flag at fault.
model::Status MakeEnrichment(const EnrichFlags& flags, const std::string& netns,
                             dispatch::LocalColoOptions* local, bool resolve_names = true);

}  // namespace colotrace::apps
