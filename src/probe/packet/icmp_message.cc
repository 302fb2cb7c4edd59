#include "probe/packet/icmp_message.h"

#include <cstdio>

#include "probe/packet/checksum.h"

namespace colotrace::packet {

namespace {

constexpr size_t kExtensionHeaderSize = 4;
constexpr size_t kObjectHeaderSize = 4;
constexpr uint8_t kClassMpls = 1;
constexpr uint8_t kMplsIncomingStack = 1;
constexpr size_t kLegacyQuoteSize = 128;

bool IsError(uint8_t type, bool v6) {
  if (v6) {
    return type == kIcmpV6Unreachable || type == kIcmpV6PacketTooBig ||
           type == kIcmpV6TimeExceeded || type == kIcmpV6ParameterProblem;
  }
  return type == kIcmpUnreachable || type == kIcmpTimeExceeded || type == kIcmpParameterProblem;
}

// Which error types carry the RFC 4884 length field.
bool HasLengthField(uint8_t type, bool v6) {
  if (v6) return type == kIcmpV6Unreachable || type == kIcmpV6TimeExceeded;
  return type == kIcmpUnreachable || type == kIcmpTimeExceeded || type == kIcmpParameterProblem;
}

// Parses an extension structure; false if its header is not version 2 or, when
// `require_checksum`, its checksum is wrong.
bool ParseExtensions(std::span<const uint8_t> ext, bool require_checksum,
                     std::vector<MplsLabel>* mpls) {
  if (ext.size() < kExtensionHeaderSize || (ext[0] >> 4) != 2) return false;
  uint16_t stored = Read16(&ext[2]);
  bool checksum_ok = ChecksumFinish(ChecksumAdd(0, ext)) == 0;
  if (!checksum_ok && (require_checksum || stored != 0)) return false;
  std::span<const uint8_t> rest = ext.subspan(kExtensionHeaderSize);
  while (rest.size() >= kObjectHeaderSize) {
    size_t length = Read16(&rest[0]);
    if (length < kObjectHeaderSize || length > rest.size()) break;
    uint8_t class_num = rest[2];
    uint8_t c_type = rest[3];
    if (class_num == kClassMpls && c_type == kMplsIncomingStack) {
      for (size_t off = kObjectHeaderSize; off + 4 <= length; off += 4) {
        uint32_t entry = Read32(&rest[off]);
        mpls->push_back(MplsLabel{entry >> 12, static_cast<uint8_t>((entry >> 9) & 0x7),
                                  ((entry >> 8) & 1) != 0, static_cast<uint8_t>(entry & 0xFF)});
      }
    }
    rest = rest.subspan(length);
  }
  return true;
}

}  // namespace

std::string MplsLabelText(const MplsLabel& l) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "MPLS L=%u TC=%u S=%u TTL=%u", l.label, l.tc, l.bottom ? 1 : 0,
                l.ttl);
  return buf;
}

std::optional<IcmpMessage> ParseIcmpMessage(std::span<const uint8_t> icmp, bool v6) {
  auto header = ParseIcmpHeader(icmp);
  if (!header) return std::nullopt;
  IcmpMessage m;
  m.header = *header;
  m.is_error = IsError(header->type, v6);
  if (!m.is_error) return m;
  std::span<const uint8_t> body = icmp.subspan(kIcmpHeaderSize);
  m.quoted = body;
  if (!HasLengthField(header->type, v6)) return m;

  size_t length_words = v6 ? icmp[4] : icmp[5];
  size_t quoted_size = length_words * (v6 ? 8 : 4);
  if (quoted_size > 0) {
    if (quoted_size <= body.size()) {
      m.quoted = body.first(quoted_size);
      std::vector<MplsLabel> mpls;
      if (ParseExtensions(body.subspan(quoted_size), /*require_checksum=*/false, &mpls)) {
        m.has_extensions = true;
        m.mpls = std::move(mpls);
      }
    }
    return m;
  }
  // No length: an extension may still follow a 128-byte quote (RFC 4884 section 5.5).
  if (body.size() >= kLegacyQuoteSize + kExtensionHeaderSize) {
    std::vector<MplsLabel> mpls;
    if (ParseExtensions(body.subspan(kLegacyQuoteSize), /*require_checksum=*/true, &mpls)) {
      m.quoted = body.first(kLegacyQuoteSize);
      m.has_extensions = true;
      m.mpls = std::move(mpls);
    }
  }
  return m;
}

}  // namespace colotrace::packet
