// Flags for names, ASNs and DNS of a local colo (trace, serve, agent):
//   --asn-db FILE          ASNs from a MaxMind-format ASN database (reloaded when it changes)
//   --asn-cymru            ASNs from Team Cymru's DNS service (origin[6].asn.cymru.com)
//   --no-names             no reverse-DNS names (`trace` also takes -n)
//   --dns-server IP[:PORT] the DNS server for targets, names and Cymru (repeatable); default:
//                          the namespace's resolv.conf (/etc/netns/NAME/resolv.conf, else
//                          /etc/resolv.conf)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dispatch/local_colo.h"
#include "model/result.h"

namespace colotrace::apps {

struct EnrichFlags {
  std::string asn_db;
  bool asn_cymru = false;
  bool names = true;
  std::vector<std::string> dns_servers;
};

// If `flag` is one of the flags above, consumes its value (through `value`) and returns true.
template <typename ValueFn>
bool ParseEnrichFlag(std::string_view flag, EnrichFlags* flags, ValueFn value) {
  if (flag == "--asn-db") {
    flags->asn_db = std::string(value());
  } else if (flag == "--asn-cymru") {
    flags->asn_cymru = true;
  } else if (flag == "--no-names") {
    flags->names = false;
  } else if (flag == "--dns-server") {
    flags->dns_servers.emplace_back(value());
  } else {
    return false;
  }
  return true;
}

// Opens the database and the DNS clients (inside `netns`) into `local`: the target resolver
// always, reverse DNS and Cymru as the flags say. Call while privileges are still held
// (entering the namespace needs them). Errors name the flag at fault.
model::Status MakeEnrichment(const EnrichFlags& flags, const std::string& netns,
                             dispatch::LocalColoOptions* local);

}  // namespace colotrace::apps
