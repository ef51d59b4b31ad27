// TokenBucket and RateLimiter on a manual clock. Expected values are worked by hand in comments.
#include "gateway/token_bucket.h"

#include <gtest/gtest.h>

namespace nifty::gateway {
namespace {

using core::kNanosPerMilli;
using core::Timestamp;

TEST(TokenBucket, AllowsTheBurstThenRefillsAtTheRate) {
  // rate 10/s, capacity 5: five requests at t=0 pass, the sixth waits 1/10 s = 100 ms.
  Timestamp t0 = Timestamp::from_seconds(1000);
  TokenBucket b(10.0, 5.0, t0);
  int64_t wait = 0;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(b.try_take(t0, wait)) << i;
  EXPECT_FALSE(b.try_take(t0, wait));
  EXPECT_EQ(wait, 100 * kNanosPerMilli);
  // 50 ms later half a token is back: still refused, 50 ms to go.
  EXPECT_FALSE(b.try_take(t0 + 50 * kNanosPerMilli, wait));
  EXPECT_EQ(wait, 50 * kNanosPerMilli);
  EXPECT_TRUE(b.try_take(t0 + 100 * kNanosPerMilli, wait));
  // After 10 s idle the bucket holds at most its capacity (5), not 100 tokens.
  Timestamp later = t0 + 10'100 * kNanosPerMilli;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(b.try_take(later, wait)) << i;
  EXPECT_FALSE(b.try_take(later, wait));
}

TEST(RateLimiter, AdmitsRateTimesSecondsPlusBurstOverAnInterval) {
  // Standard tier: 10 req/s, burst 10. Offering 100 requests spread evenly over 2 s (every 20 ms,
  // t = 0 .. 1.98 s) admits burst + refill = 10 + 10 * 1.98 -> 29 (the 30th token arrives at 2.0 s).
  RateLimiter limiter;
  Timestamp t0 = Timestamp::from_seconds(5000);
  int admitted = 0;
  for (int i = 0; i < 100; ++i) {
    if (limiter.check("k_std", 10.0, 10.0, t0 + i * 20 * kNanosPerMilli).allowed) ++admitted;
  }
  EXPECT_EQ(admitted, 29);
}

TEST(RateLimiter, KeysHaveSeparateBucketsAndRetryAfterRoundsUp) {
  RateLimiter limiter;
  Timestamp t = Timestamp::from_seconds(7);
  EXPECT_TRUE(limiter.check("a", 0.5, 1.0, t).allowed);
  RateDecision d = limiter.check("a", 0.5, 1.0, t);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 2);  // one token at 0.5/s takes 2 s
  EXPECT_TRUE(limiter.check("b", 0.5, 1.0, t).allowed);
  EXPECT_EQ(limiter.keys(), 2u);
}

}  // namespace
}  // namespace nifty::gateway
