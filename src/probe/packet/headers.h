// Encode and decode of the IPv4, IPv6, UDP, TCP and ICMP/ICMPv6 headers that probes and their
// replies carry. Pure: spans in, values out; parsers return nullopt for anything truncated or
// malformed and never read past the span.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "net/ip_address.h"

namespace colotrace::packet {

using net::IpAddress;

inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoGre = 47;
inline constexpr uint8_t kProtoIcmpV6 = 58;

inline constexpr size_t kIpv4HeaderSize = 20;  // without options
inline constexpr size_t kIpv6HeaderSize = 40;
inline constexpr size_t kUdpHeaderSize = 8;
inline constexpr size_t kIcmpHeaderSize = 8;
inline constexpr size_t kTcpHeaderSize = 20;  // without options

uint16_t Read16(const uint8_t* p);
uint32_t Read32(const uint8_t* p);
void Write16(uint8_t* p, uint16_t v);
void Write32(uint8_t* p, uint32_t v);

struct Ipv4Header {
  size_t header_size = kIpv4HeaderSize;  // IHL * 4
  uint8_t tos = 0;
  uint16_t total_length = 0;
  uint16_t id = 0;
  uint16_t flags_fragment = 0;
  uint8_t ttl = 0;
  uint8_t protocol = 0;
  IpAddress src;
  IpAddress dst;
};
// Needs version 4 and IHL >= 5 within the span; total_length is reported, not checked, since
// quoted headers describe packets longer than the quote.
std::optional<Ipv4Header> ParseIpv4(std::span<const uint8_t> bytes);
// Writes a 20-byte header with its checksum. `out` must hold 20 bytes.
void WriteIpv4(const Ipv4Header& h, std::span<uint8_t> out);

struct Ipv6Header {
  uint8_t traffic_class = 0;
  uint32_t flow_label = 0;
  uint16_t payload_length = 0;
  uint8_t next_header = 0;
  uint8_t hop_limit = 0;
  IpAddress src;
  IpAddress dst;
};
std::optional<Ipv6Header> ParseIpv6(std::span<const uint8_t> bytes);
void WriteIpv6(const Ipv6Header& h, std::span<uint8_t> out);  // 40 bytes

// The first 8 bytes of UDP; also what an ICMP error quote guarantees.
struct UdpHeader {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint16_t length = 0;
  uint16_t checksum = 0;
};
std::optional<UdpHeader> ParseUdp(std::span<const uint8_t> bytes);
void WriteUdp(const UdpHeader& h, std::span<uint8_t> out);  // 8 bytes

inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpAck = 0x10;

struct TcpHeader {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  size_t header_size = kTcpHeaderSize;  // data offset * 4
  uint8_t flags = 0;
  uint16_t window = 0;
  uint16_t checksum = 0;
};
// Needs only the first 8 bytes (ports and seq, as ICMP quotes guarantee); the other fields are
// zero when the span is shorter than 20 bytes. `complete` tells which case applied.
std::optional<TcpHeader> ParseTcp(std::span<const uint8_t> bytes, bool* complete = nullptr);
// Writes 20 bytes (checksum as given; data offset from header_size).
void WriteTcp(const TcpHeader& h, std::span<uint8_t> out);

// GRE (RFC 2784, with the RFC 2890 key and sequence number extensions).
inline constexpr uint16_t kGreProtocolIpv4 = 0x0800;
inline constexpr size_t kGreHeaderSize = 4;  // without options
struct GreHeader {
  bool checksum_present = false;
  bool key_present = false;
  bool sequence_present = false;
  uint8_t version = 0;
  uint16_t protocol = 0;  // EtherType of the payload
  uint32_t key = 0;
  uint32_t sequence = 0;
  size_t header_size = kGreHeaderSize;  // with the options present
};
// nullopt when shorter than the header with its options.
std::optional<GreHeader> ParseGre(std::span<const uint8_t> bytes);
// Writes the 4-byte header (no options); `out` must hold 4 bytes.
void WriteGre(uint16_t protocol, std::span<uint8_t> out);

// ICMP and ICMPv6 share this layout; id/seq are bytes 4..7 (the "rest of header").
struct IcmpHeader {
  uint8_t type = 0;
  uint8_t code = 0;
  uint16_t checksum = 0;
  uint16_t id = 0;
  uint16_t seq = 0;
};
std::optional<IcmpHeader> ParseIcmpHeader(std::span<const uint8_t> bytes);
void WriteIcmpHeader(const IcmpHeader& h, std::span<uint8_t> out);  // 8 bytes

// ICMP types used by traceroute.
inline constexpr uint8_t kIcmpEchoReply = 0;
inline constexpr uint8_t kIcmpUnreachable = 3;
inline constexpr uint8_t kIcmpEchoRequest = 8;
inline constexpr uint8_t kIcmpTimeExceeded = 11;
inline constexpr uint8_t kIcmpParameterProblem = 12;
inline constexpr uint8_t kIcmpV6Unreachable = 1;
inline constexpr uint8_t kIcmpV6PacketTooBig = 2;
inline constexpr uint8_t kIcmpV6TimeExceeded = 3;
inline constexpr uint8_t kIcmpV6ParameterProblem = 4;
inline constexpr uint8_t kIcmpV6EchoRequest = 128;
inline constexpr uint8_t kIcmpV6EchoReply = 129;

}  // namespace colotrace::packet
