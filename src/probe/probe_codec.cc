#include "probe/probe_codec.h"

#include <cstring>

#include "probe/packet/checksum.h"
#include "probe/packet/headers.h"

namespace colotrace::probe {

using model::PacketType;
using net::IpAddress;

namespace {

constexpr uint16_t kTcpWindow = 64240;
constexpr uint16_t kTcpMss = 1460;
constexpr size_t kTcpProbeHeaderSize = 24;  // 20 + the MSS option

void FillPattern(std::span<uint8_t> payload) {
  static constexpr char kPattern[] = "colotrace probe ";
  for (size_t i = 0; i < payload.size(); ++i) {
    payload[i] = static_cast<uint8_t>(kPattern[i % (sizeof kPattern - 1)]);
  }
}

size_t BuildIcmp(const Flow& flow, int index, int flow_number, std::span<uint8_t> out) {
  bool v6 = !flow.dst.is_v4();
  size_t size = packet::kIcmpHeaderSize + kProbePayloadSize;
  std::span<uint8_t> payload = out.subspan(packet::kIcmpHeaderSize, kProbePayloadSize);
  FillPattern(payload);
  auto seq = static_cast<uint16_t>(flow.port + index);
  // seq + ~seq is the same for every seq: the checksum stays constant across the flow.
  packet::Write16(payload.data(), static_cast<uint16_t>(~seq));
  packet::IcmpHeader h{
      static_cast<uint8_t>(v6 ? packet::kIcmpV6EchoRequest : packet::kIcmpEchoRequest), 0, 0,
      flow.wire_id, seq};
  packet::WriteIcmpHeader(h, out);
  uint32_t sum = v6 ? packet::PseudoHeaderSum(flow.src, flow.dst, packet::kProtoIcmpV6,
                                              static_cast<uint32_t>(size))
                    : 0;
  h.checksum = packet::ChecksumFinish(packet::ChecksumAdd(sum, out.first(size)));
  if (flow_number > 0) {
    // Another flow: the checksum lowered by the flow number, made so by the second payload
    // word (the first keeps the sequence's complement).
    // Modulo 0xFFFF (a checksum is never written as 0xFFFF here), so that flows 1..kMaxFlows-1
    // all get values of their own, none the base's.
    auto wanted = static_cast<uint16_t>(
        (h.checksum + 0xFFFFu - static_cast<unsigned>(flow_number)) % 0xFFFFu);
    packet::Write16(payload.data() + 2, 0);
    uint32_t partial = packet::ChecksumAdd(sum, out.first(size));
    packet::Write16(payload.data() + 2, packet::ChecksumSolve(partial, wanted));
    h.checksum = wanted;
  }
  packet::WriteIcmpHeader(h, out);
  return size;
}

size_t BuildUdp(const Flow& flow, int index, int flow_number, std::span<uint8_t> out) {
  size_t size = packet::kUdpHeaderSize + kProbePayloadSize;
  std::span<uint8_t> payload = out.subspan(packet::kUdpHeaderSize, kProbePayloadSize);
  FillPattern(payload);
  packet::Write16(payload.data(), 0);
  packet::UdpHeader h{flow.wire_id, static_cast<uint16_t>(flow.port + flow_number),
                      static_cast<uint16_t>(size), 0};
  packet::WriteUdp(h, out);
  uint32_t sum =
      packet::PseudoHeaderSum(flow.src, flow.dst, packet::kProtoUdp, static_cast<uint32_t>(size));
  sum = packet::ChecksumAdd(sum, out.first(size));
  auto wanted = static_cast<uint16_t>(index + 1);
  packet::Write16(payload.data(), packet::ChecksumSolve(sum, wanted));
  h.checksum = wanted;
  packet::WriteUdp(h, out);
  return size;
}

size_t BuildTcp(const Flow& flow, int index, int flow_number, std::span<uint8_t> out) {
  packet::TcpHeader h;
  h.src_port = flow.wire_id;
  h.dst_port = static_cast<uint16_t>(flow.port + flow_number);
  h.seq = flow.tcp_seq_base + static_cast<uint32_t>(index);
  h.header_size = kTcpProbeHeaderSize;
  h.flags = packet::kTcpSyn;
  h.window = kTcpWindow;
  packet::WriteTcp(h, out);
  out[20] = 2;  // MSS option: kind 2, length 4
  out[21] = 4;
  packet::Write16(&out[22], kTcpMss);
  uint32_t sum = packet::PseudoHeaderSum(flow.src, flow.dst, packet::kProtoTcp,
                                         static_cast<uint32_t>(kTcpProbeHeaderSize));
  h.checksum = packet::ChecksumFinish(packet::ChecksumAdd(sum, out.first(kTcpProbeHeaderSize)));
  packet::Write16(&out[16], h.checksum);
  return kTcpProbeHeaderSize;
}

// GRE: an IPv4 packet of protocol 47 to the tunnel endpoint, carrying an inner IPv4 ICMP echo
// reply from the endpoint back to the colo (the way tunnel health checks work). The endpoint
// decapsulates it and routes the inner packet home, where it reads as an echo reply with the
// trace's id and the probe's sequence number. The inner ICMP checksum is kept constant as for
// ICMP probes; the outer IP ID carries the index.
size_t BuildGre(const Flow& flow, int index, std::span<uint8_t> out) {
  packet::WriteGre(packet::kGreProtocolIpv4, out);
  std::span<uint8_t> inner = out.subspan(packet::kGreHeaderSize);
  std::span<uint8_t> icmp = inner.subspan(packet::kIpv4HeaderSize);
  std::span<uint8_t> payload = icmp.subspan(packet::kIcmpHeaderSize, kProbePayloadSize);
  FillPattern(payload);
  auto seq = static_cast<uint16_t>(flow.port + index);
  packet::Write16(payload.data(), static_cast<uint16_t>(~seq));
  packet::IcmpHeader h{packet::kIcmpEchoReply, 0, 0, flow.wire_id, seq};
  packet::WriteIcmpHeader(h, icmp);
  size_t icmp_size = packet::kIcmpHeaderSize + kProbePayloadSize;
  h.checksum = packet::ChecksumFinish(packet::ChecksumAdd(0, icmp.first(icmp_size)));
  packet::WriteIcmpHeader(h, icmp);
  packet::Ipv4Header ip;
  ip.total_length = static_cast<uint16_t>(packet::kIpv4HeaderSize + icmp_size);
  ip.id = flow.wire_id;
  ip.ttl = 64;
  ip.protocol = packet::kProtoIcmp;
  ip.src = flow.dst;  // from the endpoint, so that reverse-path filters let it home
  ip.dst = flow.src;
  packet::WriteIpv4(ip, inner);
  return packet::kGreHeaderSize + packet::kIpv4HeaderSize + icmp_size;
}

uint8_t Protocol(const Flow& flow) {
  switch (flow.type) {
    case PacketType::kGre:
      return packet::kProtoGre;
    case PacketType::kUdp:
      return packet::kProtoUdp;
    case PacketType::kTcp:
      return packet::kProtoTcp;
    default:
      return flow.dst.is_v4() ? packet::kProtoIcmp : packet::kProtoIcmpV6;
  }
}

// Fills the probe identity fields from the transport header a router quoted.
bool DecodeQuotedTransport(uint8_t protocol, std::span<const uint8_t> transport, bool v6,
                           ReplyInfo* info) {
  if (protocol == (v6 ? packet::kProtoIcmpV6 : packet::kProtoIcmp)) {
    auto icmp = packet::ParseIcmpHeader(transport);
    uint8_t echo = v6 ? packet::kIcmpV6EchoRequest : packet::kIcmpEchoRequest;
    if (!icmp || icmp->type != echo) return false;
    info->probe_type = PacketType::kIcmp;
    info->wire_id = icmp->id;
    info->identity = icmp->seq;
    return true;
  }
  if (protocol == packet::kProtoUdp) {
    auto udp = packet::ParseUdp(transport);
    if (!udp) return false;
    info->probe_type = PacketType::kUdp;
    info->wire_id = udp->src_port;
    info->dst_port = udp->dst_port;
    info->identity = udp->checksum;
    return true;
  }
  if (protocol == packet::kProtoGre && !v6) {
    // Identity is in the inner echo reply: routers that quote fewer than its first 8 bytes
    // (52 bytes after the outer IP header) cannot be matched.
    auto gre = packet::ParseGre(transport);
    if (!gre || gre->protocol != packet::kGreProtocolIpv4) return false;
    std::span<const uint8_t> inner = transport.subspan(gre->header_size);
    auto ip = packet::ParseIpv4(inner);
    if (!ip || ip->protocol != packet::kProtoIcmp) return false;
    auto icmp = packet::ParseIcmpHeader(inner.subspan(ip->header_size));
    if (!icmp || icmp->type != packet::kIcmpEchoReply) return false;
    info->probe_type = PacketType::kGre;
    info->wire_id = icmp->id;
    info->identity = icmp->seq;
    return true;
  }
  if (protocol == packet::kProtoTcp) {
    auto tcp = packet::ParseTcp(transport);
    if (!tcp) return false;
    info->probe_type = PacketType::kTcp;
    info->wire_id = tcp->src_port;
    info->dst_port = tcp->dst_port;
    info->identity = tcp->seq;
    return true;
  }
  return false;
}

}  // namespace

size_t BuildProbe(const Flow& flow, int index, uint8_t ttl, std::span<uint8_t> out,
                  int flow_number) {
  if (index < 0 || index >= kMaxProbeIndex || out.size() < kMaxProbeSize) return 0;
  if (flow_number < 0 || flow_number >= std::min(flow.flow_count, kMaxFlows)) return 0;
  if (flow.type == PacketType::kGre && flow_number != 0) return 0;
  bool v4 = flow.dst.is_v4();
  size_t offset = v4 ? packet::kIpv4HeaderSize : 0;
  std::span<uint8_t> transport = out.subspan(offset);
  size_t size = 0;
  switch (flow.type) {
    case PacketType::kIcmp:
      size = BuildIcmp(flow, index, flow_number, transport);
      break;
    case PacketType::kUdp:
      size = BuildUdp(flow, index, flow_number, transport);
      break;
    case PacketType::kTcp:
      size = BuildTcp(flow, index, flow_number, transport);
      break;
    case PacketType::kGre:
      if (!v4) return 0;  // GRE probes are IPv4 (docs/api.md)
      size = BuildGre(flow, index, transport);
      break;
    default:
      return 0;
  }
  if (v4) {
    packet::Ipv4Header ip;
    ip.total_length = static_cast<uint16_t>(offset + size);
    ip.id = static_cast<uint16_t>(index + 1);
    ip.ttl = ttl;
    ip.protocol = Protocol(flow);
    ip.src = flow.src;
    ip.dst = flow.dst;
    packet::WriteIpv4(ip, out);
  }
  return offset + size;
}

std::optional<ReplyInfo> DecodeIcmpPacket(std::span<const uint8_t> bytes, bool v6,
                                          const IpAddress& from) {
  ReplyInfo info;
  info.v6 = v6;
  info.from = from;
  std::span<const uint8_t> icmp = bytes;
  if (!v6) {
    auto ip = packet::ParseIpv4(bytes);
    if (!ip || ip->protocol != packet::kProtoIcmp) return std::nullopt;
    info.from = ip->src;
    icmp = bytes.subspan(ip->header_size);
  }
  auto msg = packet::ParseIcmpMessage(icmp, v6);
  if (!msg) return std::nullopt;
  info.icmp_type = msg->header.type;
  info.icmp_code = msg->header.code;
  if (msg->header.type == (v6 ? packet::kIcmpV6EchoReply : packet::kIcmpEchoReply)) {
    info.kind = ReplyKind::kEchoReply;
    info.probe_type = PacketType::kIcmp;
    info.wire_id = msg->header.id;
    info.identity = msg->header.seq;
    return info;
  }
  if (!msg->is_error) return std::nullopt;
  bool time_exceeded =
      msg->header.type == (v6 ? packet::kIcmpV6TimeExceeded : packet::kIcmpTimeExceeded);
  info.kind = time_exceeded ? ReplyKind::kTimeExceeded : ReplyKind::kUnreachable;
  info.mpls = std::move(msg->mpls);
  if (v6) {
    auto quoted = packet::ParseIpv6(msg->quoted);
    if (!quoted) return std::nullopt;
    info.quoted_dst = quoted->dst;
    if (!DecodeQuotedTransport(quoted->next_header, msg->quoted.subspan(packet::kIpv6HeaderSize),
                               true, &info)) {
      return std::nullopt;
    }
    return info;
  }
  auto quoted = packet::ParseIpv4(msg->quoted);
  if (!quoted) return std::nullopt;
  info.quoted_dst = quoted->dst;
  info.quoted_ip_id = quoted->id;
  if (!DecodeQuotedTransport(quoted->protocol, msg->quoted.subspan(quoted->header_size), false,
                             &info)) {
    return std::nullopt;
  }
  return info;
}

std::optional<ReplyInfo> DecodeTcpPacket(std::span<const uint8_t> bytes, bool v6,
                                         const IpAddress& from) {
  ReplyInfo info;
  info.v6 = v6;
  info.from = from;
  std::span<const uint8_t> segment = bytes;
  if (!v6) {
    auto ip = packet::ParseIpv4(bytes);
    if (!ip || ip->protocol != packet::kProtoTcp) return std::nullopt;
    info.from = ip->src;
    segment = bytes.subspan(ip->header_size);
  }
  bool complete = false;
  auto tcp = packet::ParseTcp(segment, &complete);
  if (!tcp || !complete) return std::nullopt;
  bool ack = (tcp->flags & packet::kTcpAck) != 0;
  bool syn_or_rst = (tcp->flags & (packet::kTcpSyn | packet::kTcpRst)) != 0;
  if (!ack || !syn_or_rst) return std::nullopt;
  info.kind = ReplyKind::kTcpReply;
  info.probe_type = PacketType::kTcp;
  info.wire_id = tcp->dst_port;
  info.dst_port = tcp->src_port;
  info.identity = tcp->ack - 1;
  return info;
}

std::optional<int> MatchProbe(const Flow& flow, const ReplyInfo& reply, int probe_count) {
  PacketType type = reply.probe_type;
  // A GRE probe's inner packet comes home as an ordinary echo reply.
  if (flow.type == PacketType::kGre && reply.kind == ReplyKind::kEchoReply) type = PacketType::kGre;
  if (type != flow.type || reply.wire_id != flow.wire_id) return std::nullopt;
  if (reply.v6 == flow.dst.is_v4()) return std::nullopt;
  if (reply.quoted_dst && *reply.quoted_dst != flow.dst) return std::nullopt;
  bool has_ports = flow.type == PacketType::kUdp || flow.type == PacketType::kTcp;
  if (has_ports && (reply.dst_port < flow.port || reply.dst_port - flow.port >= flow.flow_count)) {
    return std::nullopt;
  }
  auto in_range = [&](int64_t index) -> std::optional<int> {
    if (index >= 0 && index < probe_count) return static_cast<int>(index);
    return std::nullopt;
  };
  switch (flow.type) {
    case PacketType::kIcmp:
    case PacketType::kGre:
      return in_range(static_cast<uint16_t>(reply.identity - flow.port));
    case PacketType::kTcp:
      return in_range(static_cast<uint32_t>(reply.identity - flow.tcp_seq_base));
    case PacketType::kUdp: {
      if (auto index = in_range(static_cast<int64_t>(reply.identity) - 1)) return index;
      // A NAT that rewrote the UDP checksum: fall back to the IP ID, maybe byte-swapped.
      if (!reply.quoted_ip_id) return std::nullopt;
      uint16_t id = *reply.quoted_ip_id;
      if (auto index = in_range(static_cast<int64_t>(id) - 1)) return index;
      return in_range(static_cast<int64_t>(static_cast<uint16_t>(id << 8 | id >> 8)) - 1);
    }
    default:
      return std::nullopt;
  }
}

std::optional<int> FlowNumberOf(const Flow& flow, const ReplyInfo& reply) {
  bool has_ports = flow.type == PacketType::kUdp || flow.type == PacketType::kTcp;
  if (!has_ports) return std::nullopt;
  return reply.dst_port - flow.port;
}

std::optional<std::string> UnreachableLabel(bool v6, uint8_t type, uint8_t code) {
  auto numbered = [&] { return "!" + std::to_string(code); };
  if (v6) {
    if (type == packet::kIcmpV6PacketTooBig) return "!F";
    if (type == packet::kIcmpV6ParameterProblem) return "!PP";
    if (type != packet::kIcmpV6Unreachable) return numbered();
    switch (code) {
      case 0:
        return "!N";
      case 1:
      case 5:
      case 6:
        return "!X";
      case 2:
        return "!S";
      case 3:
        return "!H";
      case 4:
        return std::nullopt;
      default:
        return numbered();
    }
  }
  if (type == packet::kIcmpParameterProblem) return "!PP";
  if (type != packet::kIcmpUnreachable) return numbered();
  switch (code) {
    case 0:
    case 6:
    case 11:
      return "!N";
    case 1:
    case 7:
    case 8:
    case 12:
      return "!H";
    case 2:
      return "!P";
    case 3:
      return std::nullopt;
    case 4:
      return "!F";
    case 5:
      return "!S";
    case 9:
    case 10:
    case 13:
      return "!X";
    case 14:
      return "!V";
    case 15:
      return "!C";
    default:
      return numbered();
  }
}

}  // namespace colotrace::probe
