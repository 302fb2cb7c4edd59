#include "probe/probe_codec.h"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "probe/packet/checksum.h"
#include "probe/packet/headers.h"

namespace colotrace::probe {
namespace {

using model::PacketType;
using net::IpAddress;
using Bytes = std::vector<uint8_t>;

IpAddress Addr(const char* text) {
  auto a = IpAddress::Parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

constexpr uint16_t kWireId = 0xC0DE;
constexpr uint32_t kSeqBase = 0x12345678;

Flow MakeFlow(PacketType type, bool v6) {
  Flow f;
  f.type = type;
  f.src = v6 ? Addr("2001:db8::1") : Addr("192.0.2.1");
  f.dst = v6 ? Addr("2001:db8:1::9") : Addr("198.51.100.9");
  f.wire_id = kWireId;
  f.port = type == PacketType::kUdp ? 33434 : type == PacketType::kTcp ? 443 : 1;
  f.tcp_seq_base = kSeqBase;
  return f;
}

IpAddress Router(bool v6) {
  return v6 ? Addr("2001:db8:ffff::1") : Addr("203.0.113.1");
}

uint8_t Protocol(const Flow& f) {
  switch (f.type) {
    case PacketType::kUdp:
      return packet::kProtoUdp;
    case PacketType::kTcp:
      return packet::kProtoTcp;
    default:
      return f.dst.is_v4() ? packet::kProtoIcmp : packet::kProtoIcmpV6;
  }
}

Bytes Probe(const Flow& flow, int index, uint8_t ttl = 5) {
  std::array<uint8_t, kMaxProbeSize> out{};
  size_t n = BuildProbe(flow, index, ttl, out);
  EXPECT_GT(n, 0u) << "index " << index;
  return Bytes(out.begin(), out.begin() + static_cast<long>(n));
}

// The transport part of a probe (IPv4 probes start with the IP header).
std::span<const uint8_t> Transport(const Flow& flow, const Bytes& probe) {
  return std::span<const uint8_t>(probe).subspan(flow.dst.is_v4() ? 20 : 0);
}

// The datagram a router quotes: IPv4 probes as sent; IPv6 probes get the IPv6 header the
// kernel added. `full` quotes everything, else the IP header and 8 transport bytes.
Bytes Quote(const Flow& flow, const Bytes& probe, bool full) {
  Bytes q;
  if (flow.dst.is_v4()) {
    q = probe;
  } else {
    q.resize(40);
    packet::Ipv6Header ip;
    ip.payload_length = static_cast<uint16_t>(probe.size());
    ip.next_header = Protocol(flow);
    ip.hop_limit = 1;
    ip.src = flow.src;
    ip.dst = flow.dst;
    packet::WriteIpv6(ip, q);
    q.insert(q.end(), probe.begin(), probe.end());
  }
  if (!full) q.resize(flow.dst.is_v4() ? 28 : 48);
  return q;
}

// An ICMP message (header with a valid checksum, then `body`); for IPv4 wrapped in the IP
// header a raw socket delivers, from `from` to `to`.
Bytes IcmpPacket(bool v6, const IpAddress& from, const IpAddress& to, uint8_t type, uint8_t code,
                 uint16_t id, uint16_t seq, const Bytes& body) {
  Bytes icmp(8);
  packet::WriteIcmpHeader(packet::IcmpHeader{type, code, 0, id, seq}, icmp);
  icmp.insert(icmp.end(), body.begin(), body.end());
  uint32_t sum = v6 ? packet::PseudoHeaderSum(from, to, packet::kProtoIcmpV6,
                                              static_cast<uint32_t>(icmp.size()))
                    : 0;
  packet::Write16(&icmp[2], packet::ChecksumFinish(packet::ChecksumAdd(sum, icmp)));
  if (v6) return icmp;
  Bytes ip(20);
  packet::Ipv4Header h;
  h.total_length = static_cast<uint16_t>(20 + icmp.size());
  h.ttl = 250;
  h.protocol = packet::kProtoIcmp;
  h.src = from;
  h.dst = to;
  packet::WriteIpv4(h, ip);
  ip.insert(ip.end(), icmp.begin(), icmp.end());
  return ip;
}

Bytes TimeExceeded(const Flow& flow, const Bytes& quote) {
  bool v6 = !flow.dst.is_v4();
  return IcmpPacket(v6, Router(v6), flow.src,
                    v6 ? packet::kIcmpV6TimeExceeded : packet::kIcmpTimeExceeded, 0, 0, 0, quote);
}

Bytes PortUnreachable(const Flow& flow, const Bytes& quote) {
  bool v6 = !flow.dst.is_v4();
  return IcmpPacket(v6, flow.dst, flow.src,
                    v6 ? packet::kIcmpV6Unreachable : packet::kIcmpUnreachable, v6 ? 4 : 3, 0, 0,
                    quote);
}

// The target's TCP answer to probe `index`, as a raw TCP socket reads it.
Bytes TcpAnswer(const Flow& flow, uint32_t ack, uint8_t flags, size_t size = 20) {
  Bytes tcp(20);
  packet::TcpHeader h;
  h.src_port = flow.port;
  h.dst_port = flow.wire_id;
  h.seq = 0xA5A5A5A5;
  h.ack = ack;
  h.flags = flags;
  h.window = 1000;
  packet::WriteTcp(h, tcp);
  tcp.resize(size);
  if (!flow.dst.is_v4()) return tcp;
  Bytes ip(20);
  packet::Ipv4Header iph;
  iph.total_length = static_cast<uint16_t>(20 + tcp.size());
  iph.ttl = 60;
  iph.protocol = packet::kProtoTcp;
  iph.src = flow.dst;
  iph.dst = flow.src;
  packet::WriteIpv4(iph, ip);
  ip.insert(ip.end(), tcp.begin(), tcp.end());
  return ip;
}

std::optional<ReplyInfo> Decode(const Flow& flow, const Bytes& reply, const IpAddress& from) {
  return DecodeIcmpPacket(reply, !flow.dst.is_v4(), from);
}

std::string Name(PacketType type, bool v6) {
  return std::string(model::PacketTypeName(type)) + (v6 ? "_v6" : "_v4");
}

// A packet type and address family, for tests that only apply to some of them.
struct Case {
  PacketType type;
  bool v6;
  Flow flow() const { return MakeFlow(type, v6); }
  std::string name() const { return Name(type, v6); }
};

const std::vector<PacketType> kAllTypes = {PacketType::kIcmp, PacketType::kUdp, PacketType::kTcp};
const std::vector<PacketType> kPortTypes = {PacketType::kUdp, PacketType::kTcp};
const std::vector<PacketType> kUdpOnly = {PacketType::kUdp};
const std::vector<PacketType> kTcpOnly = {PacketType::kTcp};
const std::vector<PacketType> kIcmpOnly = {PacketType::kIcmp};
const std::vector<bool> kBothFamilies = {false, true};
const std::vector<bool> kV4Only = {false};

std::vector<Case> Cases(const std::vector<PacketType>& types, const std::vector<bool>& families) {
  std::vector<Case> cases;
  for (PacketType t : types) {
    for (bool v6 : families) cases.push_back({t, v6});
  }
  return cases;
}

class ProbeCodecTest : public ::testing::TestWithParam<std::tuple<PacketType, bool>> {
 protected:
  PacketType type() const { return std::get<0>(GetParam()); }
  bool v6() const { return std::get<1>(GetParam()); }
  Flow flow() const { return MakeFlow(type(), v6()); }
};

INSTANTIATE_TEST_SUITE_P(AllProbes, ProbeCodecTest,
                         ::testing::Combine(::testing::Values(PacketType::kIcmp, PacketType::kUdp,
                                                              PacketType::kTcp),
                                            ::testing::Bool()),
                         [](const auto& param_info) {
                           return Name(std::get<0>(param_info.param),
                                       std::get<1>(param_info.param));
                         });

TEST_P(ProbeCodecTest, ProbeSizes) {
  size_t transport = type() == PacketType::kTcp ? 24 : 8 + kProbePayloadSize;
  for (int index : {0, 1, 639}) {
    EXPECT_EQ(Probe(flow(), index).size(), transport + (v6() ? 0 : 20));
  }
}

TEST(BuildProbeTest, Ipv4Header) {
  for (Case c : Cases(kAllTypes, kV4Only)) {
    SCOPED_TRACE(c.name());
    Flow f = c.flow();
    for (int index : {0, 1, 99, 639}) {
      for (uint8_t ttl : {uint8_t{1}, uint8_t{17}, uint8_t{64}}) {
        Bytes p = Probe(f, index, ttl);
        auto ip = packet::ParseIpv4(p);
        ASSERT_TRUE(ip.has_value());
        EXPECT_EQ(ip->header_size, 20u);
        EXPECT_EQ(ip->ttl, ttl);
        EXPECT_EQ(ip->protocol, Protocol(f));
        EXPECT_EQ(ip->id, index + 1);
        EXPECT_EQ(ip->total_length, p.size());
        EXPECT_EQ(ip->src, f.src);
        EXPECT_EQ(ip->dst, f.dst);
        EXPECT_EQ(packet::ChecksumFinish(packet::ChecksumAdd(0, std::span(p).first(20))), 0)
            << "index " << index;
      }
    }
  }
}

TEST_P(ProbeCodecTest, TransportFieldsAndChecksums) {
  Flow f = flow();
  std::set<uint16_t> icmp_checksums;
  for (int index = 0; index < kMaxProbesPerTrace; ++index) {
    Bytes p = Probe(f, index);
    std::span<const uint8_t> t = Transport(f, p);
    // The checksum over the transport verifies (with the pseudo-header where it applies).
    uint32_t pseudo = 0;
    if (v6() || type() != PacketType::kIcmp) {
      pseudo = packet::PseudoHeaderSum(f.src, f.dst, Protocol(f), static_cast<uint32_t>(t.size()));
    }
    ASSERT_EQ(packet::ChecksumFinish(packet::ChecksumAdd(pseudo, t)), 0) << "index " << index;

    switch (type()) {
      case PacketType::kIcmp: {
        auto h = packet::ParseIcmpHeader(t);
        ASSERT_TRUE(h.has_value());
        EXPECT_EQ(h->type, v6() ? packet::kIcmpV6EchoRequest : packet::kIcmpEchoRequest);
        EXPECT_EQ(h->code, 0);
        EXPECT_EQ(h->id, kWireId);
        EXPECT_EQ(h->seq, f.port + index);
        icmp_checksums.insert(h->checksum);
        break;
      }
      case PacketType::kUdp: {
        auto h = packet::ParseUdp(t);
        ASSERT_TRUE(h.has_value());
        EXPECT_EQ(h->src_port, kWireId);
        EXPECT_EQ(h->dst_port, 33434);
        EXPECT_EQ(h->length, t.size());
        EXPECT_EQ(h->checksum, index + 1);
        break;
      }
      case PacketType::kTcp: {
        bool complete = false;
        auto h = packet::ParseTcp(t, &complete);
        ASSERT_TRUE(h.has_value());
        ASSERT_TRUE(complete);
        EXPECT_EQ(h->src_port, kWireId);
        EXPECT_EQ(h->dst_port, 443);
        EXPECT_EQ(h->seq, kSeqBase + static_cast<uint32_t>(index));
        EXPECT_EQ(h->ack, 0u);
        EXPECT_EQ(h->flags, packet::kTcpSyn);
        EXPECT_EQ(h->header_size, 24u);
        EXPECT_GT(h->window, 0);
        // MSS option: kind 2, length 4, 1460.
        EXPECT_EQ(t[20], 2);
        EXPECT_EQ(t[21], 4);
        EXPECT_EQ(packet::Read16(&t[22]), 1460);
        break;
      }
      default:
        FAIL();
    }
  }
  if (type() == PacketType::kIcmp) {
    EXPECT_EQ(icmp_checksums.size(), 1u) << "the ICMP checksum changes across the trace";
  }
}

// Paris traceroute: what load balancers hash stays the same for every probe of a trace.
TEST_P(ProbeCodecTest, FlowFieldsAreConstant) {
  Flow f = flow();
  Bytes first = Probe(f, 0);
  for (int index = 1; index < kMaxProbesPerTrace; index += 7) {
    Bytes p = Probe(f, index);
    ASSERT_EQ(p.size(), first.size());
    std::span<const uint8_t> t0 = Transport(f, first);
    std::span<const uint8_t> t = Transport(f, p);
    if (!v6()) {
      EXPECT_EQ(p[9], first[9]);                                                    // protocol
      EXPECT_TRUE(std::equal(p.begin() + 12, p.begin() + 20, first.begin() + 12));  // addresses
      EXPECT_EQ(p[1], first[1]);                                                    // TOS
    }
    if (type() == PacketType::kIcmp) {
      // type, code, checksum, id
      EXPECT_TRUE(std::equal(t.begin(), t.begin() + 6, t0.begin())) << "index " << index;
    } else {
      EXPECT_EQ(packet::Read16(&t[0]), packet::Read16(&t0[0])) << "source port";
      EXPECT_EQ(packet::Read16(&t[2]), packet::Read16(&t0[2])) << "destination port";
    }
  }
}

TEST(BuildProbeTest, RefusesWhatItCannotBuild) {
  std::array<uint8_t, kMaxProbeSize> out{};
  Flow f = MakeFlow(PacketType::kUdp, false);
  EXPECT_EQ(BuildProbe(f, -1, 1, out), 0u);
  EXPECT_EQ(BuildProbe(f, kMaxProbeIndex, 1, out), 0u);
  EXPECT_EQ(BuildProbe(f, 0, 1, out, 1), 0u);  // flow 1 of a single-flow trace
  f.flow_count = 8;
  EXPECT_GT(BuildProbe(f, 0, 1, out, 7), 0u);
  EXPECT_EQ(BuildProbe(f, 0, 1, out, 8), 0u);
  EXPECT_EQ(BuildProbe(f, 0, 1, out, -1), 0u);
  EXPECT_EQ(BuildProbe(f, 0, 1, std::span<uint8_t>(out).first(kMaxProbeSize - 1)), 0u);
  f.type = PacketType::kGreIcmp;  // two traces of their own, never one probe
  EXPECT_EQ(BuildProbe(f, 0, 1, out), 0u);
  Flow gre6 = MakeFlow(PacketType::kGre, true);  // GRE probes are IPv4 only
  EXPECT_EQ(BuildProbe(gre6, 0, 1, out), 0u);
}

TEST(BuildProbeTest, IcmpSequenceAndTcpSequenceWrap) {
  Flow icmp = MakeFlow(PacketType::kIcmp, false);
  icmp.port = 65535;
  Bytes p = Probe(icmp, 5);
  auto h = packet::ParseIcmpHeader(Transport(icmp, p));
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->seq, 4);
  EXPECT_EQ(packet::ChecksumFinish(packet::ChecksumAdd(0, Transport(icmp, p))), 0);

  Flow tcp = MakeFlow(PacketType::kTcp, true);
  tcp.tcp_seq_base = 0xFFFFFFFE;
  p = Probe(tcp, 3);
  auto t = packet::ParseTcp(p);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->seq, 1u);
}

TEST_P(ProbeCodecTest, TimeExceededQuotingHeaderAndEightBytesMatches) {
  Flow f = flow();
  for (int index : {0, 1, 2, 37, 638, 639}) {
    Bytes reply = TimeExceeded(f, Quote(f, Probe(f, index), /*full=*/false));
    auto info = Decode(f, reply, Router(v6()));
    ASSERT_TRUE(info.has_value()) << "index " << index;
    EXPECT_EQ(info->kind, ReplyKind::kTimeExceeded);
    EXPECT_EQ(info->from, Router(v6()));
    EXPECT_EQ(info->v6, v6());
    EXPECT_EQ(info->icmp_type, v6() ? packet::kIcmpV6TimeExceeded : packet::kIcmpTimeExceeded);
    EXPECT_EQ(info->icmp_code, 0);
    EXPECT_EQ(info->probe_type, type());
    EXPECT_EQ(info->wire_id, kWireId);
    ASSERT_TRUE(info->quoted_dst.has_value());
    EXPECT_EQ(*info->quoted_dst, f.dst);
    if (type() != PacketType::kIcmp) {
      EXPECT_EQ(info->dst_port, f.port);
    }
    if (v6()) {
      EXPECT_FALSE(info->quoted_ip_id.has_value());
    } else {
      ASSERT_TRUE(info->quoted_ip_id.has_value());
      EXPECT_EQ(*info->quoted_ip_id, index + 1);
    }
    EXPECT_TRUE(info->mpls.empty());
    EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), index);
  }
}

// Multipath: flows differ where load balancers hash (UDP/TCP destination port, ICMP checksum),
// every probe of one flow keeps them, and a reply names its probe and its flow.
TEST_P(ProbeCodecTest, FlowsDifferWhereLoadBalancersHashAndRepliesNameTheirFlow) {
  Flow f = flow();
  f.flow_count = 300;
  std::set<uint32_t> hashed;  // per flow: the destination port, or the ICMP checksum
  for (int flow_number : {0, 1, 2, 99, 299}) {
    std::set<uint32_t> within;
    for (int index : {0, 5, 2999}) {
      std::array<uint8_t, kMaxProbeSize> out{};
      size_t n = BuildProbe(f, index, 5, out, flow_number);
      ASSERT_GT(n, 0u);
      Bytes p(out.begin(), out.begin() + static_cast<long>(n));
      std::span<const uint8_t> t = Transport(f, p);
      uint32_t pseudo = 0;
      if (v6() || type() != PacketType::kIcmp) {
        pseudo =
            packet::PseudoHeaderSum(f.src, f.dst, Protocol(f), static_cast<uint32_t>(t.size()));
      }
      ASSERT_EQ(packet::ChecksumFinish(packet::ChecksumAdd(pseudo, t)), 0) << flow_number;
      uint32_t key = packet::Read16(&t[2]);  // the ICMP checksum, or the destination port
      if (type() != PacketType::kIcmp) {
        EXPECT_EQ(key, static_cast<uint32_t>(f.port + flow_number));
        EXPECT_EQ(packet::Read16(&t[0]), kWireId);  // the source port stays the trace's
      }
      within.insert(key);
      Bytes reply = TimeExceeded(f, Quote(f, p, /*full=*/false));
      auto info = Decode(f, reply, Router(v6()));
      ASSERT_TRUE(info.has_value());
      EXPECT_EQ(MatchProbe(f, *info, kMaxProbeIndex), index);
      if (type() == PacketType::kIcmp) {
        EXPECT_FALSE(FlowNumberOf(f, *info).has_value());
      } else {
        EXPECT_EQ(FlowNumberOf(f, *info), flow_number);
      }
    }
    EXPECT_EQ(within.size(), 1u) << "flow " << flow_number << " changed within itself";
    hashed.insert(*within.begin());
  }
  EXPECT_EQ(hashed.size(), 5u) << "two flows hash alike";
  // A port beyond the flows is not one of this trace's.
  std::array<uint8_t, kMaxProbeSize> out{};
  Flow wide = f;
  wide.flow_count = 301;
  size_t n = BuildProbe(wide, 3, 5, out, 300);
  Bytes p(out.begin(), out.begin() + static_cast<long>(n));
  auto info = Decode(f, TimeExceeded(f, Quote(f, p, false)), Router(v6()));
  ASSERT_TRUE(info.has_value());
  if (type() != PacketType::kIcmp) {
    EXPECT_FALSE(MatchProbe(f, *info, kMaxProbeIndex).has_value());
  }
}

// Every ICMP flow has a checksum of its own, whatever the base checksum.
TEST(BuildProbeTest, IcmpFlowsNeverShareAChecksum) {
  // Many base checksums (the echo id moves it; the sequence does not): some below the highest
  // flow number, where flows could wrap onto each other.
  for (int id = 0x8000; id <= 0xFFFF; id += 257) {
    Flow f = MakeFlow(PacketType::kIcmp, false);
    f.wire_id = static_cast<uint16_t>(id);
    f.flow_count = 3000;
    std::set<uint16_t> seen;
    for (int flow_number = 0; flow_number < 3000; ++flow_number) {
      std::array<uint8_t, kMaxProbeSize> out{};
      ASSERT_GT(BuildProbe(f, 0, 5, out, flow_number), 0u);
      EXPECT_TRUE(seen.insert(packet::Read16(&out[20 + 2])).second)
          << "id " << id << " flow " << flow_number;
    }
  }
}

TEST_P(ProbeCodecTest, TimeExceededWithFullQuoteMatches) {
  Flow f = flow();
  for (int index : {0, 300}) {
    auto info = Decode(f, TimeExceeded(f, Quote(f, Probe(f, index), /*full=*/true)), Router(v6()));
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), index);
  }
}

TEST_P(ProbeCodecTest, QuoteWithDecrementedTtlMatches) {
  Flow f = flow();
  Bytes quote = Quote(f, Probe(f, 12, /*ttl=*/1), false);
  quote[v6() ? 7 : 8] = 0;  // the router quotes the TTL / hop limit it decremented
  auto info = Decode(f, TimeExceeded(f, quote), Router(v6()));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), 12);
}

TEST(DecodeIcmpPacketTest, ReplyIpv4HeaderSourceWinsOverTheArgument) {
  for (Case c : Cases(kAllTypes, kV4Only)) {
    SCOPED_TRACE(c.name());
    Flow f = c.flow();
    auto info = Decode(f, TimeExceeded(f, Quote(f, Probe(f, 0), false)), Addr("10.9.9.9"));
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->from, Router(false));
  }
}

TEST(DecodeIcmpPacketTest, ReplyWithIpOptionsMatches) {
  for (Case c : Cases(kAllTypes, kV4Only)) {
    SCOPED_TRACE(c.name());
    Flow f = c.flow();
    Bytes reply = TimeExceeded(f, Quote(f, Probe(f, 3), false));
    reply.insert(reply.begin() + 20, {1, 1, 1, 0});  // 4 bytes of NOP/EOL options
    reply[0] = 0x46;
    auto info = Decode(f, reply, Router(false));
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), 3);
  }
}

TEST_P(ProbeCodecTest, QuotedDestinationMustBeTheTarget) {
  Flow f = flow();
  Flow other = f;
  other.dst = v6() ? Addr("2001:db8:1::10") : Addr("198.51.100.10");
  // A probe of another trace with the same wire id and port, to another destination.
  Bytes reply = TimeExceeded(other, Quote(other, Probe(other, 4), false));
  auto info = Decode(f, reply, Router(v6()));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->quoted_dst, other.dst);
  EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), std::nullopt);
  EXPECT_EQ(MatchProbe(other, *info, kMaxProbesPerTrace), 4);
}

TEST_P(ProbeCodecTest, WrongWireIdDoesNotMatch) {
  Flow f = flow();
  Flow other = f;
  other.wire_id = kWireId + 1;
  auto info = Decode(f, TimeExceeded(other, Quote(other, Probe(other, 4), false)), Router(v6()));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->wire_id, kWireId + 1);
  EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), std::nullopt);
}

TEST(MatchProbeTest, WrongDestinationPortDoesNotMatch) {
  for (Case c : Cases(kPortTypes, kBothFamilies)) {
    SCOPED_TRACE(c.name());
    Flow f = c.flow();
    Flow other = f;
    other.port = static_cast<uint16_t>(f.port + 1);
    auto info = Decode(f, TimeExceeded(other, Quote(other, Probe(other, 4), false)), Router(c.v6));
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), std::nullopt);
  }
}

TEST_P(ProbeCodecTest, OtherProtocolDoesNotMatch) {
  Flow f = flow();
  PacketType other_type = type() == PacketType::kUdp ? PacketType::kTcp : PacketType::kUdp;
  Flow other = f;
  other.type = other_type;
  auto info = Decode(f, TimeExceeded(other, Quote(other, Probe(other, 4), false)), Router(v6()));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->probe_type, other_type);
  EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), std::nullopt);
}

TEST_P(ProbeCodecTest, IndexBeyondProbeCountDoesNotMatch) {
  Flow f = flow();
  auto info = Decode(f, TimeExceeded(f, Quote(f, Probe(f, 10), false)), Router(v6()));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(MatchProbe(f, *info, 10), std::nullopt);
  EXPECT_EQ(MatchProbe(f, *info, 0), std::nullopt);
  EXPECT_EQ(MatchProbe(f, *info, 11), 10);
}

TEST_P(ProbeCodecTest, TruncatedQuotesAreRejectedSafely) {
  Flow f = flow();
  Bytes quote = Quote(f, Probe(f, 7), /*full=*/true);
  size_t needed = v6() ? 48 : 28;  // IP header + 8 transport bytes
  for (size_t n = 0; n <= quote.size(); ++n) {
    Bytes q(quote.begin(), quote.begin() + static_cast<long>(n));
    auto info = Decode(f, TimeExceeded(f, q), Router(v6()));
    if (n < needed) {
      EXPECT_FALSE(info.has_value()) << "quote of " << n << " bytes";
    } else {
      ASSERT_TRUE(info.has_value()) << "quote of " << n << " bytes";
      EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), 7);
    }
  }
  // Truncated replies, down to nothing, never crash.
  Bytes reply = TimeExceeded(f, quote);
  for (size_t n = 0; n < reply.size(); ++n) {
    Bytes r(reply.begin(), reply.begin() + static_cast<long>(n));
    auto info = Decode(f, r, Router(v6()));
    if (info && n < (v6() ? 8u : 28u) + needed) {
      ADD_FAILURE() << "decoded a reply of " << n << " bytes";
    }
  }
}

TEST_P(ProbeCodecTest, PortUnreachableFromTheTarget) {
  Flow f = flow();
  auto info = Decode(f, PortUnreachable(f, Quote(f, Probe(f, 21), false)), f.dst);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->kind, ReplyKind::kUnreachable);
  EXPECT_EQ(info->from, f.dst);
  EXPECT_EQ(UnreachableLabel(v6(), info->icmp_type, info->icmp_code), std::nullopt);
  EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), 21);
}

TEST_P(ProbeCodecTest, Rfc4884MplsLabelsReachTheReply) {
  Flow f = flow();
  Bytes quote = Quote(f, Probe(f, 2), false);
  quote.resize(128, 0);
  Bytes ext = {0x20, 0, 0, 0, 0, 8, 1, 1};
  ext.resize(12);
  packet::Write32(&ext[8], 24001u << 12 | 1u << 8 | 1u);
  packet::Write16(&ext[2], packet::ChecksumFinish(packet::ChecksumAdd(0, ext)));
  Bytes body = quote;
  body.insert(body.end(), ext.begin(), ext.end());
  Bytes reply = TimeExceeded(f, body);
  // Set the RFC 4884 length: 128 bytes (v4: byte 5, 32-bit words; v6: byte 4, 64-bit words).
  size_t icmp_at = v6() ? 0 : 20;
  reply[icmp_at + (v6() ? 4 : 5)] = v6() ? 16 : 32;
  auto info = Decode(f, reply, Router(v6()));
  ASSERT_TRUE(info.has_value());
  ASSERT_EQ(info->mpls.size(), 1u);
  EXPECT_EQ(packet::MplsLabelText(info->mpls[0]), "MPLS L=24001 TC=0 S=1 TTL=1");
  EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), 2);
}

TEST(MatchProbeTest, UdpNatRewroteTheChecksum) {
  for (Case c : Cases(kUdpOnly, kBothFamilies)) {
    SCOPED_TRACE(c.name());
    Flow f = c.flow();
    for (int index = 0; index < kMaxProbesPerTrace; ++index) {
      Bytes quote = Quote(f, Probe(f, index), false);
      size_t udp_at = c.v6 ? 40 : 20;
      packet::Write16(&quote[udp_at + 6], 0xBEEF);  // out of the index range
      auto info = Decode(f, TimeExceeded(f, quote), Router(c.v6));
      ASSERT_TRUE(info.has_value());
      EXPECT_EQ(info->identity, 0xBEEFu);
      if (c.v6) {
        EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), std::nullopt);  // no IP ID to help
        continue;
      }
      EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), index) << "via the IP ID";
      // A router that byte-swapped the IP ID. When the swapped ID is itself the ID of a probe
      // (IDs 1, 2, 256, 257, 258, 512, 513, 514 of 640) the two cannot be told apart and the
      // unswapped reading wins; every other index is recovered.
      auto id = static_cast<uint16_t>(index + 1);
      auto swapped = static_cast<uint16_t>(id << 8 | id >> 8);
      std::swap(quote[4], quote[5]);
      info = Decode(f, TimeExceeded(f, quote), Router(false));
      ASSERT_TRUE(info.has_value());
      ASSERT_EQ(info->quoted_ip_id, swapped);
      std::optional<int> expected = index;
      if (swapped >= 1 && swapped <= kMaxProbesPerTrace) expected = swapped - 1;
      EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), expected) << "via the swapped IP ID";
      // Both gone: no match.
      packet::Write16(&quote[4], 0xFFFF);
      info = Decode(f, TimeExceeded(f, quote), Router(false));
      ASSERT_TRUE(info.has_value());
      EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), std::nullopt);
    }
    // A zero checksum (a NAT that dropped it) falls back too.
    if (!c.v6) {
      Bytes quote = Quote(f, Probe(f, 9), false);
      packet::Write16(&quote[26], 0);
      auto info = Decode(f, TimeExceeded(f, quote), Router(false));
      ASSERT_TRUE(info.has_value());
      EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), 9);
      // With fewer probes sent, the swapped reading of ID 10 (0x0A00) is out of range too.
      std::swap(quote[4], quote[5]);
      info = Decode(f, TimeExceeded(f, quote), Router(false));
      ASSERT_TRUE(info.has_value());
      EXPECT_EQ(MatchProbe(f, *info, 30), 9);
    }
  }
}

TEST(MatchProbeTest, EchoReplyFromTheTarget) {
  for (Case c : Cases(kIcmpOnly, kBothFamilies)) {
    SCOPED_TRACE(c.name());
    Flow f = c.flow();
    for (int index : {0, 5, 639}) {
      Bytes probe = Probe(f, index);
      std::span<const uint8_t> t = Transport(f, probe);
      Bytes payload(t.begin() + 8, t.end());
      Bytes reply =
          IcmpPacket(c.v6, f.dst, f.src, c.v6 ? packet::kIcmpV6EchoReply : packet::kIcmpEchoReply,
                     0, kWireId, static_cast<uint16_t>(f.port + index), payload);
      auto info = Decode(f, reply, f.dst);
      ASSERT_TRUE(info.has_value());
      EXPECT_EQ(info->kind, ReplyKind::kEchoReply);
      EXPECT_EQ(info->from, f.dst);
      EXPECT_EQ(info->probe_type, PacketType::kIcmp);
      EXPECT_EQ(info->wire_id, kWireId);
      EXPECT_FALSE(info->quoted_dst.has_value());
      EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), index);
      // Someone else's ping (another identifier) is not ours.
      Bytes foreign =
          IcmpPacket(c.v6, f.dst, f.src, c.v6 ? packet::kIcmpV6EchoReply : packet::kIcmpEchoReply,
                     0, kWireId ^ 0x0100, static_cast<uint16_t>(f.port + index), payload);
      info = Decode(f, foreign, f.dst);
      ASSERT_TRUE(info.has_value());
      EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), std::nullopt);
    }
  }
}

TEST_P(ProbeCodecTest, EchoRequestsAndForeignPacketsAreIgnored) {
  Flow f = flow();
  // Our own probe looped back, or anyone's echo request.
  Bytes request =
      IcmpPacket(v6(), f.src, f.dst, v6() ? packet::kIcmpV6EchoRequest : packet::kIcmpEchoRequest,
                 0, kWireId, 1, Bytes(32, 0));
  EXPECT_FALSE(Decode(f, request, f.src).has_value());
  // An error quoting an echo reply (not one of our requests).
  Bytes quote = Quote(f, Probe(f, 0), false);
  if (type() == PacketType::kIcmp) {
    quote[v6() ? 40 : 20] = v6() ? packet::kIcmpV6EchoReply : packet::kIcmpEchoReply;
    EXPECT_FALSE(Decode(f, TimeExceeded(f, quote), Router(v6())).has_value());
  }
  // A quote of an unknown protocol.
  quote = Quote(f, Probe(f, 0), false);
  quote[v6() ? 6 : 9] = packet::kProtoGre;
  EXPECT_FALSE(Decode(f, TimeExceeded(f, quote), Router(v6())).has_value());
  if (!v6()) {
    // Not ICMP at all.
    Bytes tcp = TcpAnswer(f, 1, packet::kTcpSyn | packet::kTcpAck);
    EXPECT_FALSE(Decode(f, tcp, f.dst).has_value());
  }
}

TEST(MatchProbeTest, Ipv6ReplyOnAnIpv4FlowDoesNotMatch) {
  for (Case c : Cases(kAllTypes, kV4Only)) {
    SCOPED_TRACE(c.name());
    Flow f = c.flow();
    Flow f6 = MakeFlow(c.type, true);
    auto info = Decode(f6, TimeExceeded(f6, Quote(f6, Probe(f6, 3), false)), Router(true));
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(MatchProbe(f6, *info, kMaxProbesPerTrace), 3);
    EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), std::nullopt);
    // Even without a quoted destination to tell them apart.
    info->quoted_dst.reset();
    EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), std::nullopt);
    // And the other way round.
    auto info4 = Decode(f, TimeExceeded(f, Quote(f, Probe(f, 3), false)), Router(false));
    ASSERT_TRUE(info4.has_value());
    info4->quoted_dst.reset();
    EXPECT_EQ(MatchProbe(f6, *info4, kMaxProbesPerTrace), std::nullopt);
  }
}

TEST(DecodeTcpPacketTest, TcpSynAckAndRstAck) {
  for (Case c : Cases(kTcpOnly, kBothFamilies)) {
    SCOPED_TRACE(c.name());
    Flow f = c.flow();
    for (int index : {0, 1, 639}) {
      uint32_t ack = kSeqBase + static_cast<uint32_t>(index) + 1;
      for (uint8_t flags : {uint8_t{packet::kTcpSyn | packet::kTcpAck},
                            uint8_t{packet::kTcpRst | packet::kTcpAck}}) {
        auto info = DecodeTcpPacket(TcpAnswer(f, ack, flags), c.v6, f.dst);
        ASSERT_TRUE(info.has_value()) << int{flags};
        EXPECT_EQ(info->kind, ReplyKind::kTcpReply);
        EXPECT_EQ(info->from, f.dst);
        EXPECT_EQ(info->probe_type, PacketType::kTcp);
        EXPECT_EQ(info->wire_id, kWireId);
        EXPECT_EQ(info->dst_port, f.port);
        EXPECT_EQ(info->identity, kSeqBase + static_cast<uint32_t>(index));
        EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), index) << int{flags};
      }
    }
  }
}

TEST(DecodeTcpPacketTest, TcpSegmentsThatAreNotAnswers) {
  for (Case c : Cases(kTcpOnly, kBothFamilies)) {
    SCOPED_TRACE(c.name());
    Flow f = c.flow();
    uint32_t ack = kSeqBase + 1;
    for (uint8_t flags : {packet::kTcpSyn, packet::kTcpRst, packet::kTcpAck,
                          uint8_t{packet::kTcpFin | packet::kTcpAck}, uint8_t{0}}) {
      EXPECT_FALSE(DecodeTcpPacket(TcpAnswer(f, ack, flags), c.v6, f.dst).has_value())
          << int{flags};
    }
    // Only the first 8 or 19 bytes of a segment: flags unknown.
    for (size_t size : {8u, 19u}) {
      EXPECT_FALSE(
          DecodeTcpPacket(TcpAnswer(f, ack, packet::kTcpSyn | packet::kTcpAck, size), c.v6, f.dst)
              .has_value())
          << size;
    }
    // An answer for another source port or from another service port.
    Flow other = f;
    other.wire_id = kWireId + 1;
    auto info =
        DecodeTcpPacket(TcpAnswer(other, ack, packet::kTcpSyn | packet::kTcpAck), c.v6, f.dst);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), std::nullopt);
    other = f;
    other.port = 8443;
    info = DecodeTcpPacket(TcpAnswer(other, ack, packet::kTcpSyn | packet::kTcpAck), c.v6, f.dst);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), std::nullopt);
    // An ack that acknowledges nothing we sent.
    info = DecodeTcpPacket(TcpAnswer(f, kSeqBase, packet::kTcpRst | packet::kTcpAck), c.v6, f.dst);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), std::nullopt);
    // Truncated packets, down to nothing.
    Bytes full = TcpAnswer(f, ack, packet::kTcpSyn | packet::kTcpAck);
    for (size_t n = 0; n < full.size(); ++n) {
      Bytes b(full.begin(), full.begin() + static_cast<long>(n));
      EXPECT_FALSE(DecodeTcpPacket(b, c.v6, f.dst).has_value()) << n;
    }
    if (!c.v6) {
      // An ICMP packet on the TCP path.
      Bytes icmp = TimeExceeded(f, Quote(f, Probe(f, 0), false));
      EXPECT_FALSE(DecodeTcpPacket(icmp, false, f.dst).has_value());
    }
  }
}

TEST(MatchProbeTest, TcpSequenceWraps) {
  Flow f = MakeFlow(PacketType::kTcp, false);
  f.tcp_seq_base = 0xFFFFFFFE;
  // Probe 3 has sequence 1; its answer acknowledges 2.
  Bytes tcp(20);
  packet::TcpHeader h;
  h.src_port = f.port;
  h.dst_port = f.wire_id;
  h.ack = 2;
  h.flags = packet::kTcpSyn | packet::kTcpAck;
  packet::WriteTcp(h, tcp);
  auto info = DecodeTcpPacket(tcp, true, f.dst);
  ASSERT_TRUE(info.has_value());
  Flow f6 = MakeFlow(PacketType::kTcp, true);
  f6.tcp_seq_base = 0xFFFFFFFE;
  EXPECT_EQ(MatchProbe(f6, *info, kMaxProbesPerTrace), 3);
  // Probe 0 has sequence 0xFFFFFFFE: its answer acknowledges 0xFFFFFFFF.
  h.ack = 0xFFFFFFFF;
  packet::WriteTcp(h, tcp);
  info = DecodeTcpPacket(tcp, true, f.dst);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(MatchProbe(f6, *info, kMaxProbesPerTrace), 0);
}

TEST(MatchProbeTest, IcmpSequenceWraps) {
  Flow f = MakeFlow(PacketType::kIcmp, false);
  f.port = 65535;
  for (int index : {0, 1, 5, 639}) {
    Bytes reply = TimeExceeded(f, Quote(f, Probe(f, index), false));
    auto info = DecodeIcmpPacket(reply, false, Router(false));
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(MatchProbe(f, *info, kMaxProbesPerTrace), index);
  }
  // A sequence just below the first one is not a probe of this trace.
  ReplyInfo r;
  r.probe_type = PacketType::kIcmp;
  r.wire_id = f.wire_id;
  r.identity = 65534;
  EXPECT_EQ(MatchProbe(f, r, kMaxProbesPerTrace), std::nullopt);
}

TEST(UnreachableLabelTest, Ipv4Codes) {
  const uint8_t t = packet::kIcmpUnreachable;
  EXPECT_EQ(UnreachableLabel(false, t, 0), "!N");
  EXPECT_EQ(UnreachableLabel(false, t, 1), "!H");
  EXPECT_EQ(UnreachableLabel(false, t, 2), "!P");
  EXPECT_EQ(UnreachableLabel(false, t, 3), std::nullopt);
  EXPECT_EQ(UnreachableLabel(false, t, 4), "!F");
  EXPECT_EQ(UnreachableLabel(false, t, 5), "!S");
  EXPECT_EQ(UnreachableLabel(false, t, 6), "!N");
  EXPECT_EQ(UnreachableLabel(false, t, 7), "!H");
  EXPECT_EQ(UnreachableLabel(false, t, 8), "!H");
  EXPECT_EQ(UnreachableLabel(false, t, 9), "!X");
  EXPECT_EQ(UnreachableLabel(false, t, 10), "!X");
  EXPECT_EQ(UnreachableLabel(false, t, 11), "!N");
  EXPECT_EQ(UnreachableLabel(false, t, 12), "!H");
  EXPECT_EQ(UnreachableLabel(false, t, 13), "!X");
  EXPECT_EQ(UnreachableLabel(false, t, 14), "!V");
  EXPECT_EQ(UnreachableLabel(false, t, 15), "!C");
  EXPECT_EQ(UnreachableLabel(false, t, 16), "!16");
  EXPECT_EQ(UnreachableLabel(false, t, 255), "!255");
  EXPECT_EQ(UnreachableLabel(false, packet::kIcmpParameterProblem, 0), "!PP");
}

TEST(UnreachableLabelTest, Ipv6Codes) {
  const uint8_t t = packet::kIcmpV6Unreachable;
  EXPECT_EQ(UnreachableLabel(true, t, 0), "!N");
  EXPECT_EQ(UnreachableLabel(true, t, 1), "!X");
  EXPECT_EQ(UnreachableLabel(true, t, 2), "!S");
  EXPECT_EQ(UnreachableLabel(true, t, 3), "!H");
  EXPECT_EQ(UnreachableLabel(true, t, 4), std::nullopt);
  EXPECT_EQ(UnreachableLabel(true, t, 5), "!X");
  EXPECT_EQ(UnreachableLabel(true, t, 6), "!X");
  EXPECT_EQ(UnreachableLabel(true, t, 7), "!7");
  EXPECT_EQ(UnreachableLabel(true, packet::kIcmpV6PacketTooBig, 0), "!F");
  EXPECT_EQ(UnreachableLabel(true, packet::kIcmpV6ParameterProblem, 1), "!PP");
  // The version decides the numbering: type 3 code 3 is port unreachable only in IPv4.
  EXPECT_EQ(UnreachableLabel(false, 3, 3), std::nullopt);
  EXPECT_NE(UnreachableLabel(true, 3, 3), std::nullopt);
  EXPECT_NE(UnreachableLabel(true, 1, 3), std::nullopt);
  EXPECT_EQ(UnreachableLabel(true, 1, 3), "!H");
  EXPECT_NE(UnreachableLabel(false, 1, 4), std::nullopt);
}

// GRE: outer IPv4 of protocol 47 to the endpoint, a 4-byte GRE header, and an inner IPv4 ICMP
// echo reply from the endpoint back to the colo.
TEST(GreProbeTest, Layout) {
  Flow f = MakeFlow(PacketType::kGre, false);
  Bytes p = Probe(f, 7, 9);
  ASSERT_EQ(p.size(), 20u + 4u + 20u + 8u + kProbePayloadSize);
  auto outer = packet::ParseIpv4(p);
  ASSERT_TRUE(outer);
  EXPECT_EQ(outer->protocol, packet::kProtoGre);
  EXPECT_EQ(outer->ttl, 9);
  EXPECT_EQ(outer->id, 8);
  EXPECT_EQ(outer->dst, f.dst);
  auto gre = packet::ParseGre(std::span<const uint8_t>(p).subspan(20));
  ASSERT_TRUE(gre);
  EXPECT_EQ(gre->protocol, packet::kGreProtocolIpv4);
  EXPECT_EQ(gre->header_size, 4u);
  EXPECT_FALSE(gre->key_present);
  std::span<const uint8_t> inner_bytes = std::span<const uint8_t>(p).subspan(24);
  auto inner = packet::ParseIpv4(inner_bytes);
  ASSERT_TRUE(inner);
  EXPECT_EQ(inner->src, f.dst);  // from the endpoint ...
  EXPECT_EQ(inner->dst, f.src);  // ... home to the colo
  EXPECT_EQ(inner->protocol, packet::kProtoIcmp);
  EXPECT_EQ(packet::ChecksumFinish(packet::ChecksumAdd(0, inner_bytes.first(20))), 0);
  auto icmp = packet::ParseIcmpHeader(inner_bytes.subspan(20));
  ASSERT_TRUE(icmp);
  EXPECT_EQ(icmp->type, packet::kIcmpEchoReply);
  EXPECT_EQ(icmp->id, kWireId);
  EXPECT_EQ(icmp->seq, 1 + 7);
  EXPECT_EQ(packet::ChecksumFinish(packet::ChecksumAdd(0, inner_bytes.subspan(20))), 0);
  // The inner checksum stays the same for every probe (Paris).
  Bytes other = Probe(f, 300, 9);
  EXPECT_EQ(packet::Read16(&other[24 + 20 + 2]), packet::Read16(&p[24 + 20 + 2]));
}

TEST(GreProbeTest, RouterErrorQuotingTheInnerPacketMatches) {
  Flow f = MakeFlow(PacketType::kGre, false);
  Bytes p = Probe(f, 42, 3);
  auto reply = Decode(f, TimeExceeded(f, p), Router(false));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->kind, ReplyKind::kTimeExceeded);
  EXPECT_EQ(reply->probe_type, PacketType::kGre);
  EXPECT_EQ(MatchProbe(f, *reply, kMaxProbesPerTrace), 42);
  // An ICMP flow with the same wire id does not take it.
  EXPECT_FALSE(MatchProbe(MakeFlow(PacketType::kIcmp, false), *reply, kMaxProbesPerTrace));
  // A quote of only the outer header and 8 bytes carries no identity: no match, no crash.
  Bytes short_quote(p.begin(), p.begin() + 28);
  EXPECT_FALSE(Decode(f, TimeExceeded(f, short_quote), Router(false)));
}

TEST(GreProbeTest, TheDecapsulatedInnerPacketIsTheTargetsAnswer) {
  Flow f = MakeFlow(PacketType::kGre, false);
  Bytes p = Probe(f, 5, 8);
  // What arrives at the colo after the endpoint decapsulated: the inner packet as it was.
  Bytes inner(p.begin() + 24, p.end());
  auto reply = DecodeIcmpPacket(inner, false, IpAddress{});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->kind, ReplyKind::kEchoReply);
  EXPECT_EQ(reply->from, f.dst);
  EXPECT_EQ(MatchProbe(f, *reply, kMaxProbesPerTrace), 5);
}

TEST(GreProbeTest, KeyAndSequenceOptionsAreSkippedWhenParsing) {
  Bytes gre = {0x30, 0x00, 0x08, 0x00, 0, 0, 0, 42, 0, 0, 1, 0};
  auto h = packet::ParseGre(gre);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->key_present);
  EXPECT_TRUE(h->sequence_present);
  EXPECT_EQ(h->key, 42u);
  EXPECT_EQ(h->sequence, 256u);
  EXPECT_EQ(h->header_size, 12u);
  gre.resize(10);
  EXPECT_FALSE(packet::ParseGre(gre));
}

}  // namespace
}  // namespace colotrace::probe
