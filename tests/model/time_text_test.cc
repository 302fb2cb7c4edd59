#include "model/time_text.h"

#include <gtest/gtest.h>

namespace colotrace::model {
namespace {

TEST(TimeTextTest, WritesUtcWithMilliseconds) {
  EXPECT_EQ(Rfc3339Ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(Rfc3339Ms(1'795'770'309'123), "2026-11-27T09:05:09.123Z");
  EXPECT_EQ(Rfc3339Ms(951'782'400'000), "2000-02-29T00:00:00.000Z");
}

TEST(TimeTextTest, ReadsWhatItWritesAndOffsets) {
  EXPECT_EQ(ParseRfc3339("2026-11-27T09:05:09.123Z"), 1'795'770'309'123);
  EXPECT_EQ(ParseRfc3339("2026-11-27T09:05:09Z"), 1'795'770'309'000);
  EXPECT_EQ(ParseRfc3339("2026-11-27t09:05:09.1z"), 1'795'770'309'100);
  EXPECT_EQ(ParseRfc3339("2026-11-27T10:05:09.123456789+01:00"), 1'795'770'309'123);
  EXPECT_EQ(ParseRfc3339("2026-11-27T04:05:09-05:00"), 1'795'770'309'000);
  EXPECT_EQ(ParseRfc3339("2000-02-29T00:00:00Z"), 951'782'400'000);
  for (int64_t ms : {int64_t{0}, int64_t{1'700'000'000'001}, int64_t{4'102'444'800'000}}) {
    EXPECT_EQ(ParseRfc3339(Rfc3339Ms(ms)), ms);
  }
}

TEST(TimeTextTest, RefusesWhatIsNotRfc3339) {
  for (const char* bad :
       {"", "2026-11-27", "2026-11-27T09:05:09", "2026-11-27 09:05:09Z", "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-27T24:00:00Z",
        "2026-11-27T09:05:09.Z", "2026-11-27T09:05:09+0100", "2026-11-27T09:05:09Zjunk",
        "1795782309", "2026-11-27T09:05:09.1234567890Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace colotrace::model
