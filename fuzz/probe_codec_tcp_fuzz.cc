// Fuzzes TCP replies as the engine reads them from its raw TCP sockets: probe::DecodeTcpPacket
// (SYN-ACK and RST-ACK answers to TCP probes) and the matching of a reply to a probe
// (probe::MatchProbe).
//
// Input: byte 0 picks the family (bit 0 set: IPv6); the rest is the packet, IPv4 with its IP
// header, IPv6 the TCP segment only (as the sockets deliver them).

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/fuzz_support.h"
#include "probe/packet/headers.h"
#include "probe/probe_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace colotrace;
  if (size < 1) return 0;
  bool v6 = (data[0] & 1) != 0;
  std::span<const uint8_t> bytes(data + 1, size - 1);

  std::span<const uint8_t> segment = bytes;
  if (!v6) {
    if (auto ip = packet::ParseIpv4(bytes)) segment = bytes.subspan(ip->header_size);
  }
  bool complete = false;
  if (auto tcp = packet::ParseTcp(segment, &complete)) {
    FUZZ_CHECK(segment.size() >= 8);
    FUZZ_CHECK(complete == (segment.size() >= packet::kTcpHeaderSize));
    if (complete) FUZZ_CHECK(tcp->header_size % 4 == 0 && tcp->header_size <= 60);
  } else {
    FUZZ_CHECK(segment.size() < 8 && !complete);
  }

  auto reply = probe::DecodeTcpPacket(bytes, v6, fuzz::Router(v6));
  if (!reply) return 0;
  FUZZ_CHECK(reply->v6 == v6 && reply->from.is_v4() == !v6);
  FUZZ_CHECK(reply->kind == probe::ReplyKind::kTcpReply);
  FUZZ_CHECK(reply->probe_type == model::PacketType::kTcp);
  FUZZ_CHECK(!reply->quoted_dst && !reply->quoted_ip_id && reply->mpls.empty());
  fuzz::MatchAgainstFlows(*reply);
  return 0;
}
