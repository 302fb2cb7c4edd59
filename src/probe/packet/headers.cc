#include "probe/packet/headers.h"

#include "probe/packet/checksum.h"

namespace colotrace::packet {

uint16_t Read16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t Read32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}
void Write16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void Write32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

std::optional<Ipv4Header> ParseIpv4(std::span<const uint8_t> b) {
  if (b.size() < kIpv4HeaderSize || (b[0] >> 4) != 4) return std::nullopt;
  Ipv4Header h;
  h.header_size = static_cast<size_t>(b[0] & 0x0F) * 4;
  if (h.header_size < kIpv4HeaderSize || h.header_size > b.size()) return std::nullopt;
  h.tos = b[1];
  h.total_length = Read16(&b[2]);
  h.id = Read16(&b[4]);
  h.flags_fragment = Read16(&b[6]);
  h.ttl = b[8];
  h.protocol = b[9];
  h.src = IpAddress::V4(&b[12]);
  h.dst = IpAddress::V4(&b[16]);
  return h;
}

void WriteIpv4(const Ipv4Header& h, std::span<uint8_t> out) {
  uint8_t* p = out.data();
  p[0] = 0x45;
  p[1] = h.tos;
  Write16(p + 2, h.total_length);
  Write16(p + 4, h.id);
  Write16(p + 6, h.flags_fragment);
  p[8] = h.ttl;
  p[9] = h.protocol;
  Write16(p + 10, 0);
  for (int i = 0; i < 4; ++i) {
    p[12 + i] = h.src.bytes[static_cast<size_t>(i)];
    p[16 + i] = h.dst.bytes[static_cast<size_t>(i)];
  }
  Write16(p + 10, ChecksumFinish(ChecksumAdd(0, out.first(kIpv4HeaderSize))));
}

std::optional<Ipv6Header> ParseIpv6(std::span<const uint8_t> b) {
  if (b.size() < kIpv6HeaderSize || (b[0] >> 4) != 6) return std::nullopt;
  Ipv6Header h;
  h.traffic_class = static_cast<uint8_t>((b[0] & 0x0F) << 4 | b[1] >> 4);
  h.flow_label = (Read32(&b[0]) & 0xFFFFF);
  h.payload_length = Read16(&b[4]);
  h.next_header = b[6];
  h.hop_limit = b[7];
  h.src = IpAddress::V6(&b[8]);
  h.dst = IpAddress::V6(&b[24]);
  return h;
}

void WriteIpv6(const Ipv6Header& h, std::span<uint8_t> out) {
  uint8_t* p = out.data();
  Write32(p, 6u << 28 | static_cast<uint32_t>(h.traffic_class) << 20 | (h.flow_label & 0xFFFFF));
  Write16(p + 4, h.payload_length);
  p[6] = h.next_header;
  p[7] = h.hop_limit;
  for (size_t i = 0; i < 16; ++i) {
    p[8 + i] = h.src.bytes[i];
    p[24 + i] = h.dst.bytes[i];
  }
}

std::optional<UdpHeader> ParseUdp(std::span<const uint8_t> b) {
  if (b.size() < kUdpHeaderSize) return std::nullopt;
  return UdpHeader{Read16(&b[0]), Read16(&b[2]), Read16(&b[4]), Read16(&b[6])};
}

void WriteUdp(const UdpHeader& h, std::span<uint8_t> out) {
  Write16(&out[0], h.src_port);
  Write16(&out[2], h.dst_port);
  Write16(&out[4], h.length);
  Write16(&out[6], h.checksum);
}

std::optional<TcpHeader> ParseTcp(std::span<const uint8_t> b, bool* complete) {
  if (complete != nullptr) *complete = false;
  if (b.size() < 8) return std::nullopt;
  TcpHeader h;
  h.src_port = Read16(&b[0]);
  h.dst_port = Read16(&b[2]);
  h.seq = Read32(&b[4]);
  if (b.size() < kTcpHeaderSize) return h;
  h.ack = Read32(&b[8]);
  h.header_size = static_cast<size_t>(b[12] >> 4) * 4;
  h.flags = b[13];
  h.window = Read16(&b[14]);
  h.checksum = Read16(&b[16]);
  if (complete != nullptr) *complete = true;
  return h;
}

void WriteTcp(const TcpHeader& h, std::span<uint8_t> out) {
  Write16(&out[0], h.src_port);
  Write16(&out[2], h.dst_port);
  Write32(&out[4], h.seq);
  Write32(&out[8], h.ack);
  out[12] = static_cast<uint8_t>((h.header_size / 4) << 4);
  out[13] = h.flags;
  Write16(&out[14], h.window);
  Write16(&out[16], h.checksum);
  Write16(&out[18], 0);
}

std::optional<GreHeader> ParseGre(std::span<const uint8_t> b) {
  if (b.size() < kGreHeaderSize) return std::nullopt;
  GreHeader h;
  h.checksum_present = (b[0] & 0x80) != 0;
  h.key_present = (b[0] & 0x20) != 0;
  h.sequence_present = (b[0] & 0x10) != 0;
  h.version = b[1] & 0x07;
  h.protocol = Read16(&b[2]);
  size_t offset = kGreHeaderSize;
  if (h.checksum_present) offset += 4;  // checksum and reserved
  if (h.key_present) {
    if (b.size() < offset + 4) return std::nullopt;
    h.key = Read32(&b[offset]);
    offset += 4;
  }
  if (h.sequence_present) {
    if (b.size() < offset + 4) return std::nullopt;
    h.sequence = Read32(&b[offset]);
    offset += 4;
  }
  if (b.size() < offset) return std::nullopt;
  h.header_size = offset;
  return h;
}

void WriteGre(uint16_t protocol, std::span<uint8_t> out) {
  out[0] = 0;
  out[1] = 0;
  Write16(&out[2], protocol);
}

std::optional<IcmpHeader> ParseIcmpHeader(std::span<const uint8_t> b) {
  if (b.size() < kIcmpHeaderSize) return std::nullopt;
  return IcmpHeader{b[0], b[1], Read16(&b[2]), Read16(&b[4]), Read16(&b[6])};
}

void WriteIcmpHeader(const IcmpHeader& h, std::span<uint8_t> out) {
  out[0] = h.type;
  out[1] = h.code;
  Write16(&out[2], h.checksum);
  Write16(&out[4], h.id);
  Write16(&out[6], h.seq);
}

}  // namespace colotrace::packet
