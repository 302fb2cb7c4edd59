// Validation of the body of POST /accounts/{account_id}/diagnostics/traceroute into a typed
// request (docs/api.md, "Request"). Pure: no I/O, thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/api_error.h"
#include "model/traceroute.h"

namespace colotrace::api {

// A request that passed validation. Defaults are applied: `options` holds what will run.
struct TracerouteRequest {
  std::vector<std::string> targets;  // 1..model::kMaxTargets, each IsValidTarget, in body order
  // As sent (each model::IsValidColoName); empty when absent or
  // `[]`, which means every colo. Matching names to colos is the dispatcher's job.
  std::vector<std::string> colos;
  model::TraceOptions options;
};

// Nesting depth of arrays and objects beyond which a body is refused (1001).
inline constexpr size_t kMaxJsonDepth = 32;
// At most this many errors are reported for one body; later ones are dropped.
inline constexpr size_t kMaxReportedErrors = 50;

// Either the request, or its errors (never empty, at most kMaxReportedErrors).
using ParseOutcome = std::variant<TracerouteRequest, std::vector<ApiError>>;

// Validates `body` (the raw HTTP body). Promises:
// - empty or JSON-whitespace-only body: exactly one error, 1000;
// - not JSON (syntax, invalid UTF-8, comments, trailing commas, depth > kMaxJsonDepth) or not
//   an object: exactly one error, 1001 with pointer "";
// - otherwise every problem is reported, in the order the members appear in the body
//   (a missing `targets` last), each with the code and pointer of its field:
//   targets missing, not an array or empty 1002 /targets; more than 10 1011 /targets;
//   an item that is not a string naming an IP address or host name 1004 /targets/<i>;
//   colos not an array 1005 /colos, an item not a valid colo name 1005 /colos/<i>;
//   options not an object 1001 /options; max_ttl 1007, packets_per_ttl 1008, wait_time 1009,
//   port 1012 /options/<field> unless an integer in range (an integral number such as 15.0
//   counts; fractions, booleans, strings, null and out-of-range values do not);
//   packet_type 1006 unless exactly "icmp", "tcp", "udp", "gre" or "gre+icmp";
//   ip_version (colotrace) 1019 unless "auto", "ipv4" or "ipv6"; then, last, an address
//   literal of the other family than ip_version 1020 /targets/<i>.
// - unknown members are ignored; of duplicate members the last one counts.
// Only std::bad_alloc can escape.
ParseOutcome ParseTracerouteRequest(std::string_view body);

// RFC 1123 host name: dot-separated labels of 1..63 letters, digits and hyphens, no label
// starting or ending with a hyphen, at most 253 characters without the optional trailing dot,
// and a last label that is not all digits (so "1.2.3" and "256.1.1.1" are no host names).
bool IsValidHostName(std::string_view name);

// A target the API accepts: an IPv4 or IPv6 address literal (no zone, no brackets), or
// IsValidHostName.
bool IsValidTarget(std::string_view target);

}  // namespace colotrace::api
