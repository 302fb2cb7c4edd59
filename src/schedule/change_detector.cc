#include "schedule/change_detector.h"

#include <algorithm>

namespace colotrace::schedule {

namespace {

// `known` learns the addresses `seen` shows where `known` has none (SamePath holds).
void FillSilent(Path& known, const Path& seen) {
  for (size_t i = 0; i < known.hops.size(); ++i) {
    if (known.hops[i] == "*") known.hops[i] = seen.hops[i];
  }
}

}  // namespace

bool SamePath(const Path& a, const Path& b) {
  if (a.reached != b.reached || a.hops.size() != b.hops.size()) return false;
  for (size_t i = 0; i < a.hops.size(); ++i) {
    if (a.hops[i] != b.hops[i] && a.hops[i] != "*" && b.hops[i] != "*") return false;
  }
  return true;
}

std::optional<PathChange> ObservePath(PathState& state, const Path& path, int64_t at_ms,
                                      int confirm_runs) {
  confirm_runs = std::max(1, confirm_runs);
  if (!state.confirmed) {
    state.confirmed = path;
    return std::nullopt;
  }
  if (SamePath(*state.confirmed, path)) {
    FillSilent(*state.confirmed, path);
    state.candidate.reset();
    state.candidate_runs = 0;
    state.candidate_since_ms = 0;
    return std::nullopt;
  }
  if (state.candidate && SamePath(*state.candidate, path)) {
    FillSilent(*state.candidate, path);
    ++state.candidate_runs;
  } else {
    state.candidate = path;
    state.candidate_runs = 1;
    state.candidate_since_ms = at_ms;
  }
  if (state.candidate_runs < confirm_runs) return std::nullopt;
  PathChange change;
  change.at_ms = state.candidate_since_ms;
  change.confirmed_at_ms = at_ms;
  change.before = *state.confirmed;
  change.after = *state.candidate;
  change.changed_ttls = ChangedTtls(change.before, change.after);
  state.confirmed = state.candidate;
  state.candidate.reset();
  state.candidate_runs = 0;
  state.candidate_since_ms = 0;
  return change;
}

}  // namespace colotrace::schedule
