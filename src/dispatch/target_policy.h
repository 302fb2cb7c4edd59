// Which addresses the service may send probes to. By default every address of a special-purpose
// range (IANA special-purpose registries) is refused, so that the API cannot be used to map the
// operator's own or private networks; an operator admits ranges back with Allow.
//
// Threads: configure (Allow) before use; IsAllowed is const and may run on many threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.h"
#include "net/ip_address.h"

namespace colotrace::dispatch {

class TargetPolicy {
 public:
  // Admits every address in `cidr`, "ADDRESS/PREFIX" ("203.0.113.0/24", "2001:db8::/32"):
  // an address as IpAddress::Parse takes it, a decimal prefix of 0..32 (IPv4) or 0..128 (IPv6)
  // without sign or leading zeros, nothing else (no spaces, no bare address). Bits past the
  // prefix may be set and are ignored. Error on anything else; nothing changes then.
  model::Status Allow(std::string_view cidr);

  // True if an Allow'ed range holds `address` (or, for an IPv6 address that carries an IPv4
  // address as listed at RefusedCategory, that IPv4 address), else if RefusedCategory(address)
  // is nullopt.
  bool IsAllowed(const net::IpAddress& address) const;

  // The kind of special-purpose range `address` lies in, or nullopt for a global address:
  // "unspecified" 0.0.0.0/8, ::/128
  // "loopback"    127.0.0.0/8, ::1/128
  // "private"     10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7, fec0::/10 (former
  //               site-local), 64:ff9b:1::/48 (local-use NAT64)
  // "link-local"  169.254.0.0/16, fe80::/10
  // "cgnat"       100.64.0.0/10
  // "multicast"   224.0.0.0/4, ff00::/8
  // "reserved"    240.0.0.0/4 (with 255.255.255.255), 192.0.0.0/24, 198.18.0.0/15,
  //               192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, the rest of ::/96
  //               (IPv4-compatible), 100::/64, 2001::/23, 2001:db8::/32, 3fff::/20
  // Addresses that carry an IPv4 address a gateway would forward to are judged by it:
  // ::ffff:0:0/96 (IPv4-mapped), 64:ff9b::/96 (NAT64), 2002::/16 (6to4, bits 16..47).
  static std::optional<std::string> RefusedCategory(const net::IpAddress& address);

 private:
  struct Range {
    net::IpAddress base;  // bits past `prefix_bits` cleared
    int prefix_bits = 0;
  };
  bool InAllowedRange(const net::IpAddress& address) const;

  std::vector<Range> allowed_;
};

}  // namespace colotrace::dispatch
