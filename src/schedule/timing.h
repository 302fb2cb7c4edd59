// When a schedule runs: every interval, at an offset within the interval that its id decides,
// so that many schedules of one interval spread evenly over it instead of firing together.
// Pure; times are Unix milliseconds.
#pragma once

#include <cstdint>
#include <string_view>

namespace colotrace::schedule {

// The offset of the runs of schedule `id` within each `interval_ms` (0 <= offset < interval).
int64_t RunOffsetMs(std::string_view id, int64_t interval_ms);

// The first run time after `after_ms` (strictly): the next t with t mod interval == offset.
int64_t NextRunMs(int64_t after_ms, int64_t interval_ms, int64_t offset_ms);

}  // namespace colotrace::schedule
