#include "probe/packet/icmp_message.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <vector>

#include "probe/packet/checksum.h"

namespace colotrace::packet {
namespace {

using Bytes = std::vector<uint8_t>;

IpAddress Addr(const char* text) {
  auto a = IpAddress::Parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

// What a router quotes of a UDP probe: the IPv4 header and the first 8 transport bytes.
Bytes QuotedV4Probe() {
  Bytes b(28);
  Ipv4Header ip;
  ip.total_length = 60;
  ip.id = 7;
  ip.ttl = 1;
  ip.protocol = kProtoUdp;
  ip.src = Addr("192.0.2.1");
  ip.dst = Addr("198.51.100.9");
  WriteIpv4(ip, b);
  WriteUdp(UdpHeader{50000, 33434, 40, 7}, std::span<uint8_t>(b).subspan(20));
  return b;
}

Bytes QuotedV6Probe() {
  Bytes b(48);
  Ipv6Header ip;
  ip.payload_length = 40;
  ip.next_header = kProtoUdp;
  ip.hop_limit = 1;
  ip.src = Addr("2001:db8::1");
  ip.dst = Addr("2001:db8:1::9");
  WriteIpv6(ip, b);
  WriteUdp(UdpHeader{50000, 33434, 40, 7}, std::span<uint8_t>(b).subspan(40));
  return b;
}

uint32_t MplsEntry(uint32_t label, uint32_t tc, bool bottom, uint32_t ttl) {
  return label << 12 | tc << 9 | (bottom ? 1u : 0u) << 8 | ttl;
}

// An extension object: 4-byte header and payload.
Bytes Object(uint8_t class_num, uint8_t c_type, const Bytes& payload) {
  Bytes o(4);
  Write16(o.data(), static_cast<uint16_t>(4 + payload.size()));
  o[2] = class_num;
  o[3] = c_type;
  o.insert(o.end(), payload.begin(), payload.end());
  return o;
}

Bytes MplsObject(const std::vector<uint32_t>& entries) {
  Bytes payload(entries.size() * 4);
  for (size_t i = 0; i < entries.size(); ++i) Write32(&payload[i * 4], entries[i]);
  return Object(1, 1, payload);
}

enum class Sum { kValid, kZero, kWrong };

// An RFC 4884 extension structure: version 2 header and the given objects.
Bytes Extension(const std::vector<Bytes>& objects, Sum sum = Sum::kValid, uint8_t version = 2) {
  Bytes e = {static_cast<uint8_t>(version << 4), 0, 0, 0};
  for (const auto& o : objects) e.insert(e.end(), o.begin(), o.end());
  if (sum != Sum::kZero) {
    uint16_t c = ChecksumFinish(ChecksumAdd(0, e));
    if (sum == Sum::kWrong) c = static_cast<uint16_t>(c ^ 0x0101);
    Write16(&e[2], c);
  }
  return e;
}

// An ICMP(v6) error message: header with the RFC 4884 length (in the version's unit, at the
// version's offset), the quote padded to `length_units` when that is non-zero, then `extension`.
Bytes ErrorMessage(bool v6, uint8_t type, uint8_t code, Bytes quote, size_t length_units,
                   const Bytes& extension = {}) {
  if (length_units > 0) {
    size_t size = length_units * (v6 ? 8 : 4);
    if (quote.size() < size) quote.resize(size, 0);
  }
  // Sized once and copied into (GCC 12 at -O3 misreads a vector insert after 8 bytes as an
  // out-of-bounds copy: -Warray-bounds).
  Bytes m(8 + quote.size() + extension.size(), 0);
  m[0] = type;
  m[1] = code;
  if (length_units > 0) m[v6 ? 4 : 5] = static_cast<uint8_t>(length_units);
  std::copy(quote.begin(), quote.end(), m.begin() + 8);
  std::copy(extension.begin(), extension.end(), m.begin() + 8 + static_cast<long>(quote.size()));
  return m;
}

const std::vector<uint32_t> kTwoLabels = {MplsEntry(24001, 0, false, 1),
                                          MplsEntry(1048575, 7, true, 254)};

void ExpectTwoLabels(const IcmpMessage& m) {
  ASSERT_EQ(m.mpls.size(), 2u);
  EXPECT_EQ(m.mpls[0].label, 24001u);
  EXPECT_EQ(m.mpls[0].tc, 0);
  EXPECT_FALSE(m.mpls[0].bottom);
  EXPECT_EQ(m.mpls[0].ttl, 1);
  EXPECT_EQ(m.mpls[1].label, 1048575u);
  EXPECT_EQ(m.mpls[1].tc, 7);
  EXPECT_TRUE(m.mpls[1].bottom);
  EXPECT_EQ(m.mpls[1].ttl, 254);
}

TEST(IcmpMessageTest, TimeExceededQuotingAProbeV4) {
  Bytes quote = QuotedV4Probe();
  Bytes m = ErrorMessage(false, kIcmpTimeExceeded, 0, quote, 0);
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->header.type, kIcmpTimeExceeded);
  EXPECT_EQ(msg->header.code, 0);
  EXPECT_TRUE(msg->is_error);
  EXPECT_FALSE(msg->has_extensions);
  EXPECT_TRUE(msg->mpls.empty());
  ASSERT_EQ(msg->quoted.size(), quote.size());
  EXPECT_EQ(msg->quoted.data(), m.data() + 8);  // points into the input
  EXPECT_TRUE(std::equal(quote.begin(), quote.end(), msg->quoted.begin()));
}

TEST(IcmpMessageTest, TimeExceededQuotingAProbeV6) {
  Bytes quote = QuotedV6Probe();
  Bytes m = ErrorMessage(true, kIcmpV6TimeExceeded, 0, quote, 0);
  auto msg = ParseIcmpMessage(m, true);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(msg->is_error);
  EXPECT_FALSE(msg->has_extensions);
  ASSERT_EQ(msg->quoted.size(), 48u);
  EXPECT_EQ(msg->quoted.data(), m.data() + 8);
}

TEST(IcmpMessageTest, Rfc4884CompliantV4WithMplsStack) {
  Bytes m = ErrorMessage(false, kIcmpTimeExceeded, 0, QuotedV4Probe(), 32,
                         Extension({MplsObject(kTwoLabels)}));
  ASSERT_EQ(m[5], 32);
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(msg->is_error);
  EXPECT_TRUE(msg->has_extensions);
  EXPECT_EQ(msg->quoted.size(), 128u);  // trimmed to the length, extension excluded
  EXPECT_EQ(msg->quoted.data(), m.data() + 8);
  ExpectTwoLabels(*msg);
}

TEST(IcmpMessageTest, Rfc4884CompliantV4ShortQuote) {
  // The length field is authoritative even below 128 bytes: 7 words = the 28-byte quote.
  Bytes m = ErrorMessage(false, kIcmpUnreachable, 3, QuotedV4Probe(), 7,
                         Extension({MplsObject({MplsEntry(16, 0, true, 1)})}));
  m[4] = 0xFF;  // byte 4 is not the v4 length
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(msg->has_extensions);
  EXPECT_EQ(msg->quoted.size(), 28u);
  ASSERT_EQ(msg->mpls.size(), 1u);
  EXPECT_EQ(msg->mpls[0].label, 16u);
}

TEST(IcmpMessageTest, Rfc4884CompliantV6WithMplsStack) {
  Bytes m = ErrorMessage(true, kIcmpV6TimeExceeded, 0, QuotedV6Probe(), 16,
                         Extension({MplsObject(kTwoLabels)}));
  ASSERT_EQ(m[4], 16);
  ASSERT_EQ(m[5], 0);
  auto msg = ParseIcmpMessage(m, true);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(msg->has_extensions);
  EXPECT_EQ(msg->quoted.size(), 128u);
  ExpectTwoLabels(*msg);
}

TEST(IcmpMessageTest, Rfc4884V6LengthIsInUnitsOf64Bits) {
  // 6 x 8 = 48 bytes: exactly the quoted IPv6 header and UDP header.
  Bytes m = ErrorMessage(true, kIcmpV6Unreachable, 4, QuotedV6Probe(), 6,
                         Extension({MplsObject({MplsEntry(299776, 3, true, 63)})}));
  m[5] = 0xFF;  // byte 5 is not the v6 length
  auto msg = ParseIcmpMessage(m, true);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(msg->has_extensions);
  EXPECT_EQ(msg->quoted.size(), 48u);
  ASSERT_EQ(msg->mpls.size(), 1u);
  EXPECT_EQ(msg->mpls[0].label, 299776u);
  EXPECT_EQ(msg->mpls[0].tc, 3);
  EXPECT_TRUE(msg->mpls[0].bottom);
  EXPECT_EQ(msg->mpls[0].ttl, 63);
}

TEST(IcmpMessageTest, LegacyExtensionAt128Bytes) {
  for (bool v6 : {false, true}) {
    Bytes quote = v6 ? QuotedV6Probe() : QuotedV4Probe();
    quote.resize(128, 0);
    Bytes m = ErrorMessage(v6, v6 ? kIcmpV6TimeExceeded : kIcmpTimeExceeded, 0, quote, 0,
                           Extension({MplsObject(kTwoLabels)}));
    ASSERT_EQ(m[4], 0);
    ASSERT_EQ(m[5], 0);
    auto msg = ParseIcmpMessage(m, v6);
    ASSERT_TRUE(msg.has_value()) << v6;
    EXPECT_TRUE(msg->has_extensions) << v6;
    EXPECT_EQ(msg->quoted.size(), 128u) << v6;
    ExpectTwoLabels(*msg);
  }
}

TEST(IcmpMessageTest, LegacyFormWithWrongChecksumIsNotAnExtension) {
  for (bool v6 : {false, true}) {
    Bytes quote = v6 ? QuotedV6Probe() : QuotedV4Probe();
    quote.resize(128, 0);
    Bytes ext = Extension({MplsObject(kTwoLabels)}, Sum::kWrong);
    Bytes m = ErrorMessage(v6, v6 ? kIcmpV6TimeExceeded : kIcmpTimeExceeded, 0, quote, 0, ext);
    auto msg = ParseIcmpMessage(m, v6);
    ASSERT_TRUE(msg.has_value());
    EXPECT_FALSE(msg->has_extensions) << v6;
    EXPECT_TRUE(msg->mpls.empty()) << v6;
    EXPECT_EQ(msg->quoted.size(), 128 + ext.size()) << v6;  // the whole body stays quoted
  }
}

TEST(IcmpMessageTest, LegacyFormNeedsAChecksum) {
  // Without the length field, a zero checksum is not enough to tell an extension from data.
  Bytes quote = QuotedV4Probe();
  quote.resize(128, 0);
  Bytes ext = Extension({MplsObject(kTwoLabels)}, Sum::kZero);
  Bytes m = ErrorMessage(false, kIcmpTimeExceeded, 0, quote, 0, ext);
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_FALSE(msg->has_extensions);
  EXPECT_EQ(msg->quoted.size(), 128 + ext.size());
}

TEST(IcmpMessageTest, LegacyFormNeedsVersion2) {
  Bytes quote = QuotedV4Probe();
  quote.resize(128, 0);
  Bytes ext = Extension({MplsObject(kTwoLabels)}, Sum::kValid, /*version=*/1);
  Bytes m = ErrorMessage(false, kIcmpTimeExceeded, 0, quote, 0, ext);
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_FALSE(msg->has_extensions);
  EXPECT_EQ(msg->quoted.size(), 128 + ext.size());
}

TEST(IcmpMessageTest, LongQuoteWithoutExtensionStaysWhole) {
  Bytes quote = QuotedV4Probe();
  quote.resize(200, 0x5A);
  Bytes m = ErrorMessage(false, kIcmpTimeExceeded, 0, quote, 0);
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_FALSE(msg->has_extensions);
  EXPECT_EQ(msg->quoted.size(), 200u);
  // A body just short of 128 + an extension header is left alone too.
  quote.resize(131);
  m = ErrorMessage(false, kIcmpTimeExceeded, 0, quote, 0);
  msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->quoted.size(), 131u);
}

TEST(IcmpMessageTest, LengthBeyondThePacketIsIgnored) {
  for (bool v6 : {false, true}) {
    Bytes quote = v6 ? QuotedV6Probe() : QuotedV4Probe();
    Bytes m = ErrorMessage(v6, v6 ? kIcmpV6TimeExceeded : kIcmpTimeExceeded, 0, quote, 0);
    m[v6 ? 4 : 5] = 255;  // 1020 or 2040 bytes, far more than there is
    auto msg = ParseIcmpMessage(m, v6);
    ASSERT_TRUE(msg.has_value());
    EXPECT_TRUE(msg->is_error);
    EXPECT_FALSE(msg->has_extensions);
    EXPECT_EQ(msg->quoted.size(), quote.size()) << v6;
    // One unit too many: still beyond.
    m[v6 ? 4 : 5] = static_cast<uint8_t>(quote.size() / (v6 ? 8 : 4) + 1);
    msg = ParseIcmpMessage(m, v6);
    ASSERT_TRUE(msg.has_value());
    EXPECT_FALSE(msg->has_extensions);
    EXPECT_EQ(msg->quoted.size(), quote.size()) << v6;
  }
}

TEST(IcmpMessageTest, LengthExactlyThePacketHasNoExtension) {
  Bytes quote = QuotedV4Probe();
  Bytes m = ErrorMessage(false, kIcmpTimeExceeded, 0, quote, 7);
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_FALSE(msg->has_extensions);
  EXPECT_EQ(msg->quoted.size(), 28u);
}

TEST(IcmpMessageTest, CompliantFormAcceptsZeroChecksum) {
  Bytes m = ErrorMessage(false, kIcmpTimeExceeded, 0, QuotedV4Probe(), 32,
                         Extension({MplsObject(kTwoLabels)}, Sum::kZero));
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(msg->has_extensions);
  EXPECT_EQ(msg->quoted.size(), 128u);
  ExpectTwoLabels(*msg);
}

TEST(IcmpMessageTest, CompliantFormRejectsWrongChecksum) {
  Bytes m = ErrorMessage(false, kIcmpTimeExceeded, 0, QuotedV4Probe(), 32,
                         Extension({MplsObject(kTwoLabels)}, Sum::kWrong));
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_FALSE(msg->has_extensions);
  EXPECT_TRUE(msg->mpls.empty());
  EXPECT_EQ(msg->quoted.size(), 128u);  // the length field still delimits the quote
}

TEST(IcmpMessageTest, ObjectWithLengthZeroStops) {
  Bytes zero = {0, 0, 1, 1, 0x12, 0x34, 0x56, 0x78};
  Bytes m = ErrorMessage(false, kIcmpTimeExceeded, 0, QuotedV4Probe(), 32, Extension({zero}));
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(msg->has_extensions);
  EXPECT_TRUE(msg->mpls.empty());
  // A length below the object header (2) stops as well, after a good object.
  Bytes two = {0, 2, 1, 1};
  m = ErrorMessage(false, kIcmpTimeExceeded, 0, QuotedV4Probe(), 32,
                   Extension({MplsObject({MplsEntry(100, 1, true, 9)}), two}));
  msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  ASSERT_EQ(msg->mpls.size(), 1u);
  EXPECT_EQ(msg->mpls[0].label, 100u);
}

TEST(IcmpMessageTest, OverrunningObjectStops) {
  Bytes good = MplsObject({MplsEntry(200, 2, true, 8)});
  Bytes overrun = MplsObject({MplsEntry(300, 0, true, 1)});
  Write16(overrun.data(), 64);  // claims 64 bytes, has 8
  Bytes m =
      ErrorMessage(false, kIcmpTimeExceeded, 0, QuotedV4Probe(), 32, Extension({good, overrun}));
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(msg->has_extensions);
  ASSERT_EQ(msg->mpls.size(), 1u);  // only the object that fits
  EXPECT_EQ(msg->mpls[0].label, 200u);
  // A truncated object header (3 bytes left) is not read either.
  m = ErrorMessage(false, kIcmpTimeExceeded, 0, QuotedV4Probe(), 32,
                   Extension({good, Bytes{0, 8, 1}}));
  msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->mpls.size(), 1u);
}

TEST(IcmpMessageTest, OtherObjectsAreSkipped) {
  Bytes interface_info = Object(2, 0x0E, Bytes(12, 0xAB));  // RFC 5837 interface information
  Bytes mpls_other_ctype = Object(1, 2, Bytes(4, 0xFF));
  Bytes m = ErrorMessage(
      false, kIcmpTimeExceeded, 0, QuotedV4Probe(), 32,
      Extension({interface_info, mpls_other_ctype, MplsObject({MplsEntry(24001, 0, true, 1)})}));
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(msg->has_extensions);
  ASSERT_EQ(msg->mpls.size(), 1u);
  EXPECT_EQ(msg->mpls[0].label, 24001u);
  EXPECT_EQ(MplsLabelText(msg->mpls[0]), "MPLS L=24001 TC=0 S=1 TTL=1");
}

TEST(IcmpMessageTest, MplsObjectWithPartialEntry) {
  Bytes payload(6, 0);
  Write32(payload.data(), MplsEntry(5, 1, true, 2));
  payload[4] = 0xFF;  // 2 stray bytes: not a whole entry
  payload[5] = 0xFF;
  Bytes m = ErrorMessage(false, kIcmpTimeExceeded, 0, QuotedV4Probe(), 32,
                         Extension({Object(1, 1, payload)}));
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  ASSERT_EQ(msg->mpls.size(), 1u);
  EXPECT_EQ(msg->mpls[0].label, 5u);
}

TEST(IcmpMessageTest, EmptyExtensionStructure) {
  Bytes m = ErrorMessage(false, kIcmpTimeExceeded, 0, QuotedV4Probe(), 32, Extension({}));
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(msg->has_extensions);
  EXPECT_TRUE(msg->mpls.empty());
  // Fewer than 4 bytes after the quote: no extension header to read.
  m = ErrorMessage(false, kIcmpTimeExceeded, 0, QuotedV4Probe(), 32, Bytes{0x20, 0});
  msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_FALSE(msg->has_extensions);
}

TEST(IcmpMessageTest, EchoReplyIsNotAnError) {
  Bytes v4 = {kIcmpEchoReply, 0, 0x12, 0x34, 0xAB, 0xCD, 0x00, 0x05, 'p', 'a', 'y'};
  auto msg = ParseIcmpMessage(v4, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_FALSE(msg->is_error);
  EXPECT_TRUE(msg->quoted.empty());
  EXPECT_FALSE(msg->has_extensions);
  EXPECT_EQ(msg->header.id, 0xABCD);
  EXPECT_EQ(msg->header.seq, 5);

  Bytes v6 = {kIcmpV6EchoReply, 0, 0, 0, 0xAB, 0xCD, 0x00, 0x06};
  msg = ParseIcmpMessage(v6, true);
  ASSERT_TRUE(msg.has_value());
  EXPECT_FALSE(msg->is_error);
  EXPECT_EQ(msg->header.seq, 6);

  for (uint8_t type : {kIcmpEchoRequest, uint8_t{5}}) {  // echo request, redirect
    Bytes b(36, 0);
    b[0] = type;
    msg = ParseIcmpMessage(b, false);
    ASSERT_TRUE(msg.has_value());
    EXPECT_FALSE(msg->is_error) << int{type};
  }
}

TEST(IcmpMessageTest, ErrorTypesDependOnTheVersion) {
  Bytes b(8 + 48, 0);
  struct Case {
    bool v6;
    uint8_t type;
    bool error;
  };
  for (Case c :
       {Case{false, 3, true}, Case{false, 11, true}, Case{false, 12, true}, Case{false, 0, false},
        Case{false, 1, false}, Case{false, 4, false}, Case{true, 1, true}, Case{true, 2, true},
        Case{true, 3, true}, Case{true, 4, true}, Case{true, 11, false}, Case{true, 12, false},
        Case{true, 128, false}, Case{true, 129, false}, Case{true, 0, false}}) {
    b[0] = c.type;
    auto msg = ParseIcmpMessage(b, c.v6);
    ASSERT_TRUE(msg.has_value());
    EXPECT_EQ(msg->is_error, c.error) << "v6=" << c.v6 << " type=" << int{c.type};
    if (c.error) {
      EXPECT_EQ(msg->quoted.size(), 48u);
    }
  }
}

TEST(IcmpMessageTest, TypesWithoutLengthFieldIgnoreThoseBytes) {
  // ICMPv6 packet too big: bytes 4..7 are the MTU; parameter problem: the pointer.
  for (uint8_t type : {kIcmpV6PacketTooBig, kIcmpV6ParameterProblem}) {
    Bytes quote = QuotedV6Probe();
    Bytes m = ErrorMessage(true, type, 0, quote, 0, Extension({MplsObject(kTwoLabels)}));
    m[4] = 6;  // would make a 48-byte quote if it were a length
    auto msg = ParseIcmpMessage(m, true);
    ASSERT_TRUE(msg.has_value());
    EXPECT_TRUE(msg->is_error);
    EXPECT_FALSE(msg->has_extensions) << int{type};
    EXPECT_EQ(msg->quoted.size(), m.size() - 8) << int{type};
  }
  // ICMPv4 parameter problem carries the length at byte 5 (the pointer is byte 4).
  Bytes m = ErrorMessage(false, kIcmpParameterProblem, 0, QuotedV4Probe(), 7,
                         Extension({MplsObject(kTwoLabels)}));
  m[4] = 9;
  auto msg = ParseIcmpMessage(m, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(msg->has_extensions);
  EXPECT_EQ(msg->quoted.size(), 28u);
}

TEST(IcmpMessageTest, Truncated) {
  Bytes b = {kIcmpTimeExceeded, 0, 0, 0, 0, 0, 0, 0};
  for (size_t n = 0; n < 8; ++n) {
    EXPECT_FALSE(ParseIcmpMessage(std::span<const uint8_t>(b).first(n), false).has_value()) << n;
    EXPECT_FALSE(ParseIcmpMessage(std::span<const uint8_t>(b).first(n), true).has_value()) << n;
  }
  auto msg = ParseIcmpMessage(b, false);  // a header and nothing quoted
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(msg->is_error);
  EXPECT_TRUE(msg->quoted.empty());
  b[5] = 1;  // a length with nothing behind it
  msg = ParseIcmpMessage(b, false);
  ASSERT_TRUE(msg.has_value());
  EXPECT_TRUE(msg->quoted.empty());
  EXPECT_FALSE(msg->has_extensions);
}

TEST(IcmpMessageTest, EveryPrefixIsSafe) {
  // Parsing any prefix of a message with extensions never reads past it (ASan would tell) and
  // never reports labels that the prefix does not hold in full.
  Bytes full = ErrorMessage(false, kIcmpTimeExceeded, 0, QuotedV4Probe(), 32,
                            Extension({MplsObject(kTwoLabels)}, Sum::kZero));
  for (size_t n = 0; n <= full.size(); ++n) {
    Bytes prefix(full.begin(), full.begin() + static_cast<long>(n));
    auto msg = ParseIcmpMessage(prefix, false);
    if (n < 8) {
      EXPECT_FALSE(msg.has_value());
      continue;
    }
    ASSERT_TRUE(msg.has_value()) << n;
    EXPECT_LE(msg->quoted.size(), n - 8);
    if (n < full.size()) {
      EXPECT_LT(msg->mpls.size(), 2u) << n;
    }
  }
}

TEST(MplsLabelTextTest, ExactSpelling) {
  EXPECT_EQ(MplsLabelText(MplsLabel{24001, 0, true, 1}), "MPLS L=24001 TC=0 S=1 TTL=1");
  EXPECT_EQ(MplsLabelText(MplsLabel{1048575, 7, false, 255}), "MPLS L=1048575 TC=7 S=0 TTL=255");
  EXPECT_EQ(MplsLabelText(MplsLabel{}), "MPLS L=0 TC=0 S=0 TTL=0");
}

}  // namespace
}  // namespace colotrace::packet
