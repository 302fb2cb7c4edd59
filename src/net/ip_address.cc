#include "net/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace colotrace::net {

IpAddress IpAddress::V4(const uint8_t* four_bytes) {
  IpAddress a;
  a.family = Family::kV4;
  std::memcpy(a.bytes.data(), four_bytes, 4);
  return a;
}

IpAddress IpAddress::V6(const uint8_t* sixteen_bytes) {
  IpAddress a;
  a.family = Family::kV6;
  std::memcpy(a.bytes.data(), sixteen_bytes, 16);
  return a;
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN || text.find('\0') != text.npos) {
    return std::nullopt;  // inet_pton would stop at an embedded NUL
  }
  std::string s(text);
  uint8_t buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return V4(buf);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return V6(buf);
  return std::nullopt;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

}  // namespace colotrace::net
