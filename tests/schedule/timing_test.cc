#include "schedule/timing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace colotrace::schedule {
namespace {

TEST(TimingTest, NextRunIsTheNextSlotOfTheOffsetStrictlyAfter) {
  EXPECT_EQ(NextRunMs(100, 60, 10), 130);
  EXPECT_EQ(NextRunMs(130, 60, 10), 190);
  EXPECT_EQ(NextRunMs(129, 60, 10), 130);
  EXPECT_EQ(NextRunMs(5, 60, 10), 10);
  EXPECT_EQ(NextRunMs(1'800'000'000'000, 60'000, 0) % 60'000, 0);
}

TEST(TimingTest, TheOffsetIsStableAndWithinTheInterval) {
  EXPECT_EQ(RunOffsetMs("06F4ABCDEF", 60'000), RunOffsetMs("06F4ABCDEF", 60'000));
  for (int i = 0; i < 1000; ++i) {
    int64_t o = RunOffsetMs("id" + std::to_string(i), 60'000);
    EXPECT_GE(o, 0);
    EXPECT_LT(o, 60'000);
  }
}

TEST(TimingTest, AThousandSchedulesOfOneMinuteSpreadOverIt) {
  // Ids made in the same second share their first characters, as real ones do.
  std::vector<int> per_second(60, 0);
  for (int i = 0; i < 1000; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "06F4XYZ0%04dQRSTUVWXYZ12", i);
    ++per_second[static_cast<size_t>(RunOffsetMs(id, 60'000) / 1000)];
  }
  // 16.7 per second on average; an even spread keeps every second far from a burst.
  EXPECT_LE(*std::max_element(per_second.begin(), per_second.end()), 35);
  EXPECT_GE(*std::min_element(per_second.begin(), per_second.end()), 5);
}

}  // namespace
}  // namespace colotrace::schedule
