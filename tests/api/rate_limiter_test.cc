#include "api/rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace colotrace::api {
namespace {

class RateLimiterTest : public testing::Test {
 protected:
  RateLimiter Make(RateLimits limits, size_t max_keys = 100) {
    return RateLimiter(limits, max_keys, [this] { return now_ms_; });
  }
  int64_t now_ms_ = 1'000'000;
};

TEST_F(RateLimiterTest, CountsDownExactlyThenRefuses) {
  RateLimiter limiter = Make({3, 1000, 60});
  RateDecision a = limiter.Take("k", 10);
  EXPECT_TRUE(a.allowed);
  EXPECT_EQ(a.remaining_requests, 2);
  EXPECT_EQ(a.remaining_probes, 990);
  EXPECT_EQ(a.retry_after_s, 0);
  EXPECT_EQ(a.reset_s, 60);
  EXPECT_EQ(a.ratelimit, "\"default\";r=2;t=60");
  EXPECT_EQ(a.ratelimit_policy, "\"default\";q=3;w=60");

  now_ms_ += 10'500;
  RateDecision b = limiter.Take("k", 10);
  EXPECT_TRUE(b.allowed);
  EXPECT_EQ(b.remaining_requests, 1);
  EXPECT_EQ(b.reset_s, 50);  // 49.5 s left, rounded up
  EXPECT_EQ(b.ratelimit, "\"default\";r=1;t=50");

  EXPECT_TRUE(limiter.Take("k", 10).allowed);
  RateDecision refused = limiter.Take("k", 10);
  EXPECT_FALSE(refused.allowed);
  EXPECT_FALSE(refused.exceeds_limit);
  EXPECT_EQ(refused.retry_after_s, 50);
  EXPECT_EQ(refused.remaining_requests, 0);
  EXPECT_EQ(refused.ratelimit, "\"default\";r=0;t=50");
}

TEST_F(RateLimiterTest, WindowResetsAtItsEnd) {
  RateLimiter limiter = Make({1, 1000, 10});
  EXPECT_TRUE(limiter.Take("k", 1).allowed);
  now_ms_ += 9'999;
  RateDecision last_ms = limiter.Take("k", 1);
  EXPECT_FALSE(last_ms.allowed);
  EXPECT_EQ(last_ms.retry_after_s, 1);  // never 0
  now_ms_ += 1;
  RateDecision fresh = limiter.Take("k", 1);
  EXPECT_TRUE(fresh.allowed);
  EXPECT_EQ(fresh.remaining_requests, 0);
  EXPECT_EQ(fresh.reset_s, 10);
}

TEST_F(RateLimiterTest, ProbeBudgetIsLimitedToo) {
  RateLimiter limiter = Make({100, 1000, 60});
  EXPECT_TRUE(limiter.Take("k", 600).allowed);
  RateDecision over = limiter.Take("k", 401);
  EXPECT_FALSE(over.allowed);
  EXPECT_FALSE(over.exceeds_limit);
  EXPECT_EQ(over.retry_after_s, 60);
  // The refused request consumed nothing: exactly the rest still fits.
  RateDecision rest = limiter.Take("k", 400);
  EXPECT_TRUE(rest.allowed);
  EXPECT_EQ(rest.remaining_probes, 0);
  EXPECT_EQ(rest.remaining_requests, 98);
  EXPECT_TRUE(limiter.Take("k", 0).allowed);  // probes exhausted, a zero-probe request fits
  EXPECT_FALSE(limiter.Take("k", 1).allowed);
}

TEST_F(RateLimiterTest, RefusedRequestConsumesNoRequestEither) {
  RateLimiter limiter = Make({2, 100, 60});
  EXPECT_TRUE(limiter.Take("k", 90).allowed);
  EXPECT_FALSE(limiter.Take("k", 20).allowed);
  EXPECT_FALSE(limiter.Take("k", 20).allowed);
  RateDecision d = limiter.Take("k", 10);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining_requests, 0);
}

TEST_F(RateLimiterTest, ARequestLargerThanAWindowIsMarked) {
  RateLimiter limiter = Make({10, 1000, 60});
  RateDecision d = limiter.Take("k", 1001);
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.exceeds_limit);
  EXPECT_GE(d.retry_after_s, 1);
  EXPECT_EQ(limiter.Take("k", 1000).remaining_probes, 0);
}

TEST_F(RateLimiterTest, KeysAreIndependent) {
  RateLimiter limiter = Make({1, 1000, 60});
  EXPECT_TRUE(limiter.Take("a", 1).allowed);
  EXPECT_FALSE(limiter.Take("a", 1).allowed);
  EXPECT_TRUE(limiter.Take("b", 1).allowed);
  EXPECT_EQ(limiter.key_count(), 2u);
}

TEST_F(RateLimiterTest, NegativeProbesCountAsZero) {
  RateLimiter limiter = Make({5, 10, 60});
  RateDecision d = limiter.Take("k", -100);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining_probes, 10);
}

TEST_F(RateLimiterTest, MemoryIsBounded) {
  RateLimiter limiter = Make({1, 1000, 60}, 3);
  for (int i = 0; i < 100; ++i) {
    now_ms_ += 1;
    EXPECT_TRUE(limiter.Take("key" + std::to_string(i), 1).allowed);
    EXPECT_LE(limiter.key_count(), 3u);
  }
  EXPECT_EQ(limiter.key_count(), 3u);
  // The newest keys are still limited; the oldest were forgotten.
  EXPECT_FALSE(limiter.Take("key99", 1).allowed);
  EXPECT_FALSE(limiter.Take("key97", 1).allowed);
  EXPECT_TRUE(limiter.Take("key0", 1).allowed);
}

TEST_F(RateLimiterTest, ExpiredWindowsAreForgotten) {
  RateLimiter limiter = Make({5, 1000, 10});
  limiter.Take("a", 1);
  limiter.Take("b", 1);
  now_ms_ += 5'000;
  limiter.Take("c", 1);
  EXPECT_EQ(limiter.key_count(), 3u);
  now_ms_ += 5'000;  // a and b end now
  limiter.Take("c", 1);
  EXPECT_EQ(limiter.key_count(), 1u);
  // The eviction picks expired windows first: with room for 2, "c" survives a new key.
  RateLimiter small = Make({1, 1000, 10}, 2);
  small.Take("old", 1);
  now_ms_ += 5'000;
  small.Take("c", 1);
  now_ms_ += 5'000;
  small.Take("new", 1);
  EXPECT_EQ(small.key_count(), 2u);
  EXPECT_FALSE(small.Take("c", 1).allowed);
}

TEST_F(RateLimiterTest, LimitsBelowOneAreRaised) {
  RateLimiter limiter = Make({0, 0, 0});
  EXPECT_EQ(limiter.limits().requests_per_window, 1);
  EXPECT_EQ(limiter.limits().window_s, 1);
  EXPECT_TRUE(limiter.Take("k", 1).allowed);
  EXPECT_FALSE(limiter.Take("k", 0).allowed);
}

}  // namespace
}  // namespace colotrace::api
