#include "probe/packet/headers.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "probe/packet/checksum.h"

namespace colotrace::packet {
namespace {

IpAddress Addr(const char* text) {
  auto a = IpAddress::Parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

TEST(ByteOrderTest, ReadAndWriteBigEndian) {
  uint8_t b[4] = {};
  Write16(b, 0x1234);
  EXPECT_EQ(b[0], 0x12);
  EXPECT_EQ(b[1], 0x34);
  EXPECT_EQ(Read16(b), 0x1234);
  Write32(b, 0xDEADBEEF);
  EXPECT_EQ(b[0], 0xDE);
  EXPECT_EQ(b[1], 0xAD);
  EXPECT_EQ(b[2], 0xBE);
  EXPECT_EQ(b[3], 0xEF);
  EXPECT_EQ(Read32(b), 0xDEADBEEFu);
  const uint8_t high[4] = {0xFF, 0xFE, 0x80, 0x01};
  EXPECT_EQ(Read16(high), 0xFFFE);
  EXPECT_EQ(Read32(high), 0xFFFE8001u);
}

TEST(Ipv4Test, WritesTheKnownHeader) {
  // A well-known sample header: 45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7.
  Ipv4Header h;
  h.total_length = 0x73;
  h.id = 0;
  h.flags_fragment = 0x4000;
  h.ttl = 64;
  h.protocol = kProtoUdp;
  h.src = Addr("192.168.0.1");
  h.dst = Addr("192.168.0.199");
  std::array<uint8_t, 20> out{};
  WriteIpv4(h, out);
  const std::array<uint8_t, 20> expected = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                                            0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
                                            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(out, expected);
}

TEST(Ipv4Test, RoundTripWithValidChecksum) {
  Ipv4Header h;
  h.tos = 0xB8;
  h.total_length = 1500;
  h.id = 0xBEEF;
  h.flags_fragment = 0x2001;
  h.ttl = 1;
  h.protocol = kProtoIcmp;
  h.src = Addr("203.0.113.254");
  h.dst = Addr("255.255.255.255");
  std::array<uint8_t, 20> out{};
  WriteIpv4(h, out);
  EXPECT_EQ(out[0], 0x45);
  EXPECT_EQ(ChecksumFinish(ChecksumAdd(0, out)), 0) << "header checksum does not verify";
  EXPECT_NE(Read16(&out[10]), 0);

  auto p = ParseIpv4(out);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->header_size, 20u);
  EXPECT_EQ(p->tos, 0xB8);
  EXPECT_EQ(p->total_length, 1500);
  EXPECT_EQ(p->id, 0xBEEF);
  EXPECT_EQ(p->flags_fragment, 0x2001);
  EXPECT_EQ(p->ttl, 1);
  EXPECT_EQ(p->protocol, kProtoIcmp);
  EXPECT_EQ(p->src, h.src);
  EXPECT_EQ(p->dst, h.dst);
  EXPECT_TRUE(p->src.is_v4());
}

TEST(Ipv4Test, ChecksumValidForManyHeaders) {
  for (int i = 0; i < 2000; ++i) {
    Ipv4Header h;
    h.total_length = static_cast<uint16_t>(20 + i);
    h.id = static_cast<uint16_t>(i * 7919);
    h.ttl = static_cast<uint8_t>(i);
    h.protocol = static_cast<uint8_t>(i * 31);
    const uint8_t s[4] = {10, static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8), 1};
    h.src = IpAddress::V4(s);
    h.dst = Addr("198.51.100.1");
    std::array<uint8_t, 20> out{};
    out[10] = 0xAA;  // stale data in the checksum slot must not matter
    out[11] = 0x55;
    WriteIpv4(h, out);
    ASSERT_EQ(ChecksumFinish(ChecksumAdd(0, out)), 0) << i;
  }
}

TEST(Ipv4Test, ParseWithOptionsAndTrailingData) {
  std::vector<uint8_t> b(40, 0);
  Ipv4Header h;
  h.ttl = 9;
  h.protocol = kProtoTcp;
  h.src = Addr("192.0.2.1");
  h.dst = Addr("192.0.2.2");
  WriteIpv4(h, b);
  b[0] = 0x46;  // IHL 6: 4 bytes of options
  auto p = ParseIpv4(b);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->header_size, 24u);
  EXPECT_EQ(p->ttl, 9);
  EXPECT_EQ(p->dst, h.dst);

  std::vector<uint8_t> max(60, 0);
  max[0] = 0x4F;  // IHL 15: the largest header
  p = ParseIpv4(max);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->header_size, 60u);
}

TEST(Ipv4Test, RejectsMalformed) {
  std::vector<uint8_t> good(20, 0);
  Ipv4Header h;
  WriteIpv4(h, good);
  ASSERT_TRUE(ParseIpv4(good).has_value());

  EXPECT_FALSE(ParseIpv4({}).has_value());
  EXPECT_FALSE(ParseIpv4(std::span<const uint8_t>(good).first(19)).has_value());  // truncated
  EXPECT_FALSE(ParseIpv4(std::span<const uint8_t>(good).first(1)).has_value());

  for (int first : {0x65, 0x05, 0x55, 0xF5}) {  // versions 6, 0, 5, 15
    std::vector<uint8_t> b = good;
    b[0] = static_cast<uint8_t>(first);
    EXPECT_FALSE(ParseIpv4(b).has_value()) << first;
  }
  for (int first : {0x40, 0x41, 0x44}) {  // IHL 0, 1, 4
    std::vector<uint8_t> b = good;
    b[0] = static_cast<uint8_t>(first);
    EXPECT_FALSE(ParseIpv4(b).has_value()) << first;
  }
  std::vector<uint8_t> b = good;
  b[0] = 0x46;  // IHL 6 needs 24 bytes
  EXPECT_FALSE(ParseIpv4(b).has_value());
  b.resize(23);
  EXPECT_FALSE(ParseIpv4(b).has_value());
  b.resize(24);
  EXPECT_TRUE(ParseIpv4(b).has_value());
  b[0] = 0x4F;  // IHL 15 needs 60
  b.resize(59);
  EXPECT_FALSE(ParseIpv4(b).has_value());
}

TEST(Ipv6Test, RoundTrip) {
  Ipv6Header h;
  h.traffic_class = 0xAB;
  h.flow_label = 0xFEDCB;
  h.payload_length = 0x1234;
  h.next_header = kProtoIcmpV6;
  h.hop_limit = 255;
  h.src = Addr("2001:db8::1");
  h.dst = Addr("2001:db8:ffff:1::abcd");
  std::array<uint8_t, 40> out{};
  WriteIpv6(h, out);
  // Version 6, traffic class split over two bytes, 20-bit flow label.
  EXPECT_EQ(out[0], 0x6A);
  EXPECT_EQ(out[1], 0xBF);
  EXPECT_EQ(out[2], 0xED);
  EXPECT_EQ(out[3], 0xCB);
  EXPECT_EQ(out[4], 0x12);
  EXPECT_EQ(out[5], 0x34);
  EXPECT_EQ(out[6], kProtoIcmpV6);
  EXPECT_EQ(out[7], 255);
  EXPECT_EQ(out[8], 0x20);
  EXPECT_EQ(out[39], 0xcd);

  auto p = ParseIpv6(out);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->traffic_class, 0xAB);
  EXPECT_EQ(p->flow_label, 0xFEDCBu);
  EXPECT_EQ(p->payload_length, 0x1234);
  EXPECT_EQ(p->next_header, kProtoIcmpV6);
  EXPECT_EQ(p->hop_limit, 255);
  EXPECT_EQ(p->src, h.src);
  EXPECT_EQ(p->dst, h.dst);
  EXPECT_FALSE(p->src.is_v4());
}

TEST(Ipv6Test, FlowLabelIsTwentyBits) {
  Ipv6Header h;
  h.flow_label = 0xFFF12345;  // only the low 20 bits fit
  h.traffic_class = 0;
  std::array<uint8_t, 40> out{};
  WriteIpv6(h, out);
  EXPECT_EQ(out[0], 0x60);  // the version is not overwritten
  auto p = ParseIpv6(out);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->flow_label, 0x12345u);
  EXPECT_EQ(p->traffic_class, 0);
}

TEST(Ipv6Test, RejectsMalformed) {
  std::array<uint8_t, 40> good{};
  WriteIpv6(Ipv6Header{}, good);
  ASSERT_TRUE(ParseIpv6(good).has_value());
  EXPECT_FALSE(ParseIpv6(std::span<const uint8_t>(good).first(39)).has_value());
  EXPECT_FALSE(ParseIpv6({}).has_value());
  std::array<uint8_t, 40> v4 = good;
  v4[0] = 0x45;
  EXPECT_FALSE(ParseIpv6(v4).has_value());
  std::array<uint8_t, 40> zero{};
  EXPECT_FALSE(ParseIpv6(zero).has_value());
}

TEST(UdpTest, RoundTrip) {
  UdpHeader h{54321, 33434, 40, 0xABCD};
  std::array<uint8_t, 8> out{};
  WriteUdp(h, out);
  const std::array<uint8_t, 8> expected = {0xD4, 0x31, 0x82, 0x9A, 0x00, 0x28, 0xAB, 0xCD};
  EXPECT_EQ(out, expected);
  auto p = ParseUdp(out);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->src_port, 54321);
  EXPECT_EQ(p->dst_port, 33434);
  EXPECT_EQ(p->length, 40);
  EXPECT_EQ(p->checksum, 0xABCD);
}

TEST(UdpTest, RejectsTruncated) {
  std::array<uint8_t, 8> b{};
  EXPECT_TRUE(ParseUdp(b).has_value());
  EXPECT_FALSE(ParseUdp(std::span<const uint8_t>(b).first(7)).has_value());
  EXPECT_FALSE(ParseUdp({}).has_value());
}

TEST(TcpTest, CompleteRoundTrip) {
  TcpHeader h;
  h.src_port = 40000;
  h.dst_port = 443;
  h.seq = 0x89ABCDEF;
  h.ack = 0x01234567;
  h.header_size = 24;
  h.flags = kTcpSyn | kTcpAck;
  h.window = 64240;
  h.checksum = 0x1357;
  std::array<uint8_t, 20> out{};
  out.fill(0xEE);
  WriteTcp(h, out);
  EXPECT_EQ(out[12], 0x60);  // data offset 6 words, reserved bits zero
  EXPECT_EQ(out[13], 0x12);
  EXPECT_EQ(out[18], 0);  // urgent pointer
  EXPECT_EQ(out[19], 0);
  bool complete = false;
  auto p = ParseTcp(out, &complete);
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(complete);
  EXPECT_EQ(p->src_port, 40000);
  EXPECT_EQ(p->dst_port, 443);
  EXPECT_EQ(p->seq, 0x89ABCDEFu);
  EXPECT_EQ(p->ack, 0x01234567u);
  EXPECT_EQ(p->header_size, 24u);
  EXPECT_EQ(p->flags, kTcpSyn | kTcpAck);
  EXPECT_EQ(p->window, 64240);
  EXPECT_EQ(p->checksum, 0x1357);
  // The out-parameter is optional.
  EXPECT_TRUE(ParseTcp(out).has_value());
}

TEST(TcpTest, EightBytePartial) {
  TcpHeader h;
  h.src_port = 1;
  h.dst_port = 2;
  h.seq = 0xFFFFFFFF;
  h.ack = 77;
  h.flags = kTcpRst;
  std::array<uint8_t, 20> out{};
  WriteTcp(h, out);
  for (size_t n : {8u, 12u, 19u}) {
    bool complete = true;
    auto p = ParseTcp(std::span<const uint8_t>(out).first(n), &complete);
    ASSERT_TRUE(p.has_value()) << n;
    EXPECT_FALSE(complete) << n;
    EXPECT_EQ(p->src_port, 1);
    EXPECT_EQ(p->dst_port, 2);
    EXPECT_EQ(p->seq, 0xFFFFFFFFu);
    EXPECT_EQ(p->ack, 0u) << n;  // not read from a partial header
    EXPECT_EQ(p->flags, 0) << n;
    EXPECT_EQ(p->window, 0);
    EXPECT_EQ(p->checksum, 0);
  }
}

TEST(TcpTest, RejectsTruncated) {
  std::array<uint8_t, 20> b{};
  bool complete = true;
  EXPECT_FALSE(ParseTcp(std::span<const uint8_t>(b).first(7), &complete).has_value());
  EXPECT_FALSE(complete);
  EXPECT_FALSE(ParseTcp({}).has_value());
}

TEST(IcmpHeaderTest, RoundTrip) {
  IcmpHeader h{kIcmpTimeExceeded, 1, 0xF00D, 0x1234, 0xFFFF};
  std::array<uint8_t, 8> out{};
  WriteIcmpHeader(h, out);
  const std::array<uint8_t, 8> expected = {11, 1, 0xF0, 0x0D, 0x12, 0x34, 0xFF, 0xFF};
  EXPECT_EQ(out, expected);
  auto p = ParseIcmpHeader(out);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->type, kIcmpTimeExceeded);
  EXPECT_EQ(p->code, 1);
  EXPECT_EQ(p->checksum, 0xF00D);
  EXPECT_EQ(p->id, 0x1234);
  EXPECT_EQ(p->seq, 0xFFFF);
}

TEST(IcmpHeaderTest, RejectsTruncated) {
  std::array<uint8_t, 8> b{};
  EXPECT_TRUE(ParseIcmpHeader(b).has_value());
  EXPECT_FALSE(ParseIcmpHeader(std::span<const uint8_t>(b).first(7)).has_value());
  EXPECT_FALSE(ParseIcmpHeader({}).has_value());
}

}  // namespace
}  // namespace colotrace::packet
