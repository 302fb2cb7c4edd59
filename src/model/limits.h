// Ranges and defaults of the traceroute options, as named constants (the API contract).
#pragma once

#include <cstddef>

namespace colotrace::model {

inline constexpr int kMaxTtlMin = 1;
inline constexpr int kMaxTtlMax = 64;
inline constexpr int kMaxTtlDefault = 15;
inline constexpr int kPacketsPerTtlMin = 1;
inline constexpr int kPacketsPerTtlMax = 10;
inline constexpr int kPacketsPerTtlDefault = 3;
inline constexpr int kPortMin = 0;
inline constexpr int kPortMax = 65535;
inline constexpr int kWaitTimeMinS = 1;
inline constexpr int kWaitTimeMaxS = 5;
inline constexpr int kWaitTimeDefaultS = 1;
inline constexpr int kMaxTargets = 10;
// A colo's name: 1..kMaxColoNameLength of [A-Za-z0-9_-] (IsValidColoName, traceroute.h).
inline constexpr size_t kMaxColoNameLength = 32;

// Multipath enumeration (options `multipath`, `confidence`): the confidences it knows, and the
// probes one trace may send before it ends with its enumeration incomplete.
inline constexpr int kConfidenceDefault = 95;
inline constexpr int kConfidenceHigh = 99;
inline constexpr int kMultipathMaxProbes = 3000;
// ... and the rounds (each waits for its probes' answers, at most wait_time): a colo's deadline
// for a multipath trace is (kMultipathMaxRounds + 1) x wait_time + the margin.
inline constexpr int kMultipathMaxRounds = 12;

inline constexpr int kDefaultUdpPort = 33434;
inline constexpr int kDefaultTcpPort = 80;
inline constexpr int kDefaultIcmpSequence = 1;

}  // namespace colotrace::model
