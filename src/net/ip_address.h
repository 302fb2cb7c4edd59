// An IPv4 or IPv6 address as plain bytes. Pure value type.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace colotrace::net {

struct IpAddress {
  enum class Family : uint8_t { kV4, kV6 };
  Family family = Family::kV4;
  // IPv4 uses bytes[0..3]; the rest stays zero.
  std::array<uint8_t, 16> bytes{};

  bool is_v4() const { return family == Family::kV4; }
  size_t size() const { return is_v4() ? 4 : 16; }
  const uint8_t* data() const { return bytes.data(); }

  static IpAddress V4(const uint8_t* four_bytes);
  static IpAddress V6(const uint8_t* sixteen_bytes);
  // Parses dotted-quad IPv4 or RFC 4291 IPv6 text; nullopt for anything else.
  static std::optional<IpAddress> Parse(std::string_view text);
  // "192.0.2.1", "2001:db8::1" (RFC 5952).
  std::string ToString() const;

  bool operator==(const IpAddress&) const = default;
};

}  // namespace colotrace::net
