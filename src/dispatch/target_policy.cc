#include "dispatch/target_policy.h"

#include <charconv>
#include <utility>

namespace colotrace::dispatch {

namespace {

struct ParsedRange {
  net::IpAddress base;
  int prefix_bits = 0;
};

// Clears every bit of `address` past the first `bits`.
net::IpAddress Masked(net::IpAddress address, int bits) {
  for (size_t i = 0; i < address.size(); ++i) {
    int keep = bits - static_cast<int>(i) * 8;
    if (keep >= 8) continue;
    int mask = keep <= 0 ? 0 : (0xFF << (8 - keep)) & 0xFF;
    address.bytes[i] = static_cast<uint8_t>(address.bytes[i] & mask);
  }
  return address;
}

std::optional<ParsedRange> ParseCidr(std::string_view cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::optional<net::IpAddress> address = net::IpAddress::Parse(cidr.substr(0, slash));
  std::string_view prefix = cidr.substr(slash + 1);
  if (!address || prefix.empty() || prefix.size() > 3 || (prefix.size() > 1 && prefix[0] == '0')) {
    return std::nullopt;
  }
  int bits = -1;
  auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), bits);
  int max_bits = static_cast<int>(address->size()) * 8;
  if (ec != std::errc() || end != prefix.data() + prefix.size() || bits < 0 || bits > max_bits) {
    return std::nullopt;
  }
  return ParsedRange{Masked(*address, bits), bits};
}

bool Contains(const ParsedRange& range, const net::IpAddress& address) {
  return range.base.family == address.family && Masked(address, range.prefix_bits) == range.base;
}

struct SpecialRange {
  ParsedRange range;
  const char* category;
};

// First match wins: ::/128 and ::1/128 come before the rest of ::/96.
const std::vector<SpecialRange>& SpecialRanges() {
  static const std::vector<SpecialRange> ranges = [] {
    static constexpr std::pair<const char*, const char*> kTable[] = {
        {"0.0.0.0/8", "unspecified"},    {"127.0.0.0/8", "loopback"},
        {"10.0.0.0/8", "private"},       {"172.16.0.0/12", "private"},
        {"192.168.0.0/16", "private"},   {"169.254.0.0/16", "link-local"},
        {"100.64.0.0/10", "cgnat"},      {"224.0.0.0/4", "multicast"},
        {"240.0.0.0/4", "reserved"},     {"192.0.0.0/24", "reserved"},
        {"192.0.2.0/24", "reserved"},    {"198.18.0.0/15", "reserved"},
        {"198.51.100.0/24", "reserved"}, {"203.0.113.0/24", "reserved"},
        {"::/128", "unspecified"},       {"::1/128", "loopback"},
        {"::/96", "reserved"},           {"fc00::/7", "private"},
        {"fec0::/10", "private"},        {"64:ff9b:1::/48", "private"},
        {"fe80::/10", "link-local"},     {"ff00::/8", "multicast"},
        {"100::/64", "reserved"},        {"2001::/23", "reserved"},
        {"2001:db8::/32", "reserved"},   {"3fff::/20", "reserved"},
    };
    std::vector<SpecialRange> out;
    for (const auto& [cidr, category] : kTable) out.push_back({*ParseCidr(cidr), category});
    return out;
  }();
  return ranges;
}

// The IPv4 address an IPv6 address carries for a gateway to forward to: IPv4-mapped
// (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16, bits 16..47); else nullopt.
std::optional<net::IpAddress> EmbeddedV4(const net::IpAddress& address) {
  if (address.is_v4()) return std::nullopt;
  static const ParsedRange kMapped = *ParseCidr("::ffff:0:0/96");
  static const ParsedRange kNat64 = *ParseCidr("64:ff9b::/96");
  static const ParsedRange k6to4 = *ParseCidr("2002::/16");
  if (Contains(kMapped, address) || Contains(kNat64, address)) {
    return net::IpAddress::V4(address.data() + 12);
  }
  if (Contains(k6to4, address)) return net::IpAddress::V4(address.data() + 2);
  return std::nullopt;
}

}  // namespace

model::Status TargetPolicy::Allow(std::string_view cidr) {
  std::optional<ParsedRange> range = ParseCidr(cidr);
  if (!range) {
    return model::Status::Error("'" + std::string(cidr) +
                                "' is not a CIDR range such as 203.0.113.0/24 or 2001:db8::/32");
  }
  allowed_.push_back(Range{range->base, range->prefix_bits});
  return model::Status::Ok();
}

bool TargetPolicy::InAllowedRange(const net::IpAddress& address) const {
  for (const Range& r : allowed_) {
    if (Contains(ParsedRange{r.base, r.prefix_bits}, address)) return true;
  }
  return false;
}

bool TargetPolicy::IsAllowed(const net::IpAddress& address) const {
  if (InAllowedRange(address)) return true;
  if (std::optional<net::IpAddress> v4 = EmbeddedV4(address); v4 && InAllowedRange(*v4)) {
    return true;
  }
  return !RefusedCategory(address).has_value();
}

std::optional<std::string> TargetPolicy::RefusedCategory(const net::IpAddress& address) {
  if (std::optional<net::IpAddress> v4 = EmbeddedV4(address)) return RefusedCategory(*v4);
  for (const SpecialRange& special : SpecialRanges()) {
    if (Contains(special.range, address)) return std::string(special.category);
  }
  return std::nullopt;
}

}  // namespace colotrace::dispatch
