// Pure DNS helpers for the enrich module: query names for reverse and Team Cymru lookups, and
// a parser for the answer section of a DNS response (RFC 1035), which c-ares does not offer
// with TTLs. No I/O, no threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/result.h"
#include "net/ip_address.h"

namespace colotrace::enrich {

// Resource record types the module asks for.
inline constexpr uint16_t kDnsTypeA = 1;
inline constexpr uint16_t kDnsTypeAaaa = 28;
inline constexpr uint16_t kDnsTypeCname = 5;
inline constexpr uint16_t kDnsTypePtr = 12;
inline constexpr uint16_t kDnsTypeTxt = 16;

// "1.113.0.203.in-addr.arpa" for 203.0.113.1; for IPv6 the 32 nibbles under "ip6.arpa"
// (RFC 3596), lowest nibble first.
std::string ReverseQueryName(const net::IpAddress& address);

// The reversed address under `zone`, as Team Cymru's service wants it:
// "1.113.0.203.origin.asn.cymru.com" for IPv4 with zone "origin.asn.cymru.com", nibbles for
// IPv6 (zone "origin6.asn.cymru.com").
std::string ReversedUnder(const net::IpAddress& address, const std::string& zone);

// The records of one response that answer the question, following CNAMEs.
struct DnsAnswer {
  int rcode = 0;                          // 0 NOERROR, 3 NXDOMAIN, ...
  std::vector<std::string> ptr_names;     // PTR targets, without the trailing dot
  std::vector<std::string> txts;          // one string per TXT record (its strings concatenated)
  std::vector<net::IpAddress> addresses;  // A and AAAA records, in answer order
  // Smallest TTL (seconds) among the PTR, TXT, A, AAAA and CNAME records read; nullopt when there
  // is none. A CNAME counts because a cached answer must not outlive any link of its chain.
  std::optional<uint32_t> min_ttl_s;
};

// Parses a complete DNS response message (`size` bytes at `data`). Errors: truncated or
// malformed messages, compression loops, a message that is a query rather than a response.
model::Result<DnsAnswer> ParseDnsResponse(const uint8_t* data, size_t size);

}  // namespace colotrace::enrich
