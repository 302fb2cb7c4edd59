// Resolution of host-name targets at the colo: A and AAAA queries through a DnsClient (c-ares),
// asynchronous, inside the client's network namespace and with its servers (the namespace's
// resolv.conf, or configured ones).
//
// Policy (docs/api.md, "Host names"): the name is asked as given, fully qualified (no search
// domains; a trailing dot is allowed). IpVersion::kV4 asks only A, kV6 only AAAA, kAuto both at
// once and takes IPv4 when there is an A record, else IPv6. Of several addresses, the first
// in the server's answer is traced (servers rotate them; the result shows which one).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "enrich/dns_client.h"
#include "model/result.h"
#include "model/traceroute.h"
#include "net/ip_address.h"

namespace colotrace::enrich {

// What a name resolved to, per family, in answer order.
struct HostAddresses {
  std::vector<net::IpAddress> v4;
  std::vector<net::IpAddress> v6;
};

// The address that `version` picks (see above); nullopt when there is none of that family.
std::optional<net::IpAddress> ChooseAddress(const HostAddresses& addresses,
                                            model::IpVersion version);

// "'TEXT' is not an IPv4 address" (or IPv6) when an address literal's family differs from the
// one `version` asks for; nullopt when it fits (kAuto fits both).
std::optional<std::string> LiteralFamilyError(const std::string& text,
                                              const net::IpAddress& literal,
                                              model::IpVersion version);

struct Resolution {
  net::IpAddress address;
  size_t candidates = 1;  // addresses of the chosen family the name had
};

// Thread-safety: Resolve may be called from any thread at once.
class HostResolver {
 public:
  using Callback = std::function<void(model::Result<Resolution>)>;

  // Shares `client` (with reverse DNS and Cymru). At most max_pending names at once.
  HostResolver(std::shared_ptr<DnsClient> client, int max_pending = 1024);
  ~HostResolver();
  HostResolver(const HostResolver&) = delete;
  HostResolver& operator=(const HostResolver&) = delete;

  // Resolves `name` (an address literal is returned as it is, if its family fits `version`).
  // `done` runs exactly once: on the calling thread for literals and immediate refusals, else
  // on the client's thread. Errors read "cannot resolve 'NAME': no such name (NXDOMAIN)", "...:
  // no IPv6 address", "...: <the server's failure>", "...: no answer within N ms", "too many
  // names being resolved at once".
  void Resolve(const std::string& name, model::IpVersion version, Callback done);

  // Blocking convenience for the CLI: waits for Resolve.
  model::Result<Resolution> ResolveNow(const std::string& name, model::IpVersion version);

 private:
  struct State;
  std::shared_ptr<DnsClient> client_;
  std::shared_ptr<State> state_;
};

}  // namespace colotrace::enrich
