// When a schedule's path counts as changed: the decision alone, pure and with the time passed
// in, for one (schedule, target, colo) at a time (docs/api.md, "Schedules").
//
// The first path seen becomes the confirmed one. A run whose path differs from it starts a
// candidate; the change is confirmed when `confirm_runs` consecutive runs (the first included)
// show the candidate. A run back on the confirmed path drops the candidate (a flap). A silent
// TTL ("*") matches any address on either side (a lost reply is not a new route), and fills in
// the address it matched.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "schedule/path.h"

namespace colotrace::schedule {

struct PathState {
  std::optional<Path> confirmed;
  std::optional<Path> candidate;
  int candidate_runs = 0;          // consecutive runs that showed the candidate
  int64_t candidate_since_ms = 0;  // the first of them

  bool operator==(const PathState&) const = default;
};

struct PathChange {
  int64_t at_ms = 0;            // the first run on the new path
  int64_t confirmed_at_ms = 0;  // the run that confirmed it
  Path before;
  Path after;
  std::vector<int> changed_ttls;  // ChangedTtls(before, after)
};

// Equal up to silent TTLs: the same length, reached alike, and at every TTL the same addresses
// or a "*" on either side.
bool SamePath(const Path& a, const Path& b);

// Feeds the path of one run (at `at_ms`) into `state`; returns the change it confirms, if any.
// `confirm_runs` is at least 1 (1: every differing run is a change).
std::optional<PathChange> ObservePath(PathState& state, const Path& path, int64_t at_ms,
                                      int confirm_runs);

}  // namespace colotrace::schedule
