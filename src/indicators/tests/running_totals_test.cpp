// Running totals of the batch and streaming SMA and Bollinger against a from-scratch computation
// in the test (each window summed afresh in long double, two-pass variance), over a long series
// where rounding drift would show, and their recovery after a non-finite input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "indicators/bollinger.h"
#include "indicators/sma.h"
#include "indicators/tests/near.h"

namespace nifty::indicators {
namespace {

using testing::near;

struct Reference {
  double mean;
  double sd;  // population
};

// The window of `period` values ending at `last`, from scratch.
Reference from_scratch(const std::vector<double>& v, size_t last, int period) {
  const size_t p = static_cast<size_t>(period);
  long double sum = 0.0L;
  for (size_t j = last + 1 - p; j <= last; ++j) sum += v[j];
  long double mean = sum / period;
  long double squares = 0.0L;
  for (size_t j = last + 1 - p; j <= last; ++j) squares += (v[j] - mean) * (v[j] - mean);
  return {static_cast<double>(mean), static_cast<double>(std::sqrt(squares / period))};
}

// 100,000 prices: a random walk from 2,500 rupees in 5-paise ticks (steps of about 1 rupee, pulled
// gently back towards 2,500), with a jump to ~25,000 rupees for 20,000 values in the middle (where
// raw running sums of squares lose most) and two flat stretches of 300 values (zero variance after
// a long history of running totals).
std::vector<double> long_random_walk() {
  std::mt19937_64 rng(20240315);
  std::normal_distribution<double> step(0.0, 1.0);
  std::vector<double> v;
  v.reserve(100'000);
  double x = 2500.0;
  for (size_t i = 0; i < 100'000; ++i) {
    bool flat = (i >= 30'000 && i < 30'300) || (i >= 99'000 && i < 99'300);
    if (!flat) x += step(rng) + 0.001 * (2500.0 - x);
    double level = (i >= 50'000 && i < 70'000) ? x + 22'500.0 : x;
    v.push_back(std::round(level * 20.0) / 20.0);
  }
  return v;
}

TEST(RunningTotals, BatchSmaMatchesFromScratchOverALongRandomWalk) {
  auto v = long_random_walk();
  for (int period : {1, 3, 20, 200}) {
    auto batch = sma(v, period);
    for (size_t i = static_cast<size_t>(period) - 1; i < v.size(); ++i) {
      ASSERT_TRUE(near(batch[i], from_scratch(v, i, period).mean, 1e-9)) << "period " << period << " index " << i;
    }
  }
}

TEST(RunningTotals, StreamingSmaMatchesFromScratchOverALongRandomWalk) {
  auto v = long_random_walk();
  Sma s(20);
  for (size_t i = 0; i < v.size(); ++i) {
    s.update(v[i]);
    if (i >= 19) {
      ASSERT_TRUE(near(s.value(), from_scratch(v, i, 20).mean, 1e-9)) << i;
    }
  }
}

TEST(RunningTotals, BatchBollingerMatchesFromScratchOverALongRandomWalk) {
  auto v = long_random_walk();
  for (int period : {2, 20, 200}) {
    auto batch = bollinger(v, period, 2.0);
    for (size_t i = static_cast<size_t>(period) - 1; i < v.size(); ++i) {
      Reference r = from_scratch(v, i, period);
      ASSERT_TRUE(near(batch.middle[i], r.mean, 1e-9)) << "period " << period << " index " << i;
      ASSERT_TRUE(near(batch.upper[i], r.mean + 2.0 * r.sd, 1e-9)) << "period " << period << " index " << i;
      ASSERT_TRUE(near(batch.lower[i], r.mean - 2.0 * r.sd, 1e-9)) << "period " << period << " index " << i;
      // The width itself (a standard deviation of a few rupees, or 0 on a flat window).
      ASSERT_TRUE(near((batch.upper[i] - batch.lower[i]) / 4.0, r.sd, 1e-9))
          << "period " << period << " index " << i << ": sd " << r.sd;
    }
  }
}

TEST(RunningTotals, StreamingBollingerMatchesFromScratchOverALongRandomWalk) {
  auto v = long_random_walk();
  Bollinger b(20, 2.0);
  for (size_t i = 0; i < v.size(); ++i) {
    b.update(v[i]);
    if (i < 19) continue;
    Reference r = from_scratch(v, i, 20);
    ASSERT_TRUE(near(b.middle(), r.mean, 1e-9)) << i;
    ASSERT_TRUE(near(b.upper(), r.mean + 2.0 * r.sd, 1e-9)) << i;
    ASSERT_TRUE(near(b.lower(), r.mean - 2.0 * r.sd, 1e-9)) << i;
    ASSERT_TRUE(near(b.stddev(), r.sd, 1e-9)) << i << ": sd " << r.sd;
  }
}

TEST(RunningTotals, FlatStretchAfterALongHistoryHasZeroWidth) {
  auto v = long_random_walk();
  auto batch = bollinger(v, 20, 2.0);
  for (size_t i = 30'019; i < 30'300; ++i) {
    ASSERT_EQ(batch.upper[i], batch.lower[i]) << i;
    ASSERT_EQ(batch.middle[i], v[i]) << i;
  }
}

// A NaN at index 5 poisons the windows that contain it, and only those: with period 3, outputs
// 5, 6 and 7 are NaN, and 8 onwards equal the from-scratch values again (the running totals are
// recomputed when the NaN leaves the window). An infinity at 12 likewise for 12..14.
TEST(RunningTotals, BatchRecoversWhenANonFiniteValueLeavesTheWindow) {
  std::vector<double> v{10, 11, 13, 12, 14, NAN, 15, 16, 14, 13, 15, 17, INFINITY, 18, 16, 15, 14, 16};
  auto s = sma(v, 3);
  auto b = bollinger(v, 3, 2.0);
  for (size_t i = 2; i < v.size(); ++i) {
    bool poisoned = (i >= 5 && i <= 7) || (i >= 12 && i <= 14);
    if (poisoned) {
      EXPECT_FALSE(std::isfinite(s[i])) << i;
      EXPECT_FALSE(std::isfinite(b.upper[i])) << i;
      EXPECT_FALSE(std::isfinite(b.lower[i])) << i;
      continue;
    }
    Reference r = from_scratch(v, i, 3);
    EXPECT_TRUE(near(s[i], r.mean, 1e-12)) << i;
    EXPECT_TRUE(near(b.middle[i], r.mean, 1e-12)) << i;
    EXPECT_TRUE(near(b.upper[i], r.mean + 2.0 * r.sd, 1e-12)) << i;
    EXPECT_TRUE(near(b.lower[i], r.mean - 2.0 * r.sd, 1e-12)) << i;
  }
}

}  // namespace
}  // namespace nifty::indicators
