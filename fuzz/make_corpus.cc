// Writes the seed corpora of the fuzz targets (fuzz/corpus/<name>/): probe replies built from
// real probes with the project's own encoders (probe::BuildProbe), HTTP requests and bodies, NATS
// wire messages made by dispatch::Encode*, and DNS responses. Run from the build directory of a
// normal build: `fuzz/fuzz_make_corpus ../fuzz/corpus` (files of the same name are replaced).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dispatch/wire.h"
#include "fuzz/fuzz_support.h"
#include "probe/packet/checksum.h"
#include "probe/packet/headers.h"
#include "probe/probe_codec.h"

namespace colotrace::fuzz {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;
using model::PacketType;

fs::path g_root;
int g_files = 0;

void Write(const std::string& target, const std::string& name, const Bytes& bytes) {
  fs::path dir = g_root / target;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ++g_files;
}

void WriteText(const std::string& target, const std::string& name, const std::string& text) {
  Write(target, name, Bytes(text.begin(), text.end()));
}

Bytes Cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Probe `index` of `flow` as it leaves: IPv4 with its header, IPv6 the transport only.
Bytes Probe(const probe::Flow& flow, int index, uint8_t ttl) {
  Bytes out(probe::kMaxProbeSize);
  out.resize(probe::BuildProbe(flow, index, ttl, out));
  return out;
}

uint8_t Protocol(PacketType type, bool v6) {
  switch (type) {
    case PacketType::kUdp:
      return packet::kProtoUdp;
    case PacketType::kTcp:
      return packet::kProtoTcp;
    case PacketType::kGre:
      return packet::kProtoGre;
    default:
      return v6 ? packet::kProtoIcmpV6 : packet::kProtoIcmp;
  }
}

// What a router quotes of the probe: the IP header (IPv6: rebuilt, as the kernel sent it) and
// `transport_bytes` of the transport (all of it when 0).
Bytes Quote(const probe::Flow& flow, const Bytes& probe, size_t transport_bytes) {
  bool v6 = !flow.dst.is_v4();
  Bytes out;
  size_t header = 0;
  if (v6) {
    out.resize(packet::kIpv6HeaderSize);
    packet::Ipv6Header h;
    h.payload_length = static_cast<uint16_t>(probe.size());
    h.next_header = Protocol(flow.type, true);
    h.hop_limit = 1;
    h.src = flow.src;
    h.dst = flow.dst;
    packet::WriteIpv6(h, out);
    out = Cat(out, probe);
    header = packet::kIpv6HeaderSize;
  } else {
    out = probe;
    out[8] = 1;  // the TTL the router saw
    header = packet::kIpv4HeaderSize;
  }
  if (transport_bytes != 0 && header + transport_bytes < out.size()) {
    out.resize(header + transport_bytes);
  }
  return out;
}

// An RFC 4884 extension structure with one RFC 4950 incoming MPLS label stack object.
Bytes MplsExtension(const std::vector<uint32_t>& labels) {
  Bytes ext = {0x20, 0, 0, 0};
  Bytes object(4 + 4 * labels.size());
  packet::Write16(&object[0], static_cast<uint16_t>(object.size()));
  object[2] = 1;  // class: MPLS label stack
  object[3] = 1;  // c-type: incoming stack
  for (size_t i = 0; i < labels.size(); ++i) {
    bool bottom = i + 1 == labels.size();
    packet::Write32(&object[4 + 4 * i], labels[i] << 12 | (bottom ? 1u << 8 : 0u) | 1u);
  }
  ext = Cat(ext, object);
  packet::Write16(&ext[2], packet::ChecksumFinish(packet::ChecksumAdd(0, ext)));
  return ext;
}

enum class Ext { kNone, kRfc4884, kLegacy };

// An ICMP(v6) message from `from` to the colo quoting `quote`, as the colo's socket reads it.
Bytes IcmpMessage(bool v6, const net::IpAddress& from, uint8_t type, uint8_t code, Bytes quote,
                  Ext ext = Ext::kNone, const Bytes& extension = {}, uint16_t id = 0,
                  uint16_t seq = 0) {
  size_t unit = v6 ? 8 : 4;
  if (ext != Ext::kNone) {
    // RFC 4884: the quote padded to its length unit, and to 128 bytes at least.
    size_t padded = std::max<size_t>(128, (quote.size() + unit - 1) / unit * unit);
    if (ext == Ext::kLegacy) padded = 128;
    quote.resize(padded, 0);
  }
  Bytes icmp(packet::kIcmpHeaderSize);
  packet::IcmpHeader h{type, code, 0, id, seq};
  packet::WriteIcmpHeader(h, icmp);
  if (ext == Ext::kRfc4884) icmp[v6 ? 4 : 5] = static_cast<uint8_t>(quote.size() / unit);
  icmp = Cat(Cat(icmp, quote), extension);
  net::IpAddress colo = Colo(v6);
  uint32_t sum = v6 ? packet::PseudoHeaderSum(from, colo, packet::kProtoIcmpV6,
                                              static_cast<uint32_t>(icmp.size()))
                    : 0;
  packet::Write16(&icmp[2], packet::ChecksumFinish(packet::ChecksumAdd(sum, icmp)));
  if (v6) return icmp;
  Bytes ip(packet::kIpv4HeaderSize);
  packet::Ipv4Header outer;
  outer.total_length = static_cast<uint16_t>(ip.size() + icmp.size());
  outer.ttl = 63;
  outer.protocol = packet::kProtoIcmp;
  outer.src = from;
  outer.dst = colo;
  packet::WriteIpv4(outer, ip);
  return Cat(ip, icmp);
}

std::string Name(PacketType type) {
  return std::string(model::PacketTypeName(type));
}

// The seeds must be what they say: a reply to probe kDerivedIndex of the seed flow decodes and
// matches it (else main fails).
bool g_broken = false;
void ExpectMatch(const std::string& file, const Bytes& with_prefix, const probe::Flow& flow,
                 bool tcp, size_t mpls = 0) {
  bool v6 = !flow.dst.is_v4();
  std::span<const uint8_t> bytes(with_prefix.data() + 1, with_prefix.size() - 1);
  auto reply = tcp ? probe::DecodeTcpPacket(bytes, v6, Router(v6))
                   : probe::DecodeIcmpPacket(bytes, v6, Router(v6));
  if (!reply || probe::MatchProbe(flow, *reply, probe::kMaxProbesPerTrace) != kDerivedIndex ||
      reply->mpls.size() != mpls) {
    std::cerr << "seed " << file << " does not answer probe " << kDerivedIndex << "\n";
    g_broken = true;
  }
}

void IcmpCorpus() {
  const std::string t = "icmp_message";
  for (bool v6 : {false, true}) {
    std::string fam = v6 ? "v6_" : "v4_";
    Bytes prefix = {static_cast<uint8_t>(v6 ? 1 : 0)};
    uint8_t time_exceeded = v6 ? packet::kIcmpV6TimeExceeded : packet::kIcmpTimeExceeded;
    uint8_t unreachable = v6 ? packet::kIcmpV6Unreachable : packet::kIcmpUnreachable;
    for (PacketType type : kProbeTypes) {
      if (v6 && type == PacketType::kGre) continue;
      probe::Flow flow = SeedFlow(type, v6);
      Bytes probe = Probe(flow, kDerivedIndex, 2);
      std::string base = fam + Name(type);
      auto put = [&](const std::string& name, const Bytes& reply, size_t mpls = 0) {
        Bytes b = Cat(prefix, reply);
        Write(t, base + name, b);
        // A GRE probe's identity is 52 bytes into it: 8 quoted bytes cannot match (by design).
        bool short_gre = type == PacketType::kGre && name == "_time_exceeded_8";
        if (!short_gre) ExpectMatch(base + name, b, flow, false, mpls);
      };
      put("_time_exceeded_8", IcmpMessage(v6, Router(v6), time_exceeded, 0, Quote(flow, probe, 8)));
      put("_time_exceeded_full",
          IcmpMessage(v6, Router(v6), time_exceeded, 0, Quote(flow, probe, 0)));
      put("_mpls_rfc4884",
          IcmpMessage(v6, Router(v6), time_exceeded, 0, Quote(flow, probe, 0), Ext::kRfc4884,
                      MplsExtension({24001, 16})),
          2);
      put("_mpls_legacy128",
          IcmpMessage(v6, Router(v6), time_exceeded, 0, Quote(flow, probe, 0), Ext::kLegacy,
                      MplsExtension({299808})),
          1);
      uint8_t code = v6 ? (type == PacketType::kUdp ? 4 : 1) : (type == PacketType::kUdp ? 3 : 13);
      put("_unreachable_from_target",
          IcmpMessage(v6, Target(v6), unreachable, code, Quote(flow, probe, 0)));
    }
    uint16_t seq = static_cast<uint16_t>(kFirstSequence + kDerivedIndex);
    Bytes echo =
        Cat(prefix,
            IcmpMessage(v6, Target(v6), v6 ? packet::kIcmpV6EchoReply : packet::kIcmpEchoReply, 0,
                        Bytes(probe::kProbePayloadSize, 0x55), Ext::kNone, {}, kWireId, seq));
    Write(t, fam + "echo_reply", echo);
    ExpectMatch(fam + "echo_reply", echo, SeedFlow(PacketType::kIcmp, v6), false);
    if (!v6) ExpectMatch(fam + "echo_reply", echo, SeedFlow(PacketType::kGre, v6), false);
    Write(t, fam + "echo_request_ignored",
          Cat(prefix, IcmpMessage(v6, Target(v6),
                                  v6 ? packet::kIcmpV6EchoRequest : packet::kIcmpEchoRequest, 0, {},
                                  Ext::kNone, {}, kWireId, seq)));
    Bytes udp_probe = Probe(SeedFlow(PacketType::kUdp, v6), 0, 1);
    Bytes udp_quote = Quote(SeedFlow(PacketType::kUdp, v6), udp_probe, 0);
    if (v6) {
      Write(t, fam + "udp_packet_too_big",
            Cat(prefix, IcmpMessage(v6, Router(v6), packet::kIcmpV6PacketTooBig, 0, udp_quote,
                                    Ext::kNone, {}, 0, 1280)));
      Write(
          t, fam + "udp_parameter_problem",
          Cat(prefix, IcmpMessage(v6, Router(v6), packet::kIcmpV6ParameterProblem, 0, udp_quote)));
    } else {
      Write(t, fam + "udp_parameter_problem",
            Cat(prefix, IcmpMessage(v6, Router(v6), packet::kIcmpParameterProblem, 0, udp_quote)));
      // The reply's own IP header with options (one NOP word).
      Bytes reply = IcmpMessage(false, Router(false), time_exceeded, 0, udp_quote);
      Bytes with_options(reply.begin(), reply.begin() + packet::kIpv4HeaderSize);
      with_options[0] = 0x46;
      with_options.insert(with_options.end(), {1, 1, 1, 0});
      with_options.insert(with_options.end(), reply.begin() + packet::kIpv4HeaderSize, reply.end());
      Write(t, fam + "udp_reply_with_ip_options", Cat(prefix, with_options));
    }
  }
}

// A SYN-ACK or RST-ACK from the target to probe `index` of the TCP seed flow.
Bytes TcpAnswer(bool v6, uint8_t flags, int index, size_t header_size) {
  Bytes tcp(header_size, 0);
  packet::TcpHeader h;
  h.src_port = kTcpPort;
  h.dst_port = kWireId;
  h.seq = 0x10203040;
  h.ack = kTcpSeqBase + static_cast<uint32_t>(index) + 1;
  h.header_size = header_size;
  h.flags = flags;
  h.window = 65535;
  packet::WriteTcp(h, tcp);
  if (header_size >= 24) {
    tcp[20] = 2;  // MSS
    tcp[21] = 4;
    packet::Write16(&tcp[22], 1400);
  }
  uint32_t sum = packet::PseudoHeaderSum(Target(v6), Colo(v6), packet::kProtoTcp,
                                         static_cast<uint32_t>(tcp.size()));
  packet::Write16(&tcp[16], packet::ChecksumFinish(packet::ChecksumAdd(sum, tcp)));
  if (v6) return tcp;
  Bytes ip(packet::kIpv4HeaderSize);
  packet::Ipv4Header outer;
  outer.total_length = static_cast<uint16_t>(ip.size() + tcp.size());
  outer.ttl = 60;
  outer.protocol = packet::kProtoTcp;
  outer.src = Target(false);
  outer.dst = Colo(false);
  packet::WriteIpv4(outer, ip);
  return Cat(ip, tcp);
}

void TcpCorpus() {
  const std::string t = "probe_codec_tcp";
  constexpr uint8_t kSynAck = packet::kTcpSyn | packet::kTcpAck;
  constexpr uint8_t kRstAck = packet::kTcpRst | packet::kTcpAck;
  for (bool v6 : {false, true}) {
    std::string fam = v6 ? "v6_" : "v4_";
    Bytes prefix = {static_cast<uint8_t>(v6 ? 1 : 0)};
    Bytes syn_ack = Cat(prefix, TcpAnswer(v6, kSynAck, kDerivedIndex, 20));
    Write(t, fam + "syn_ack", syn_ack);
    ExpectMatch(fam + "syn_ack", syn_ack, SeedFlow(PacketType::kTcp, v6), true);
    Write(t, fam + "syn_ack_mss", Cat(prefix, TcpAnswer(v6, kSynAck, 0, 24)));
    Write(t, fam + "rst_ack", Cat(prefix, TcpAnswer(v6, kRstAck, 5, 20)));
    Write(t, fam + "fin_ack_ignored",
          Cat(prefix, TcpAnswer(v6, packet::kTcpFin | packet::kTcpAck, 1, 20)));
    Bytes truncated = TcpAnswer(v6, kSynAck, 2, 20);
    truncated.resize(truncated.size() - 8);
    Write(t, fam + "truncated", Cat(prefix, truncated));
  }
}

void GreCorpus() {
  const std::string t = "probe_codec_gre";
  probe::Flow flow = SeedFlow(PacketType::kGre, false);
  Bytes probe = Probe(flow, kDerivedIndex, 2);
  Bytes gre(probe.begin() + packet::kIpv4HeaderSize, probe.end());  // GRE header onwards
  Write(t, "time_exceeded", Cat({0}, gre));
  Write(t, "unreachable", Cat({1}, gre));
  Write(t, "time_exceeded_rfc4884", Cat({2}, gre));
  // Routers that quote only what RFC 792 asks: 8 bytes of the inner echo reply.
  Write(t, "time_exceeded_short_quote",
        Cat({0}, Bytes(gre.begin(), gre.begin() + packet::kGreHeaderSize + packet::kIpv4HeaderSize +
                                        packet::kIcmpHeaderSize)));
  Write(t, "quote_too_short", Cat({0}, Bytes(gre.begin(), gre.begin() + 8)));
  // Optional fields: checksum (C), key (K), sequence number (S), and all three.
  auto with = [&](uint8_t flags, size_t extra) {
    Bytes b(gre.begin(), gre.begin() + packet::kGreHeaderSize);
    b[0] = flags;
    for (size_t i = 0; i < extra; ++i) b.push_back(static_cast<uint8_t>(0x11 * (i + 1)));
    b.insert(b.end(), gre.begin() + packet::kGreHeaderSize, gre.end());
    return b;
  };
  Write(t, "gre_checksum", Cat({0}, with(0x80, 4)));
  Write(t, "gre_key", Cat({0}, with(0x20, 4)));
  Write(t, "gre_sequence", Cat({1}, with(0x10, 4)));
  Write(t, "gre_all_options", Cat({2}, with(0xb0, 12)));
  Bytes ipv6_inner = gre;
  packet::Write16(&ipv6_inner[2], 0x86dd);
  Write(t, "gre_ipv6_payload_ignored", Cat({0}, ipv6_inner));
}

void RequestCorpus() {
  const std::string t = "request_parser";
  const std::pair<const char*, const char*> bodies[] = {
      {"minimal", R"({"targets":["203.0.113.99"]})"},
      {"full",
       R"({"targets":["203.0.113.99","2001:db8::99","example.com"],"colos":["den01","ams"],)"
       R"("options":{"max_ttl":20,"packet_type":"udp","packets_per_ttl":2,"port":33434,)"
       R"("wait_time":2}})"},
      {"tcp", R"({"targets":["one.example.net."],"options":{"packet_type":"tcp","port":443}})"},
      {"gre", R"({"targets":["203.0.113.1"],"options":{"packet_type":"gre"}})"},
      {"gre_icmp", R"({"targets":["203.0.113.1"],"options":{"packet_type":"gre+icmp"}})"},
      {"zeros_mean_defaults",
       R"({"targets":["192.0.2.1"],"options":{"max_ttl":0,"packets_per_ttl":0,"port":0}})"},
      {"integral_numbers",
       R"({"targets":["192.0.2.1"],"options":{"max_ttl":15.0,"wait_time":1.5e0,"port":-0.0}})"},
      {"ten_targets",
       R"({"targets":["a.example","b.example","c.example","d.example","e.example","f.example",)"
       R"("g.example","h.example","i.example","j.example"]})"},
      {"eleven_targets", R"({"targets":["1.1.1.1","1.1.1.2","1.1.1.3","1.1.1.4","1.1.1.5",)"
                         R"("1.1.1.6","1.1.1.7","1.1.1.8","1.1.1.9","1.1.1.10","1.1.1.11"]})"},
      {"every_error", R"({"targets":[1,"-bad-","1.2.3",null,"::ffff:1.2.3.4%eth0"],"colos":"den",)"
                      R"("options":{"max_ttl":65,"packets_per_ttl":11,"wait_time":0,"port":65536,)"
                      R"("packet_type":"ICMP"}})"},
      {"bad_colos",
       R"({"targets":["192.0.2.1"],"colos":["",7,"a-very-long-colo-name-of-33-chars"]})"},
      {"options_not_object", R"({"targets":["192.0.2.1"],"options":[]})"},
      {"duplicates", R"({"targets":[],"targets":["192.0.2.1"],"colos":[],"colos":["den01"]})"},
      {"unknown_members", R"({"targets":["192.0.2.1"],"extra":{"nested":[1,2,{"x":null}]}})"},
      {"empty", ""},
      {"blank", " \t\r\n"},
      {"not_object", R"(["203.0.113.99"])"},
      {"trailing_comma", R"({"targets":["203.0.113.99"],})"},
      {"comment", "{/* c */\"targets\":[\"203.0.113.99\"]}"},
      {"invalid_utf8", "{\"targets\":[\"\xc3\x28\"]}"},
      {"deep",
       "{\"targets\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"},
      {"escapes", R"({"targets":["\u0031\u0039\u0032.0.2.1","exa\u006dple.com"]})"},
      {"ipv6_forms", R"({"targets":["::","::1","2001:db8:0:0:1:0:0:1","::ffff:192.0.2.1",)"
                     R"("2001:DB8::A","1:2:3:4:5:6:7:8"]})"},
      {"ip_version_mismatch", R"({"targets":["203.0.113.99","2001:db8::99","example.com"],)"
                              R"("options":{"ip_version":"ipv6"}})"},
      {"ip_version_ipv4", R"({"targets":["example.com"],"options":{"ip_version":"ipv4"}})"},
      {"ip_version_invalid", R"({"targets":["example.com"],"options":{"ip_version":"IPv4"}})"},
      {"huge_numbers", R"({"targets":["192.0.2.1"],"options":{"max_ttl":1e400,)"
                       R"("port":18446744073709551616,"wait_time":-9223372036854775809}})"},
  };
  for (const auto& [name, body] : bodies) WriteText(t, name, body);
  WriteText(t, "long_host_name",
            "{\"targets\":[\"" + std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                std::string(63, 'c') + "." + std::string(61, 'd') + "\"]}");
}

void HandlerCorpus() {
  const std::string t = "handler";
  const std::string post = "POST /client/v4/accounts/acc1/diagnostics/traceroute HTTP/1.1\r\n";
  const std::string auth = "Authorization: Bearer tok-a\r\n";
  auto request = [&](const std::string& body, const std::string& headers = "") {
    return post + "Host: api.example\r\n" + auth + headers +
           "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
  };
  const std::string body = R"({"targets":["203.0.113.99","2001:db8::99"],"colos":["den"]})";
  WriteText(t, "raw_traceroute", "R" + request(body));
  WriteText(t, "raw_every_colo_udp",
            "R" + request(R"({"targets":["refused.example","192.0.2.1"],)"
                          R"("options":{"packet_type":"udp","max_ttl":2}})"));
  WriteText(t, "raw_unknown_colo", "R" + request(R"({"targets":["192.0.2.1"],"colos":["xyz"]})"));
  WriteText(t, "raw_unavailable_colo",
            "R" + request(R"({"targets":["192.0.2.1"],"colos":["off01"]})"));
  WriteText(t, "raw_colo_without_runner",
            "R" + request(R"({"targets":["192.0.2.1"],"colos":["den01","gone1"]})"));
  // 10 targets x 4 colos x 64 x 10 probes: over max_probes_per_request (20000).
  std::string ten;
  for (int i = 1; i <= 10; ++i)
    ten += (i > 1 ? ",\"192.0.2." : "\"192.0.2.") + std::to_string(i) + "\"";
  WriteText(t, "raw_too_many_probes",
            "R" + request(R"({"targets":[)" + ten +
                          R"(],"options":{"max_ttl":64,"packets_per_ttl":10}})"));
  // 3 x 4 x 64 x 10 probes: under the ceiling, over the rate limiter's whole budget (5000).
  WriteText(t, "raw_exceeds_rate_budget",
            "R" + request(R"({"targets":["192.0.2.1","192.0.2.2","192.0.2.3"],)"
                          R"("options":{"max_ttl":64,"packets_per_ttl":10}})"));
  WriteText(t, "raw_two_colos_max_ttl",
            "R" + request(R"({"targets":["192.0.2.1","192.0.2.2"],"colos":["den01","ams01"],)"
                          R"("options":{"max_ttl":64,"packets_per_ttl":10}})"));
  WriteText(t, "raw_ip_version",
            "R" + request(R"({"targets":["2001:db8::99","example.com"],)"
                          R"("options":{"ip_version":"ipv6","packet_type":"tcp"}})"));
  WriteText(t, "raw_validation_errors",
            "R" + request(R"({"targets":[],"options":{"max_ttl":65}})"));
  WriteText(t, "raw_pipelined_rate_limited",
            "R" + request(body) + request(body) + request(body) + request(body));
  WriteText(t, "raw_email_and_key",
            "RPOST /client/v4/accounts/acc2/diagnostics/traceroute HTTP/1.1\r\n"
            "X-Auth-Email: User@Example.com\r\nX-Auth-Key: key-b\r\nContent-Length: 28\r\n\r\n"
            R"({"targets":["203.0.113.99"]})");
  WriteText(t, "raw_malformed_auth",
            "RPOST /client/v4/accounts/acc1/diagnostics/traceroute HTTP/1.1\r\n"
            "Authorization: Basic abc\r\nX-Auth-Email: nobody\r\nContent-Length: 2\r\n\r\n{}");
  WriteText(t, "raw_wrong_account",
            "R" + std::string("POST /client/v4/accounts/acc9/diagnostics/traceroute HTTP/1.1\r\n") +
                auth + "Content-Length: 2\r\n\r\n{}");
  WriteText(t, "raw_chunked",
            "R" + post + auth +
                "Transfer-Encoding: "
                "chunked\r\n\r\n10\r\n{\"targets\":[\"203\r\nc\r\n.0.113.99\"]}\r\n0\r\n\r\n");
  WriteText(
      t, "raw_colos_list",
      "RGET /client/v4/accounts/acc1/diagnostics/traceroute/colos HTTP/1.1\r\n" + auth + "\r\n");
  WriteText(t, "raw_health_metrics_close",
            "RGET /healthz HTTP/1.1\r\nHost: x\r\n\r\nHEAD /metrics HTTP/1.1\r\n\r\n"
            "GET /metrics?x=1 HTTP/1.1\r\nConnection: close\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n");
  WriteText(t, "raw_wrong_method_and_route",
            "RDELETE /client/v4/accounts/acc1/diagnostics/traceroute HTTP/1.1\r\n\r\n"
            "POST /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\nGET /nowhere/ HTTP/1.1\r\n\r\n");
  WriteText(t, "raw_http10", "RGET /healthz HTTP/1.0\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n");
  WriteText(t, "raw_malformed", "RGET /healthz HTTP/9.9\r\nBad Header\r\n\r\n");
  WriteText(t, "raw_body_too_large", "R" + post + "Content-Length: 70000\r\n\r\n{}");
  WriteText(t, "raw_partial_body", "R" + post + auth + "Content-Length: 100\r\n\r\n{\"tar");
  WriteText(t, "split_traceroute",
            "SPOST\n/client/v4/accounts/acc1/diagnostics/traceroute\n"
            "Authorization: Bearer tok-a\n\n" +
                body);
  WriteText(t, "split_odd_method",
            "S\xff M\n/client/v4/accounts/acc1/diagnostics/traceroute?q=1\n"
            "authorization: bearer tok-a\n\n{}");
  WriteText(t, "split_no_slash", "SGET\nhealthz\n\n");
  WriteText(t, "split_colos",
            "SGET\n/client/v4/accounts/acc1/diagnostics/traceroute/colos/\n"
            "Authorization:  Bearer tok-a \n\n");
}

void WireCorpus() {
  const std::string t = "wire";
  dispatch::Announcement a{"den01", "Denver, CO, US", "den01/host/1234/9f3c0a1b", "0.1.0", 256,
                           true};
  WriteText(t, "announcement", dispatch::EncodeAnnouncement(a));
  a.available = false;
  a.city = "Z\xc3\xbcrich \"quoted\"\n";
  WriteText(t, "announcement_unavailable", dispatch::EncodeAnnouncement(a));
  for (PacketType type : {PacketType::kIcmp, PacketType::kTcp, PacketType::kUdp, PacketType::kGre,
                          PacketType::kGreIcmp}) {
    dispatch::Job job;
    job.target = type == PacketType::kIcmp ? "203.0.113.99" : "example.com";
    job.options.packet_type = type;
    job.options.max_ttl = 30;
    job.options.port = type == PacketType::kTcp ? 443 : 0;
    WriteText(t, "job_" + Name(type), dispatch::EncodeJob(job));
  }
  model::ColoResult r;
  r.colo = {"den01", "Denver, CO, US"};
  for (int ttl = 1; ttl <= 3; ++ttl) {
    model::Hop hop;
    hop.packets_ttl = ttl;
    hop.packets_sent = 3;
    hop.packets_lost = ttl == 2 ? 3 : 0;
    if (ttl != 2) {
      model::Node node;
      node.ip = ttl == 3 ? "203.0.113.99" : "198.51.100.1";
      node.name = ttl == 3 ? "target.example" : node.ip;
      node.asn = "AS64500";
      node.labels = {"MPLS L=24001 TC=0 S=1 TTL=1", "!H"};
      node.rtt = {3, 1.234, 2.5, 4.001, 1.1};
      hop.nodes.push_back(node);
    }
    r.hops.push_back(hop);
  }
  r.target_summary = {"AS64500", "203.0.113.99", "target.example", {3, 3.5, 4.25, 5.0, 0.6}};
  r.traceroute_time_ms = 1234;
  WriteText(t, "reply", dispatch::EncodeReply(r));
  model::ColoResult failed;
  failed.colo = {"ams01", "Amsterdam, NL"};
  failed.error = model::ColoError::kTimeout;
  WriteText(t, "reply_error", dispatch::EncodeReply(failed));
  WriteText(t, "other_version", R"({"v":2,"colo":"den01","agent":"x"})");
  WriteText(t, "no_version", R"({"target":"203.0.113.99","options":{}})");
  WriteText(t, "not_json", "colotrace.v1.announce");
  WriteText(t, "numbers",
            R"({"v":1,"result":{"traceroute_time_ms":1e300,"hops":[{"nodes":)"
            R"([{"min_rtt_ms":1e308,"packet_count":9999999999}]}]}})");
}

// DNS messages for the tests, written field by field.
class Dns {
 public:
  Dns(uint16_t flags, uint16_t qd, uint16_t an) {
    U16(0x4242);
    U16(flags);
    U16(qd);
    U16(an);
    U16(0);
    U16(0);
  }
  size_t Name(const std::string& dotted) {
    size_t at = bytes.size();
    size_t start = 0;
    while (start < dotted.size()) {
      size_t dot = dotted.find('.', start);
      if (dot == std::string::npos) dot = dotted.size();
      bytes.push_back(static_cast<uint8_t>(dot - start));
      bytes.insert(bytes.end(), dotted.begin() + static_cast<std::ptrdiff_t>(start),
                   dotted.begin() + static_cast<std::ptrdiff_t>(dot));
      start = dot + 1;
    }
    bytes.push_back(0);
    return at;
  }
  void Pointer(size_t at) {
    bytes.push_back(static_cast<uint8_t>(0xc0 | at >> 8));
    bytes.push_back(static_cast<uint8_t>(at & 0xff));
  }
  void U16(uint16_t v) {
    bytes.push_back(static_cast<uint8_t>(v >> 8));
    bytes.push_back(static_cast<uint8_t>(v));
  }
  void U32(uint32_t v) {
    U16(static_cast<uint16_t>(v >> 16));
    U16(static_cast<uint16_t>(v));
  }
  // A record's fixed part after its owner name; the caller appends `rdlength` bytes of data.
  void Record(uint16_t type, uint32_t ttl, uint16_t rdlength) {
    U16(type);
    U16(1);
    U32(ttl);
    U16(rdlength);
  }
  Bytes bytes;
};

void DnsCorpus() {
  const std::string t = "dns_message";
  const std::string reverse = "99.113.0.203.in-addr.arpa";
  {
    Dns m(0x8180, 1, 1);
    size_t q = m.Name(reverse);
    m.U16(12);
    m.U16(1);
    m.Pointer(q);
    m.Record(12, 3600, 16);
    m.Name("target.example");
    Write(t, "ptr", m.bytes);
  }
  {
    // A CNAME (RFC 2317 classless delegation) to the PTR, compressed.
    Dns m(0x8180, 1, 2);
    size_t q = m.Name(reverse);
    m.U16(12);
    m.U16(1);
    m.Pointer(q);
    m.Record(5, 600, 11);
    size_t cname = m.bytes.size();
    m.bytes.insert(m.bytes.end(), {2, '9', '9', 5, '0', '-', '1', '2', '7'});
    m.Pointer(q + 3);  // "113.0.203.in-addr.arpa" within the question
    m.Pointer(cname);
    m.Record(12, 300, 16);
    m.Name("target.example");
    Write(t, "cname_to_ptr", m.bytes);
  }
  {
    Dns m(0x8180, 1, 1);
    size_t q = m.Name("99.113.0.203.origin.asn.cymru.com");
    m.U16(16);
    m.U16(1);
    m.Pointer(q);
    std::string txt = "64500 | 203.0.113.0/24 | US | arin | 2010-01-01";
    m.Record(16, 86400, static_cast<uint16_t>(txt.size() + 1));
    m.bytes.push_back(static_cast<uint8_t>(txt.size()));
    m.bytes.insert(m.bytes.end(), txt.begin(), txt.end());
    Write(t, "cymru_txt", m.bytes);
  }
  {
    Dns m(0x8180, 1, 1);
    size_t q = m.Name("99.113.0.203.origin.asn.cymru.com");
    m.U16(16);
    m.U16(1);
    m.Pointer(q);
    m.Record(16, 0x80000000u, 12);
    m.bytes.insert(m.bytes.end(), {5, '6', '4', '5', '0', '0', 5, ' ', '6', '4', '5', '1'});
    Write(t, "txt_two_strings_negative_ttl", m.bytes);
  }
  {
    Dns m(0x8183, 1, 0);
    m.Name(reverse);
    m.U16(12);
    m.U16(1);
    Write(t, "nxdomain", m.bytes);
  }
  {
    Dns m(0x8180, 1, 2);
    size_t q = m.Name("target.example");
    m.U16(1);
    m.U16(1);
    m.Pointer(q);
    m.Record(1, 60, 4);
    m.bytes.insert(m.bytes.end(), {203, 0, 113, 99});
    m.Pointer(q);
    m.Record(28, 60, 16);
    m.bytes.insert(m.bytes.end(), {0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99});
    Write(t, "a_and_aaaa", m.bytes);
  }
  {
    Dns m(0x8180, 1, 1);
    size_t q = m.Name(reverse);
    m.U16(12);
    m.U16(1);
    size_t loop = m.bytes.size();
    m.Pointer(loop);  // points at itself
    m.Record(12, 1, 2);
    m.Pointer(q);
    Write(t, "compression_loop", m.bytes);
  }
  {
    Dns m(0x0100, 1, 0);  // a query, not a response
    m.Name(reverse);
    m.U16(12);
    m.U16(1);
    Write(t, "query_refused", m.bytes);
  }
  {
    Dns m(0x8180, 1, 1);
    size_t q = m.Name(reverse);
    m.U16(12);
    m.U16(1);
    m.Pointer(q);
    m.Record(12, 3600, 200);  // rdlength past the end
    m.Name("x.example");
    Write(t, "truncated_record", m.bytes);
  }
}

}  // namespace
}  // namespace colotrace::fuzz

int main(int argc, char** argv) {
  using namespace colotrace::fuzz;
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_corpus CORPUS_DIR (fuzz/corpus)\n";
    return 2;
  }
  g_root = argv[1];
  IcmpCorpus();
  TcpCorpus();
  GreCorpus();
  RequestCorpus();
  HandlerCorpus();
  WireCorpus();
  DnsCorpus();
  std::cout << "wrote " << g_files << " files under " << g_root.string() << "\n";
  return g_broken ? 1 : 0;
}
