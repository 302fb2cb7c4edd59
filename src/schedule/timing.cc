#include "schedule/timing.h"

namespace colotrace::schedule {

int64_t RunOffsetMs(std::string_view id, int64_t interval_ms) {
  if (interval_ms <= 0) return 0;
  uint64_t h = 14695981039346656037ULL;  // FNV-1a: stable across builds and machines
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  // Ids share their leading time digits: mix the bits before taking the remainder.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<int64_t>(h % static_cast<uint64_t>(interval_ms));
}

int64_t NextRunMs(int64_t after_ms, int64_t interval_ms, int64_t offset_ms) {
  if (interval_ms <= 0) return after_ms + 1;
  int64_t phase = ((after_ms - offset_ms) % interval_ms + interval_ms) % interval_ms;
  return after_ms - phase + interval_ms;
}

}  // namespace colotrace::schedule
