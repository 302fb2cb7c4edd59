// Decode of ICMP and ICMPv6 messages, including the quoted datagram of error messages and the
// RFC 4884 extension structure with RFC 4950 MPLS label stack objects. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "probe/packet/headers.h"

namespace colotrace::packet {

struct MplsLabel {
  uint32_t label = 0;   // 20 bits
  uint8_t tc = 0;       // traffic class (formerly EXP), 3 bits
  bool bottom = false;  // S bit
  uint8_t ttl = 0;
};

// "MPLS L=24001 TC=0 S=1 TTL=1" (docs/api.md lists every label spelling).
std::string MplsLabelText(const MplsLabel& label);

struct IcmpMessage {
  IcmpHeader header;
  // Error messages (unreachable, time exceeded, parameter problem, packet too big) quote the
  // datagram that caused them; the span points into the parsed input, without extensions.
  bool is_error = false;
  std::span<const uint8_t> quoted;
  bool has_extensions = false;  // a valid RFC 4884 extension structure was found
  std::vector<MplsLabel> mpls;  // in stack order, top first
};

// `icmp` starts at the ICMP header (after any IP header); `v6` selects ICMPv6 numbering and
// RFC 4884's 64-bit length unit. Extensions are found through the RFC 4884 length field or,
// when it is zero, at the 128-byte offset used by implementations that predate RFC 4884 (then
// only if the structure's version and checksum are right). nullopt when shorter than a header.
std::optional<IcmpMessage> ParseIcmpMessage(std::span<const uint8_t> icmp, bool v6);

}  // namespace colotrace::packet
