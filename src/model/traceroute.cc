#include "model/traceroute.h"

#include "model/limits.h"

namespace colotrace::model {

std::string_view PacketTypeName(PacketType type) {
  switch (type) {
    case PacketType::kIcmp:
      return "icmp";
    case PacketType::kTcp:
      return "tcp";
    case PacketType::kUdp:
      return "udp";
    case PacketType::kGre:
      return "gre";
    case PacketType::kGreIcmp:
      return "gre+icmp";
  }
  return "icmp";
}

std::optional<PacketType> ParsePacketType(std::string_view name) {
  for (PacketType t : {PacketType::kIcmp, PacketType::kTcp, PacketType::kUdp, PacketType::kGre,
                       PacketType::kGreIcmp}) {
    if (PacketTypeName(t) == name) return t;
  }
  return std::nullopt;
}

std::string_view IpVersionName(IpVersion version) {
  switch (version) {
    case IpVersion::kV4:
      return "ipv4";
    case IpVersion::kV6:
      return "ipv6";
    case IpVersion::kAuto:
      break;
  }
  return "auto";
}

std::optional<IpVersion> ParseIpVersion(std::string_view name) {
  for (IpVersion v : {IpVersion::kAuto, IpVersion::kV4, IpVersion::kV6}) {
    if (IpVersionName(v) == name) return v;
  }
  return std::nullopt;
}

int EffectivePort(const TraceOptions& options) {
  if (options.port != 0) return options.port;
  switch (options.packet_type) {
    case PacketType::kUdp:
      return kDefaultUdpPort;
    case PacketType::kTcp:
      return kDefaultTcpPort;
    default:
      return kDefaultIcmpSequence;
  }
}

const IntOptionRule (&IntOptionRules())[4] {
  static const IntOptionRule kRules[4] = {
      {IntOption::kMaxTtl, "max_ttl", kMaxTtlMin, kMaxTtlMax, kMaxTtlDefault,
       &TraceOptions::max_ttl},
      {IntOption::kPacketsPerTtl, "packets_per_ttl", kPacketsPerTtlMin, kPacketsPerTtlMax,
       kPacketsPerTtlDefault, &TraceOptions::packets_per_ttl},
      {IntOption::kPort, "port", kPortMin, kPortMax, 0, &TraceOptions::port},
      {IntOption::kWaitTime, "wait_time", kWaitTimeMinS, kWaitTimeMaxS, 0,
       &TraceOptions::wait_time_s},
  };
  return kRules;
}

const IntOptionRule& RuleOf(IntOption option) {
  return IntOptionRules()[static_cast<int>(option)];
}

std::optional<IntOption> NormalizeTraceOptions(TraceOptions& options) {
  for (const IntOptionRule& rule : IntOptionRules()) {
    int& value = options.*rule.field;
    if (value == 0 && rule.zero_means != 0) value = rule.zero_means;
    if (value < rule.min || value > rule.max) return rule.option;
  }
  return std::nullopt;
}

bool IsValidColoName(std::string_view name) {
  if (name.empty() || name.size() > kMaxColoNameLength) return false;
  for (char c : name) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '-' && c != '_') return false;
  }
  return true;
}

std::string ColoErrorText(ColoError error) {
  if (error == ColoError::kNone) return "";
  return "Could not gather traceroute data: Code " + std::to_string(static_cast<int>(error));
}

}  // namespace colotrace::model
