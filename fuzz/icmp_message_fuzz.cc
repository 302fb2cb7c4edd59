// Fuzzes ICMP and ICMPv6 replies as the engine reads them from its raw sockets: the message
// parser with its quoted datagram and RFC 4884 / RFC 4950 extensions (packet::ParseIcmpMessage),
// the reply decoder (probe::DecodeIcmpPacket) and the matching of a reply to a probe
// (probe::MatchProbe, probe::UnreachableLabel).
//
// Input: byte 0 picks the family (bit 0 set: ICMPv6); the rest is the packet, IPv4 with its IP
// header, ICMPv6 without (as the sockets deliver them).

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/fuzz_support.h"
#include "probe/packet/headers.h"
#include "probe/packet/icmp_message.h"
#include "probe/probe_codec.h"

namespace colotrace::fuzz {
namespace {

void CheckMessage(std::span<const uint8_t> icmp, bool v6) {
  auto msg = packet::ParseIcmpMessage(icmp, v6);
  if (!msg) {
    FUZZ_CHECK(icmp.size() < packet::kIcmpHeaderSize);
    return;
  }
  FUZZ_CHECK(msg->header.type == icmp[0] && msg->header.code == icmp[1]);
  if (!msg->is_error) {
    FUZZ_CHECK(msg->quoted.empty() && !msg->has_extensions && msg->mpls.empty());
    return;
  }
  // The quote lies inside the message, after the ICMP header.
  FUZZ_CHECK(msg->quoted.data() == icmp.data() + packet::kIcmpHeaderSize);
  FUZZ_CHECK(msg->quoted.size() <= icmp.size() - packet::kIcmpHeaderSize);
  Touch(msg->quoted);
  if (!msg->has_extensions) FUZZ_CHECK(msg->mpls.empty());
  for (const packet::MplsLabel& label : msg->mpls) {
    FUZZ_CHECK(label.label <= 0xFFFFF && label.tc <= 7);
    FUZZ_CHECK(!packet::MplsLabelText(label).empty());
  }
}

}  // namespace
}  // namespace colotrace::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace colotrace;
  if (size < 1) return 0;
  bool v6 = (data[0] & 1) != 0;
  std::span<const uint8_t> bytes(data + 1, size - 1);

  std::span<const uint8_t> icmp = bytes;
  if (!v6) {
    if (auto ip = packet::ParseIpv4(bytes)) {
      FUZZ_CHECK(ip->header_size >= packet::kIpv4HeaderSize && ip->header_size <= bytes.size());
      icmp = bytes.subspan(ip->header_size);
    }
  }
  fuzz::CheckMessage(icmp, v6);
  // The same bytes in the other numbering (ICMP types differ between the families).
  fuzz::CheckMessage(icmp, !v6);

  auto reply = probe::DecodeIcmpPacket(bytes, v6, fuzz::Router(v6));
  if (!reply) return 0;
  FUZZ_CHECK(reply->v6 == v6);
  FUZZ_CHECK(reply->from.is_v4() == !v6);
  if (reply->quoted_dst) FUZZ_CHECK(reply->quoted_dst->is_v4() == !v6);
  if (v6) FUZZ_CHECK(!reply->quoted_ip_id);
  if (reply->kind == probe::ReplyKind::kEchoReply) {
    FUZZ_CHECK(!reply->quoted_dst && reply->mpls.empty());
  } else {
    FUZZ_CHECK(reply->kind == probe::ReplyKind::kTimeExceeded ||
               reply->kind == probe::ReplyKind::kUnreachable);
    FUZZ_CHECK(reply->quoted_dst.has_value());
    if (auto label = probe::UnreachableLabel(v6, reply->icmp_type, reply->icmp_code)) {
      FUZZ_CHECK(label->size() >= 2 && (*label)[0] == '!');
    }
  }
  fuzz::MatchAgainstFlows(*reply);
  return 0;
}
