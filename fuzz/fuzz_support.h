// Helpers shared by the fuzz targets (fuzz/*_fuzz.cc): FUZZ_CHECK, which turns a broken
// property into a crash (libFuzzer keeps the input; the replay tests fail), and the probe flows
// that decoded replies are matched against. Header only; used by the targets and make_corpus.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "model/traceroute.h"
#include "net/ip_address.h"
#include "probe/probe_codec.h"

// Aborts with the condition's text when `cond` does not hold (also in optimised builds).
#define FUZZ_CHECK(cond)                                             \
  do {                                                               \
    if (!(cond)) ::colotrace::fuzz::Fail(__FILE__, __LINE__, #cond); \
  } while (false)

namespace colotrace::fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz property broken: %s\n", file, line, what);
  std::abort();
}

// The addresses and identities of the seed corpus (make_corpus.cc): a colo at kColo probing
// kTarget, answered by kRouter. Replies decoded by the targets are matched against these flows.
inline net::IpAddress Addr(bool v6, uint8_t last) {
  net::IpAddress a;
  if (v6) {
    a.family = net::IpAddress::Family::kV6;
    a.bytes = {0x20, 0x01, 0x0d, 0xb8};
    a.bytes[15] = last;
  } else {
    a.bytes = {203, 0, 113, last};
  }
  return a;
}
inline net::IpAddress Colo(bool v6) {
  return Addr(v6, 10);
}
inline net::IpAddress Target(bool v6) {
  return Addr(v6, 99);
}
inline net::IpAddress Router(bool v6) {
  return Addr(v6, 1);
}

inline constexpr uint16_t kWireId = 0x8005;
inline constexpr uint16_t kFirstSequence = 1;  // ICMP and GRE: flow.port
inline constexpr uint16_t kUdpPort = 33434;
inline constexpr uint16_t kTcpPort = 443;
inline constexpr uint32_t kTcpSeqBase = 0x5eed0000;

inline probe::Flow SeedFlow(model::PacketType type, bool v6) {
  probe::Flow f;
  f.type = type;
  f.src = Colo(v6);
  f.dst = Target(v6);
  f.wire_id = kWireId;
  f.port = type == model::PacketType::kUdp   ? kUdpPort
           : type == model::PacketType::kTcp ? kTcpPort
                                             : kFirstSequence;
  f.tcp_seq_base = kTcpSeqBase;
  return f;
}

inline constexpr model::PacketType kProbeTypes[] = {
    model::PacketType::kIcmp, model::PacketType::kUdp, model::PacketType::kTcp,
    model::PacketType::kGre};

// The index a reply to the probe of `flow` carries (see probe_codec.h), for flows derived from
// the reply so that it should match.
inline constexpr int kDerivedIndex = 3;

// Matches `reply` against the seed flows of both families and against flows derived from the
// reply itself (so that matching gets past the identity checks), checking that MatchProbe's
// answer is a valid index and that a reply to a probe of a flow derived from it is found.
inline void MatchAgainstFlows(const probe::ReplyInfo& reply) {
  const int counts[] = {0, 1, 7, probe::kMaxProbesPerTrace};
  for (model::PacketType type : kProbeTypes) {
    for (bool v6 : {false, true}) {
      probe::Flow seed = SeedFlow(type, v6);
      for (int count : counts) {
        if (auto index = probe::MatchProbe(seed, reply, count)) {
          FUZZ_CHECK(*index >= 0 && *index < count);
        }
      }
    }
    probe::Flow derived;
    derived.type = type;
    derived.dst = reply.quoted_dst.value_or(reply.from);
    derived.src = Colo(!derived.dst.is_v4());
    derived.wire_id = reply.wire_id;
    derived.port = static_cast<uint16_t>(reply.dst_port);
    derived.tcp_seq_base = reply.identity - kDerivedIndex;
    if (type == model::PacketType::kIcmp || type == model::PacketType::kGre) {
      derived.port = static_cast<uint16_t>(reply.identity - kDerivedIndex);
    }
    for (int count : counts) {
      auto index = probe::MatchProbe(derived, reply, count);
      if (index) FUZZ_CHECK(*index >= 0 && *index < count);
      // A reply of the flow's protocol, family, wire id and destination names probe
      // kDerivedIndex (UDP: its checksum, or the IP ID of a NAT-rewritten one; not checked).
      bool same_protocol = reply.probe_type == type || (type == model::PacketType::kGre &&
                                                        reply.kind == probe::ReplyKind::kEchoReply);
      if (same_protocol && reply.v6 == !derived.dst.is_v4() && type != model::PacketType::kUdp &&
          count > kDerivedIndex) {
        FUZZ_CHECK(index == kDerivedIndex);
      }
    }
  }
}

// Reads every byte of `bytes`, so that AddressSanitizer sees a span that points past its buffer.
inline uint32_t Touch(std::span<const uint8_t> bytes) {
  uint32_t sum = 0;
  for (uint8_t b : bytes) sum += b;
  return sum;
}

}  // namespace colotrace::fuzz
