// The Internet checksum (RFC 1071), split so that callers can sum pieces (pseudo-headers,
// headers, payloads) and solve for a payload word that yields a chosen checksum. Pure.
#pragma once

#include <cstdint>
#include <span>

#include "net/ip_address.h"

namespace colotrace::packet {

using net::IpAddress;

// Adds `bytes` as big-endian 16-bit words to the running 32-bit `sum` (an odd last byte is
// padded with zero). Pieces must start at even offsets of the checksummed data.
uint32_t ChecksumAdd(uint32_t sum, std::span<const uint8_t> bytes);
// Adds one 16-bit word.
uint32_t ChecksumAddWord(uint32_t sum, uint16_t word);
// Folds the carries and returns the one's complement: the value to store in a header.
uint16_t ChecksumFinish(uint32_t sum);
// The pseudo-header sum of UDP/TCP/ICMPv6 (RFC 768, RFC 8200 section 8.1).
uint32_t PseudoHeaderSum(const IpAddress& src, const IpAddress& dst, uint8_t protocol,
                         uint32_t length);
// The word W that, placed in a 16-bit aligned slot that held zero when `partial_sum` was
// taken, makes ChecksumFinish(partial_sum + W) equal `wanted`. 0xFFFF cannot be produced (one's
// complement arithmetic never yields a negative zero sum here): wanted must not be 0xFFFF.
uint16_t ChecksumSolve(uint32_t partial_sum, uint16_t wanted);

}  // namespace colotrace::packet
