// Where a probe carries its identity, and how a reply is traced back to the probe it answers.
// Pure: no sockets, no clocks.
//
// Paris traceroute flow stability: every probe of one flow keeps the fields that load
// balancers hash constant (addresses, protocol, ports, ICMP type/code/id and checksum). A
// single-path trace is one flow (number 0); a multipath trace (mda.h) uses flows 0, 1, ...,
// which differ where load balancers hash: the UDP/TCP destination port is `port` + the flow
// number, and the ICMP checksum is made to differ by the flow number. The probe's index
// travels where hashes do not look:
//   ICMP  echo sequence = first sequence + index; the first payload word is the complement of
//         the sequence, so the checksum does not change.
//   UDP   checksum = index + 1, made so by the first payload word (source port = wire id).
//   TCP   sequence number = per-trace base + index; replies acknowledge it + 1.
//   GRE   (IPv4) the inner echo reply's sequence = first sequence + index, its id the wire id;
//         it comes home as an ordinary echo reply once the endpoint decapsulates it.
//   IPv4  IP ID = index + 1 as a second copy (routers may rewrite or byte-swap it).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/limits.h"
#include "model/traceroute.h"
#include "net/ip_address.h"
#include "probe/packet/icmp_message.h"

namespace colotrace::probe {

inline constexpr size_t kMaxProbeSize = 128;
inline constexpr size_t kProbePayloadSize = 32;
// max_ttl (64) x packets_per_ttl (10).
inline constexpr int kMaxProbesPerTrace = 640;
// The indices a probe may have: a single-path trace's, or a multipath trace's ceiling.
inline constexpr int kMaxProbeIndex = std::max(kMaxProbesPerTrace, model::kMultipathMaxProbes);
// The flow numbers a probe may have (the ICMP checksum must not become 0xFFFF).
inline constexpr int kMaxFlows = 0x7000;

// The constant part of every probe of one trace.
struct Flow {
  model::PacketType type = model::PacketType::kIcmp;  // kIcmp, kUdp, kTcp or kGre (IPv4)
  net::IpAddress src;                                 // the source address the route to `dst` uses
  net::IpAddress dst;
  uint16_t wire_id = 0;  // ICMP echo identifier, or UDP/TCP source port
  uint16_t port = 0;     // UDP/TCP destination port; ICMP and GRE: first (inner) sequence number
  uint32_t tcp_seq_base = 0;
  // Probes use flow numbers 0..flow_count-1 (1 for a single path). UDP/TCP: port +
  // flow_count - 1 must not pass 65535. GRE: 1 only.
  int flow_count = 1;
};

// Writes probe `index` (0 <= index < kMaxProbeIndex) of flow number `flow_number`
// (0 <= flow_number < flow.flow_count) into `out` and returns its size. IPv4: a whole IP packet
// with TTL `ttl`, for a header-including raw socket. IPv6: the transport header and payload
// only (the kernel adds the IPv6 header; the caller sets the hop limit and source address).
// Returns 0 for a packet type this codec does not build, or an index or flow out of range.
size_t BuildProbe(const Flow& flow, int index, uint8_t ttl, std::span<uint8_t> out,
                  int flow_number = 0);

enum class ReplyKind {
  kTimeExceeded,  // a router on the way
  kEchoReply,     // the target (ICMP probes)
  kTcpReply,      // the target (SYN-ACK or RST, TCP probes)
  kUnreachable,   // ICMP destination unreachable and other errors (see UnreachableLabel)
};

// A received packet, decoded enough to find its probe.
struct ReplyInfo {
  ReplyKind kind = ReplyKind::kTimeExceeded;
  net::IpAddress from;  // who sent the reply
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  bool v6 = false;
  // The probe it answers:
  model::PacketType probe_type = model::PacketType::kIcmp;
  uint16_t wire_id = 0;
  std::optional<net::IpAddress> quoted_dst;  // ICMP errors: the probe's destination
  uint16_t dst_port = 0;                     // the probe's UDP/TCP destination port
  uint32_t identity = 0;  // ICMP sequence, UDP checksum, TCP sequence (ack - 1 for replies)
  std::optional<uint16_t> quoted_ip_id;  // IPv4 errors
  std::vector<packet::MplsLabel> mpls;
};

// Decodes a packet read from a raw ICMP socket (IPv4: starts with the IP header) or ICMPv6
// socket (starts with the ICMPv6 header); `from` is the sender for IPv6 (IPv4 reads it from the
// header). nullopt for packets that cannot answer a probe (echo requests, foreign protocols,
// truncated quotes).
std::optional<ReplyInfo> DecodeIcmpPacket(std::span<const uint8_t> bytes, bool v6,
                                          const net::IpAddress& from);
// Decodes a packet read from a raw TCP socket (IPv4: with IP header; IPv6: without). Only
// SYN-ACK and RST-ACK segments qualify.
std::optional<ReplyInfo> DecodeTcpPacket(std::span<const uint8_t> bytes, bool v6,
                                         const net::IpAddress& from);

// The index of the probe of `flow` that `reply` answers, or nullopt if it answers none of the
// first `probe_count` probes. Checks the protocol, wire id, ports (UDP/TCP: one of the flows'
// destination ports; FlowNumberOf says which) and, for ICMP errors, that the quoted destination
// is the flow's target.
std::optional<int> MatchProbe(const Flow& flow, const ReplyInfo& reply, int probe_count);

// The flow number a UDP/TCP reply's port names, so that the caller checks that the probe
// MatchProbe found was of that flow; nullopt for ICMP (the index alone names the probe).
std::optional<int> FlowNumberOf(const Flow& flow, const ReplyInfo& reply);

// The label of an unreachable or other ICMP error ("!N", "!H", "!P", "!X", ...), or nullopt
// when the error means the target was reached (port unreachable). docs/api.md lists them.
std::optional<std::string> UnreachableLabel(bool v6, uint8_t type, uint8_t code);

}  // namespace colotrace::probe
