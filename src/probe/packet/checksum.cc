#include "probe/packet/checksum.h"

namespace colotrace::packet {

uint32_t ChecksumAdd(uint32_t sum, std::span<const uint8_t> bytes) {
  size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    sum += static_cast<uint32_t>(bytes[i] << 8 | bytes[i + 1]);
    if (sum & 0x80000000u) sum = (sum & 0xFFFF) + (sum >> 16);
  }
  if (i < bytes.size()) sum += static_cast<uint32_t>(bytes[i] << 8);
  return sum;
}

uint32_t ChecksumAddWord(uint32_t sum, uint16_t word) {
  sum += word;
  if (sum & 0x80000000u) sum = (sum & 0xFFFF) + (sum >> 16);
  return sum;
}

namespace {
uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}
}  // namespace

uint16_t ChecksumFinish(uint32_t sum) {
  return static_cast<uint16_t>(~Fold(sum));
}

uint32_t PseudoHeaderSum(const IpAddress& src, const IpAddress& dst, uint8_t protocol,
                         uint32_t length) {
  uint32_t sum = ChecksumAdd(0, {src.data(), src.size()});
  sum = ChecksumAdd(sum, {dst.data(), dst.size()});
  sum = ChecksumAddWord(sum, protocol);
  sum = ChecksumAddWord(sum, static_cast<uint16_t>(length >> 16));
  return ChecksumAddWord(sum, static_cast<uint16_t>(length & 0xFFFF));
}

uint16_t ChecksumSolve(uint32_t partial_sum, uint16_t wanted) {
  // We need Fold(S + W) == ~wanted. In one's complement arithmetic W = ~wanted - S,
  // that is ~wanted + ~S.
  uint16_t s = Fold(partial_sum);
  uint32_t w = static_cast<uint16_t>(~wanted) + static_cast<uint32_t>(static_cast<uint16_t>(~s));
  return Fold(w);
}

}  // namespace colotrace::packet
