// Fuzzes the decoding of GRE-encapsulated probes: the GRE header parser (packet::ParseGre, with
// its optional checksum, key and sequence fields) and the GRE branch of probe::DecodeIcmpPacket,
// which finds a GRE probe's identity in the inner IPv4 echo reply a router quotes, then
// probe::MatchProbe.
//
// Input: byte 0 picks the ICMP error (bit 0 set: destination unreachable, else time exceeded)
// and whether it carries an RFC 4884 length (bit 1); the rest is the quoted GRE packet (GRE
// header and inner packet), which the target wraps in a router's ICMP error quoting the outer
// IPv4 header of a GRE probe.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "probe/packet/checksum.h"
#include "probe/packet/headers.h"
#include "probe/probe_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace colotrace;
  if (size < 1) return 0;
  uint8_t mode = data[0];
  std::span<const uint8_t> gre_bytes(data + 1, size - 1);

  auto gre = packet::ParseGre(gre_bytes);
  if (gre) {
    size_t want = packet::kGreHeaderSize + (gre->checksum_present ? 4 : 0) +
                  (gre->key_present ? 4 : 0) + (gre->sequence_present ? 4 : 0);
    FUZZ_CHECK(gre->header_size == want && gre->header_size <= gre_bytes.size());
    FUZZ_CHECK(gre->protocol == packet::Read16(&gre_bytes[2]) && gre->version <= 7);
  } else {
    FUZZ_CHECK(gre_bytes.size() < 16);  // a header with every option fits in 16 bytes
  }

  // A router's error: outer IPv4 header, ICMP header, the GRE probe's IPv4 header, the input.
  constexpr size_t kQuoteStart = packet::kIpv4HeaderSize + packet::kIcmpHeaderSize;
  size_t quoted_size = packet::kIpv4HeaderSize + gre_bytes.size();
  std::vector<uint8_t> pkt(kQuoteStart + quoted_size);
  std::span<uint8_t> out(pkt);
  packet::Ipv4Header outer;
  outer.total_length = static_cast<uint16_t>(pkt.size());
  outer.ttl = 64;
  outer.protocol = packet::kProtoIcmp;
  outer.src = fuzz::Router(false);
  outer.dst = fuzz::Colo(false);
  packet::WriteIpv4(outer, out);
  packet::Ipv4Header quoted;
  quoted.total_length = static_cast<uint16_t>(quoted_size);
  quoted.id = 4;
  quoted.ttl = 1;
  quoted.protocol = packet::kProtoGre;
  quoted.src = fuzz::Colo(false);
  quoted.dst = fuzz::Target(false);
  packet::WriteIpv4(quoted, out.subspan(kQuoteStart));
  std::copy(gre_bytes.begin(), gre_bytes.end(),
            pkt.begin() + kQuoteStart + packet::kIpv4HeaderSize);
  packet::IcmpHeader icmp{(mode & 1) != 0 ? packet::kIcmpUnreachable : packet::kIcmpTimeExceeded, 0,
                          0, 0, 0};
  if ((mode & 2) != 0 && quoted_size % 4 == 0 && quoted_size / 4 <= 255) {
    icmp.id = static_cast<uint16_t>(quoted_size / 4);  // RFC 4884 length: byte 5 of the header
  }
  std::span<uint8_t> icmp_bytes = out.subspan(packet::kIpv4HeaderSize);
  packet::WriteIcmpHeader(icmp, icmp_bytes);
  icmp.checksum = packet::ChecksumFinish(packet::ChecksumAdd(0, icmp_bytes));
  packet::WriteIcmpHeader(icmp, icmp_bytes);

  auto reply = probe::DecodeIcmpPacket(pkt, false, fuzz::Router(false));
  if (!reply) return 0;
  FUZZ_CHECK(reply->quoted_dst == fuzz::Target(false) && reply->quoted_ip_id == 4);
  FUZZ_CHECK(reply->probe_type == model::PacketType::kGre);
  // Only a GRE header of protocol IPv4 around an IPv4 echo reply names a GRE probe.
  FUZZ_CHECK(gre && gre->protocol == packet::kGreProtocolIpv4);
  std::span<const uint8_t> inner = gre_bytes.subspan(gre->header_size);
  auto inner_ip = packet::ParseIpv4(inner);
  FUZZ_CHECK(inner_ip && inner_ip->protocol == packet::kProtoIcmp);
  auto echo = packet::ParseIcmpHeader(inner.subspan(inner_ip->header_size));
  FUZZ_CHECK(echo && echo->type == packet::kIcmpEchoReply);
  FUZZ_CHECK(reply->wire_id == echo->id && reply->identity == echo->seq);
  fuzz::MatchAgainstFlows(*reply);
  return 0;
}
