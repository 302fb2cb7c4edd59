#include "probe/packet/checksum.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace colotrace::packet {
namespace {

uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

uint16_t Fold64(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// A reference checksum computed the slow way: 64-bit sum of 16-bit words, then fold.
uint16_t ReferenceChecksum(const std::vector<uint8_t>& bytes) {
  uint64_t sum = 0;
  for (size_t i = 0; i < bytes.size(); i += 2) {
    uint32_t hi = bytes[i];
    uint32_t lo = i + 1 < bytes.size() ? bytes[i + 1] : 0;
    sum += hi << 8 | lo;
  }
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xFFFF);
}

IpAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  const uint8_t bytes[4] = {a, b, c, d};
  return IpAddress::V4(bytes);
}

TEST(ChecksumTest, Rfc1071Example) {
  const std::vector<uint8_t> bytes = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  uint32_t sum = ChecksumAdd(0, bytes);
  EXPECT_EQ(Fold(sum), 0xddf2);
  EXPECT_EQ(ChecksumFinish(sum), 0x220d);
  // Summing in pieces that start at even offsets gives the same result.
  uint32_t pieces = ChecksumAdd(ChecksumAdd(0, {bytes.data(), 2}), {bytes.data() + 2, 6});
  EXPECT_EQ(ChecksumFinish(pieces), 0x220d);
  // With the checksum appended, the whole verifies to zero.
  std::vector<uint8_t> with = bytes;
  with.push_back(0x22);
  with.push_back(0x0d);
  EXPECT_EQ(ChecksumFinish(ChecksumAdd(0, with)), 0);
}

TEST(ChecksumTest, EmptyAndZero) {
  EXPECT_EQ(ChecksumAdd(0, {}), 0u);
  EXPECT_EQ(ChecksumFinish(0), 0xFFFF);
  EXPECT_EQ(ChecksumAdd(1234, {}), 1234u);
}

TEST(ChecksumTest, OddLengthPadsWithZero) {
  const std::vector<uint8_t> odd = {0x12, 0x34, 0x56};
  EXPECT_EQ(ChecksumAdd(0, odd), 0x1234u + 0x5600u);
  EXPECT_EQ(ChecksumFinish(ChecksumAdd(0, odd)), static_cast<uint16_t>(~(0x1234 + 0x5600)));
  const std::vector<uint8_t> one = {0xAB};
  EXPECT_EQ(ChecksumAdd(0, one), 0xAB00u);
  EXPECT_EQ(ChecksumFinish(ChecksumAdd(0, one)), 0x54FF);
}

TEST(ChecksumTest, AddWordEqualsAddingTwoBytes) {
  const uint8_t bytes[2] = {0xBE, 0xEF};
  EXPECT_EQ(ChecksumAddWord(7, 0xBEEF), ChecksumAdd(7, bytes));
  EXPECT_EQ(Fold(ChecksumAddWord(0xFFFF, 0x0001)), 0x0001);  // end-around carry
}

TEST(ChecksumTest, MatchesReferenceOnRandomData) {
  std::mt19937 rng(1071);
  for (int round = 0; round < 500; ++round) {
    std::vector<uint8_t> bytes(rng() % 1500);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    EXPECT_EQ(ChecksumFinish(ChecksumAdd(0, bytes)), ReferenceChecksum(bytes))
        << "size " << bytes.size();
  }
}

TEST(ChecksumTest, LargeInputsDoNotOverflow) {
  // 1 MiB of 0xFF: the running sum must fold before bit 31 wraps.
  std::vector<uint8_t> bytes(1 << 20, 0xFF);
  EXPECT_EQ(ChecksumFinish(ChecksumAdd(0, bytes)), ReferenceChecksum(bytes));
  // A running sum that is already large keeps folding.
  uint32_t sum = ChecksumAdd(0x7FFFFFF0u, bytes);
  EXPECT_EQ(Fold(sum), Fold64(0x7FFFFFF0ull + (bytes.size() / 2) * 0xFFFFull));
  EXPECT_EQ(Fold(ChecksumAddWord(0x7FFFFFF0u, 0xFFFF)), Fold64(0x7FFFFFF0ull + 0xFFFF));
}

TEST(ChecksumTest, SolveMakesTheWantedChecksumOnRandomSums) {
  std::mt19937 rng(4884);
  for (int round = 0; round < 200000; ++round) {
    // Running sums as ChecksumAdd produces them stay below 2^31.
    uint32_t partial = rng() & 0x7FFFFFFFu;
    if (round % 4 == 0) partial &= 0xFFFF;
    if (round % 16 == 1) partial = 0xFFFF;                    // one's complement negative zero
    auto wanted = static_cast<uint16_t>(1 + rng() % 0xFFFE);  // 1..0xFFFE
    uint16_t word = ChecksumSolve(partial, wanted);
    ASSERT_EQ(ChecksumFinish(ChecksumAddWord(partial, word)), wanted)
        << "partial " << partial << " wanted " << wanted << " word " << word;
  }
}

TEST(ChecksumTest, SolveByRecomputingTheWholeChecksum) {
  std::mt19937 rng(768);
  for (int round = 0; round < 5000; ++round) {
    std::vector<uint8_t> bytes(2 + 2 * (rng() % 100));
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    size_t slot = 2 * (rng() % (bytes.size() / 2));
    bytes[slot] = bytes[slot + 1] = 0;
    auto wanted = static_cast<uint16_t>(1 + rng() % 0xFFFE);
    uint16_t word = ChecksumSolve(ChecksumAdd(0, bytes), wanted);
    bytes[slot] = static_cast<uint8_t>(word >> 8);
    bytes[slot + 1] = static_cast<uint8_t>(word);
    ASSERT_EQ(ReferenceChecksum(bytes), wanted) << "round " << round;
    ASSERT_EQ(ChecksumFinish(ChecksumAdd(0, bytes)), wanted) << "round " << round;
  }
}

TEST(ChecksumTest, SolveEveryWantedValueForFixedSums) {
  for (uint32_t partial : {0x0u, 0x1u, 0xFFFEu, 0xFFFFu, 0x10000u, 0x1FFFEu, 0x12345678u}) {
    for (uint32_t w = 1; w <= 0xFFFE; ++w) {
      auto wanted = static_cast<uint16_t>(w);
      uint16_t word = ChecksumSolve(partial, wanted);
      ASSERT_EQ(ChecksumFinish(ChecksumAddWord(partial, word)), wanted)
          << "partial " << partial << " wanted " << wanted;
    }
  }
}

TEST(ChecksumTest, PseudoHeaderSumV4) {
  IpAddress src = V4(192, 0, 2, 1);
  IpAddress dst = V4(198, 51, 100, 7);
  // RFC 768: src, dst, zero, protocol, UDP length.
  const std::vector<uint8_t> pseudo = {192, 0, 2, 1, 198, 51, 100, 7, 0, 17, 0x01, 0x2C};
  EXPECT_EQ(Fold(PseudoHeaderSum(src, dst, 17, 300)), Fold(ChecksumAdd(0, pseudo)));
  // Order of the addresses does not matter to a sum; the protocol and length do.
  EXPECT_EQ(Fold(PseudoHeaderSum(dst, src, 17, 300)), Fold(ChecksumAdd(0, pseudo)));
  EXPECT_NE(Fold(PseudoHeaderSum(src, dst, 6, 300)), Fold(ChecksumAdd(0, pseudo)));
  EXPECT_NE(Fold(PseudoHeaderSum(src, dst, 17, 301)), Fold(ChecksumAdd(0, pseudo)));
}

TEST(ChecksumTest, PseudoHeaderSumV6) {
  auto src = IpAddress::Parse("2001:db8::1");
  auto dst = IpAddress::Parse("2001:db8:ffff::abcd:2");
  ASSERT_TRUE(src && dst);
  // RFC 8200 section 8.1: src, dst, 32-bit length, 3 zero bytes, next header.
  std::vector<uint8_t> pseudo(src->bytes.begin(), src->bytes.end());
  pseudo.insert(pseudo.end(), dst->bytes.begin(), dst->bytes.end());
  for (int b : {0x00, 0x01, 0x00, 0x28, 0, 0, 0, 58}) pseudo.push_back(static_cast<uint8_t>(b));
  EXPECT_EQ(Fold(PseudoHeaderSum(*src, *dst, 58, 0x10028)), Fold(ChecksumAdd(0, pseudo)));
  // A whole ICMPv6 message verifies with it.
  std::vector<uint8_t> icmp = {128, 0, 0, 0, 0x12, 0x34, 0x00, 0x01, 'a', 'b', 'c'};
  uint32_t sum =
      ChecksumAdd(PseudoHeaderSum(*src, *dst, 58, static_cast<uint32_t>(icmp.size())), icmp);
  uint16_t c = ChecksumFinish(sum);
  icmp[2] = static_cast<uint8_t>(c >> 8);
  icmp[3] = static_cast<uint8_t>(c);
  EXPECT_EQ(ChecksumFinish(ChecksumAdd(
                PseudoHeaderSum(*src, *dst, 58, static_cast<uint32_t>(icmp.size())), icmp)),
            0);
  // The v6 sum covers all 16 address bytes: a change in the last byte shows.
  IpAddress other = *dst;
  other.bytes[15] ^= 1;
  EXPECT_NE(Fold(PseudoHeaderSum(*src, other, 58, 0x10028)), Fold(ChecksumAdd(0, pseudo)));
}

}  // namespace
}  // namespace colotrace::packet
