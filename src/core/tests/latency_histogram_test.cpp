#include "core/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace nifty::core {
namespace {

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int v = 0; v < 32; ++v) h.record(v);
  auto s = h.snapshot();
  EXPECT_EQ(s.count, 32u);
  EXPECT_EQ(s.percentile(0.5), 15);  // the 16th of 0..31
  EXPECT_EQ(s.percentile(1.0), 31);
}

TEST(LatencyHistogram, BucketEdgesContainTheirValues) {
  for (uint64_t v : {32ull, 33ull, 63ull, 64ull, 1000ull, 123456789ull, (1ull << 40) - 1}) {
    size_t i = LatencyHistogram::index(v);
    EXPECT_GE(LatencyHistogram::upper_edge(i), static_cast<int64_t>(v)) << v;
    if (i > 0) {
      EXPECT_LT(LatencyHistogram::upper_edge(i - 1), static_cast<int64_t>(v)) << v;
    }
  }
}

TEST(LatencyHistogram, PercentilesAreWithinThreePercentOfSortedSamples) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(8.0, 1.5);  // ~3 us median, long tail
  LatencyHistogram h;
  std::vector<int64_t> samples;
  for (int i = 0; i < 100'000; ++i) {
    auto v = static_cast<int64_t>(dist(rng));
    samples.push_back(v);
    h.record(v);
  }
  std::sort(samples.begin(), samples.end());
  auto s = h.snapshot();
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    int64_t exact = samples[static_cast<size_t>(q * samples.size()) - 1];
    int64_t approx = s.percentile(q);
    EXPECT_GE(approx, exact) << q;
    EXPECT_LE(approx, exact + exact * 4 / 100 + 1) << q;
  }
}

TEST(LatencyHistogram, NegativeAndHugeValuesAreClamped) {
  LatencyHistogram h;
  h.record(-5);
  h.record(int64_t{1} << 50);
  auto s = h.snapshot();
  EXPECT_EQ(s.count, 2u);
  EXPECT_EQ(s.percentile(0.5), 0);
  EXPECT_GT(s.percentile(1.0), int64_t{1} << 39);
}

TEST(LatencyHistogram, EmptyHasNoPercentile) {
  LatencyHistogram h;
  EXPECT_EQ(h.snapshot().percentile(0.99), 0);
}

}  // namespace
}  // namespace nifty::core
