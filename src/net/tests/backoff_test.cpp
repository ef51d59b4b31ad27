#include "net/backoff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace nifty::net {
namespace {

using std::chrono::nanoseconds;

TEST(Backoff, EachDelayStaysWithinTheGrowingCappedBound) {
  BackoffOptions o{nanoseconds(100), 2.0, nanoseconds(1000), 0};
  auto b = Backoff::create(o, 42);
  ASSERT_TRUE(b.is_ok());
  // Bounds worked by hand: 100, 200, 400, 800, then capped at 1000.
  const int64_t expected_bounds[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int64_t bound : expected_bounds) {
    EXPECT_EQ(b->ceiling().count(), bound);
    auto d = b->next();
    ASSERT_TRUE(d.has_value());
    EXPECT_GE(d->count(), 0);
    EXPECT_LE(d->count(), bound);
  }
  EXPECT_EQ(b->attempts(), 7u);
}

TEST(Backoff, StopsAfterMaxAttemptsAndResetRestores) {
  auto b = Backoff::create({nanoseconds(10), 3.0, nanoseconds(1'000'000), 3}, 1);
  ASSERT_TRUE(b.is_ok());
  EXPECT_TRUE(b->next().has_value());
  EXPECT_TRUE(b->next().has_value());
  EXPECT_TRUE(b->next().has_value());
  EXPECT_FALSE(b->next().has_value());
  EXPECT_EQ(b->ceiling().count(), 270);  // 10 * 3^3
  b->reset();
  EXPECT_EQ(b->attempts(), 0u);
  EXPECT_EQ(b->ceiling().count(), 10);
  EXPECT_TRUE(b->next().has_value());
}

TEST(Backoff, SameSeedGivesSameSequence) {
  BackoffOptions o{nanoseconds(1'000'000), 2.0, nanoseconds(1'000'000'000), 0};
  auto a = Backoff::create(o, 7);
  auto b = Backoff::create(o, 7);
  auto c = Backoff::create(o, 8);
  std::vector<int64_t> sa, sb, sc;
  for (int i = 0; i < 20; ++i) {
    sa.push_back(a->next()->count());
    sb.push_back(b->next()->count());
    sc.push_back(c->next()->count());
  }
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
}

TEST(Backoff, FullJitterIsUniformOverZeroToBound) {
  // With initial == cap every draw is uniform on [0, 1'000'000]: mean 500'000, each tenth ~10 %.
  auto b = Backoff::create({nanoseconds(1'000'000), 2.0, nanoseconds(1'000'000), 0}, 2024);
  ASSERT_TRUE(b.is_ok());
  constexpr int kN = 20'000;
  std::array<int, 10> deciles{};
  double sum = 0;
  for (int i = 0; i < kN; ++i) {
    int64_t d = b->next()->count();
    ASSERT_LE(d, 1'000'000);
    sum += static_cast<double>(d);
    ++deciles[static_cast<size_t>(std::min<int64_t>(d / 100'000, 9))];
  }
  EXPECT_NEAR(sum / kN, 500'000.0, 10'000.0);  // sd of the mean ~2'000
  for (int count : deciles) EXPECT_NEAR(count, kN / 10, 300);  // sd ~42
}

TEST(Backoff, RejectsBadOptions) {
  EXPECT_EQ(Backoff::create({nanoseconds(0), 2.0, nanoseconds(10), 0}).status().code(),
            core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(Backoff::create({nanoseconds(10), 2.0, nanoseconds(5), 0}).status().code(),
            core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(Backoff::create({nanoseconds(10), 0.5, nanoseconds(50), 0}).status().code(),
            core::ErrorCode::kInvalidArgument);
}

TEST(Backoff, HugeAttemptCountsStayAtTheCap) {
  auto b = Backoff::create({nanoseconds(1), 10.0, nanoseconds(5'000), 0}, 3);
  for (int i = 0; i < 1000; ++i) ASSERT_LE(b->next()->count(), 5'000);
  EXPECT_EQ(b->ceiling().count(), 5'000);
}

}  // namespace
}  // namespace nifty::net
