// A route as schedules compare it (docs/api.md, "Schedules"): for each TTL from 1 up to the
// target, the addresses that answered, "*" when none did. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/traceroute.h"

namespace colotrace::schedule {

struct Path {
  // hops[i] is TTL i + 1: one address, several in ascending order joined by "," (a load
  // balancer answered from more than one), or "*".
  std::vector<std::string> hops;
  bool reached = false;  // the target answered (the path ends at it)

  bool operator==(const Path&) const = default;
};

// The path of one colo's result. Silent TTLs after the last answering one of a trace that did
// not reach its target are left out (how many there are says nothing of the route). nullopt
// for a result with an error: it says nothing of the path.
std::optional<Path> PathOf(const model::ColoResult& result);

// "198.51.100.2 * 203.0.113.1", with " (not reached)" at the end when the target did not answer;
// ParsePathText reads it back.
std::string PathText(const Path& path);
std::optional<Path> ParsePathText(const std::string& text);

// 16 hexadecimal digits (FNV-1a, 64 bits, of PathText): equal paths, equal hashes.
std::string PathHash(const Path& path);

// The TTLs (1-based, ascending) where two paths differ, a TTL that only one has included.
std::vector<int> ChangedTtls(const Path& before, const Path& after);

}  // namespace colotrace::schedule
