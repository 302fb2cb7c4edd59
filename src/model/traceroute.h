// Request options and result types of a traceroute, in the shape of the API contract
// (docs/api.md). Plain values: no I/O, no threads, copyable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/limits.h"

namespace colotrace::model {

enum class PacketType { kIcmp, kTcp, kUdp, kGre, kGreIcmp };

// "icmp", "tcp", "udp", "gre", "gre+icmp".
std::string_view PacketTypeName(PacketType type);
// Inverse of PacketTypeName; nullopt for any other spelling (case-sensitive, as the API).
std::optional<PacketType> ParsePacketType(std::string_view name);

// The address family a host-name target is traced over (a colotrace extension; address
// literals carry their own). kAuto: IPv4 when the name has an A record, else IPv6.
enum class IpVersion { kAuto, kV4, kV6 };
// "auto", "ipv4", "ipv6".
std::string_view IpVersionName(IpVersion version);
std::optional<IpVersion> ParseIpVersion(std::string_view name);

// Options of one traceroute. NormalizeTraceOptions applies the defaults and checks the ranges;
// everything that runs a trace takes options that passed it.
struct TraceOptions {
  int max_ttl = kMaxTtlDefault;
  PacketType packet_type = PacketType::kIcmp;
  int packets_per_ttl = kPacketsPerTtlDefault;
  // UDP/TCP: destination port; ICMP: first echo sequence number. 0 = the protocol's default
  // (see EffectivePort).
  int port = 0;
  int wait_time_s = kWaitTimeDefaultS;
  IpVersion ip_version = IpVersion::kAuto;
  // Multipath enumeration (a colotrace extension, docs/api.md "Multipath"): every interface
  // and link behind load balancers, found with `confidence` percent (IsValidConfidence).
  // packets_per_ttl does not apply; a trace sends at most kMultipathMaxProbes.
  bool multipath = false;
  int confidence = kConfidenceDefault;
};

// The confidences of multipath enumeration: 95 and 99.
inline bool IsValidConfidence(int64_t percent) {
  return percent == kConfidenceDefault || percent == kConfidenceHigh;
}

// The integer options, and the one rule for each: which values a request (API body, command
// line, NATS job) may give, and what 0 stands for. Every reader of options uses these rules.
enum class IntOption { kMaxTtl, kPacketsPerTtl, kPort, kWaitTime };
struct IntOptionRule {
  IntOption option;
  std::string_view name;  // as the API spells it: "max_ttl", "packets_per_ttl", "port", "wait_time"
  int min;                // the values a trace runs with: min..max
  int max;
  // Nonzero: a request may also say 0 for this default (max_ttl 0 = 15, packets_per_ttl 0 = 3;
  // the API's spelling; the command line asks for min..max). 0: no such shorthand (port 0 is a
  // value of its own, the protocol's default port; wait_time 0 is refused).
  int zero_means;
  int TraceOptions::*field;

  // The smallest value a request may give: 0 where it is the shorthand, else min.
  int lowest() const { return zero_means != 0 ? 0 : min; }
  bool Accepts(int64_t value) const {
    return (value == 0 && zero_means != 0) || (value >= min && value <= max);
  }
};
// The four rules, in the order above.
const IntOptionRule (&IntOptionRules())[4];
const IntOptionRule& RuleOf(IntOption option);

// Applies the rules to `options`: a 0 becomes its default where the rule says so, then every
// integer option must lie in min..max. Returns the first option out of range (in the order of
// IntOption; `options` is then partly normalised), or nullopt when `options` may run.
std::optional<IntOption> NormalizeTraceOptions(TraceOptions& options);

// The port a probe uses when `options.port` is 0: UDP 33434, TCP 80, ICMP sequence 1.
int EffectivePort(const TraceOptions& options);

// Statistics of a set of round-trip times, in milliseconds. std_dev is the population
// standard deviation (divide by n); all zero when count is 0.
struct RttStats {
  int count = 0;
  double min_ms = 0;
  double mean_ms = 0;
  double max_ms = 0;
  double std_dev_ms = 0;
};

// One address that answered at a TTL.
struct Node {
  std::string asn;  // "AS<number>" or ""
  std::string ip;
  std::string name;                 // reverse-DNS name, else the IP address as text
  std::vector<std::string> labels;  // "!H", "MPLS ...", "gre", ... (docs/api.md)
  RttStats rtt;
};

// A link between consecutive TTLs that one flow took (multipath results).
struct Link {
  std::string from;  // the address at the TTL before
  std::string to;    // the address at this TTL
  bool operator==(const Link&) const = default;
};

struct Hop {
  int packets_ttl = 0;
  int packets_sent = 0;
  int packets_lost = 0;
  std::vector<Node> nodes;
  // Multipath results only (written as "links", also when empty): the links into this hop.
  std::optional<std::vector<Link>> links;
};

struct TargetSummary {
  std::string asn;
  std::string ip;
  std::string name;
  RttStats latency;
};

struct Colo {
  std::string name;
  std::string city;
};

// The one rule for a colo's name, wherever one is given (API requests, --colo-name, --colo,
// agents' announcements): 1..kMaxColoNameLength characters of [A-Za-z0-9_-]. Names are matched
// case-insensitively.
bool IsValidColoName(std::string_view name);

// Per-colo error codes, rendered "Could not gather traceroute data: Code N".
enum class ColoError {
  kNone = 0,
  kTargetRefused = 1,  // the target could not be resolved or is refused at the colo
  kCannotProbe = 2,    // the colo could not send probes
  kTimeout = 3,        // the colo did not answer in time
  kInternal = 4,       // any other failure inside the colo
};
std::string ColoErrorText(ColoError error);  // "" for kNone

struct ColoResult {
  Colo colo;
  ColoError error = ColoError::kNone;
  std::vector<Hop> hops;
  TargetSummary target_summary;
  int64_t traceroute_time_ms = 0;
  // A colo of a measurement still running (stored measurements): `hops` are those final so
  // far, the rest is empty. Written as "running": true; absent from every finished result.
  bool running = false;
  // Multipath results only: whether enumeration met its stopping rule everywhere (false: the
  // probe ceiling ended it first). Written as "multipath_complete".
  std::optional<bool> multipath_complete;
  // Multipath results only: every probe the enumeration sent, also those past the target that
  // no hop lists. Written as "multipath_probes".
  int multipath_probes = 0;
};

struct TargetResult {
  std::string target;  // as requested
  std::vector<ColoResult> colos;
};

}  // namespace colotrace::model
