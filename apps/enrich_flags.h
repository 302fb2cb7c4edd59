// Flags that turn on names and ASNs for a local colo (trace, serve, agent):
//   --asn-db FILE          ASNs from a MaxMind-format ASN database (reloaded when it changes)
//   --names                reverse-DNS names through the namespace's resolv.conf
//                          (/etc/netns/NAME/resolv.conf, else /etc/resolv.conf)
//   --dns-server IP[:PORT] reverse-DNS names through this server (repeatable; implies --names)
#pragma once

#include <string>
#include <vector>

#include "dispatch/local_colo.h"
#include "model/result.h"

namespace colotrace::apps {

struct EnrichFlags {
  std::string asn_db;
  bool names = false;
  std::vector<std::string> dns_servers;
};

// If `flag` is one of the flags above, consumes its value (through `value`) and returns true.
template <typename ValueFn>
bool ParseEnrichFlag(std::string_view flag, EnrichFlags* flags, ValueFn value) {
  if (flag == "--asn-db") {
    flags->asn_db = std::string(value());
  } else if (flag == "--names") {
    flags->names = true;
  } else if (flag == "--dns-server") {
    flags->dns_servers.emplace_back(value());
    flags->names = true;
  } else {
    return false;
  }
  return true;
}

// Opens the database and the resolver (inside `netns`) into `local`. Call while privileges
// are still held (entering the namespace needs them).
model::Status MakeEnrichment(const EnrichFlags& flags, const std::string& netns,
                             dispatch::LocalColoOptions* local);

}  // namespace colotrace::apps
