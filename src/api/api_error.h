// The errors of the HTTP API (docs/api.md, "Errors"): one value type, the codes as
// named constants, and the HTTP status each code is answered with. Pure; header only.
#pragma once

#include <string>
#include <vector>

namespace colotrace::api {

// One entry of the envelope's `errors` array. Plain value; an error is data, never thrown.
struct ApiError {
  int code = 0;
  std::string message;
  // RFC 6901 JSON pointer into the request body ("/options/max_ttl", "/targets/3");
  // "" when the error is not about one place of the body (then `source` is left out).
  std::string pointer;
  // Finer causes (6003 carries 6102/6103/6111 here); written as `error_chain` when not empty.
  std::vector<ApiError> error_chain;
  // The query parameter at fault ("per_page"), written as `source.parameter`; "" when none.
  std::string parameter;

  bool operator==(const ApiError&) const = default;
};

// Request body (HTTP 400 unless noted).
inline constexpr int kEmptyBody = 1000;
inline constexpr int kInvalidJson = 1001;  // not JSON, not an object, or `options` not an object
inline constexpr int kNoTargets = 1002;
inline constexpr int kInvalidTarget = 1004;
inline constexpr int kUnknownColo = 1005;
inline constexpr int kInvalidPacketType = 1006;
inline constexpr int kInvalidMaxTtl = 1007;
inline constexpr int kInvalidPacketsPerTtl = 1008;
inline constexpr int kInvalidWaitTime = 1009;
inline constexpr int kAccountNotAllowed = 1010;  // 403
inline constexpr int kTooManyTargets = 1011;
inline constexpr int kInvalidPort = 1012;
// colotrace's own (docs/api.md lists them all).
inline constexpr int kTooManyProbes = 1013;         // over max_probes_per_request
inline constexpr int kBodyTooLarge = 1014;          // 413
inline constexpr int kHeadersTooLarge = 1015;       // 431
inline constexpr int kShuttingDown = 1016;          // 503
inline constexpr int kMalformedHttp = 1017;         // 400
inline constexpr int kNoColoAvailable = 1018;       // 503: no colo can run traceroutes now
inline constexpr int kInvalidIpVersion = 1019;      // options.ip_version
inline constexpr int kTargetFamilyMismatch = 1020;  // address literal vs ip_version
// Stored measurements (docs/api.md, "Measurements").
inline constexpr int kInvalidQueryParameter = 1021;  // 400, with source.parameter
inline constexpr int kMeasurementNotFound = 1022;    // 404: no such id for this account
inline constexpr int kHistoryUnavailable = 1023;     // 503: the database cannot answer now
inline constexpr int kStorageOff = 1024;             // 404: this server keeps no history
inline constexpr int kTooManyStreams = 1025;         // 503: event streams open at once
inline constexpr int kTooManyMeasurements = 1026;    // 503: measurements running at once
// Schedules (docs/api.md, "Schedules").
inline constexpr int kInvalidScheduleName = 1027;  // 400, /name
inline constexpr int kInvalidInterval = 1028;      // 400, /interval_s
inline constexpr int kInvalidWebhook = 1029;       // 400, /webhook...
inline constexpr int kInvalidPaused = 1030;        // 400, /paused
inline constexpr int kTooManySchedules = 1031;     // 400: the account's limit
inline constexpr int kScheduleNotFound = 1032;     // 404: no such id for this account
inline constexpr int kWebhookRefused = 1033;       // 400: the target policy refuses its address
inline constexpr int kInvalidMultipath = 1034;     // 400, /options/multipath: not a boolean
inline constexpr int kInvalidConfidence = 1035;    // 400, /options/confidence: not 95 or 99
inline constexpr int kMultipathPacketType = 1036;  // 400, /options/packet_type: gre with multipath
// Authentication headers: 6003 (400) with one error_chain entry per malformed header.
inline constexpr int kMalformedAuthHeaders = 6003;
inline constexpr int kInvalidAuthEmailHeader = 6102;      // X-Auth-Email
inline constexpr int kInvalidAuthKeyHeader = 6103;        // X-Auth-Key
inline constexpr int kInvalidAuthorizationHeader = 6111;  // Authorization
// Routing.
inline constexpr int kNoRoute = 7000;                  // 404
inline constexpr int kMethodNotAllowed = 7001;         // 405 (colotrace)
inline constexpr int kInvalidObjectIdentifier = 7003;  // 400 (a malformed account id)
// Access.
inline constexpr int kAuthenticationError = 10000;  // 403
inline constexpr int kRateLimited = 10100;          // 429, with Retry-After

// The HTTP status a response whose first error has `code` is sent with; 500 for a code not
// listed above (an internal failure has no client-facing code of its own).
constexpr int HttpStatusForCode(int code) {
  switch (code) {
    case kEmptyBody:
    case kInvalidJson:
    case kNoTargets:
    case kInvalidTarget:
    case kUnknownColo:
    case kInvalidPacketType:
    case kInvalidMaxTtl:
    case kInvalidPacketsPerTtl:
    case kInvalidWaitTime:
    case kTooManyTargets:
    case kInvalidPort:
    case kInvalidIpVersion:
    case kTargetFamilyMismatch:
    case kTooManyProbes:
    case kMalformedHttp:
    case kInvalidQueryParameter:
    case kMalformedAuthHeaders:
    case kInvalidAuthEmailHeader:
    case kInvalidAuthKeyHeader:
    case kInvalidAuthorizationHeader:
    case kInvalidObjectIdentifier:
    case kInvalidScheduleName:
    case kInvalidInterval:
    case kInvalidWebhook:
    case kInvalidPaused:
    case kTooManySchedules:
    case kWebhookRefused:
      return 400;
    case kAccountNotAllowed:
    case kAuthenticationError:
      return 403;
    case kNoRoute:
    case kMeasurementNotFound:
    case kStorageOff:
    case kScheduleNotFound:
      return 404;
    case kMethodNotAllowed:
      return 405;
    case kBodyTooLarge:
      return 413;
    case kHeadersTooLarge:
      return 431;
    case kShuttingDown:
    case kNoColoAvailable:
    case kHistoryUnavailable:
    case kTooManyStreams:
    case kTooManyMeasurements:
      return 503;
    case kRateLimited:
      return 429;
    default:
      return 500;
  }
}

// The status of a response carrying `errors`: that of the first error; 500 when empty.
inline int HttpStatusFor(const std::vector<ApiError>& errors) {
  return errors.empty() ? 500 : HttpStatusForCode(errors.front().code);
}

}  // namespace colotrace::api
