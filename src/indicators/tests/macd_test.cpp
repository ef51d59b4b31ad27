#include "indicators/macd.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "indicators/tests/real_closes.h"

namespace nifty::indicators {
namespace {

// MACD(2, 3, 2) of 1, 3, 2, 5, 4, 6, worked by hand:
//  slow EMA(3), k = 1/2: seed at index 2 = (1+3+2)/3 = 2; 3.5; 3.75; 4.875.
//  fast EMA(2), k = 2/3, aligned: seed at index 2 = (3+2)/2 = 2.5; 25/6; 73/18; 289/54.
//  macd: 0.5; 2/3; 11/36; 103/216.
//  signal EMA(2) of macd, k = 2/3: seed at index 3 = (1/2 + 2/3)/2 = 7/12; 43/108; 73/162.
//  histogram: 1/12; -5/54; 17/648.
const std::vector<double> kIn{1, 3, 2, 5, 4, 6};
const std::vector<double> kMacd{NAN, NAN, 0.5, 2.0 / 3.0, 11.0 / 36.0, 103.0 / 216.0};
const std::vector<double> kSignal{NAN, NAN, NAN, 7.0 / 12.0, 43.0 / 108.0, 73.0 / 162.0};
const std::vector<double> kHistogram{NAN, NAN, NAN, 1.0 / 12.0, -5.0 / 54.0, 17.0 / 648.0};

void expect_same(double actual, double expected, size_t i, const char* what) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << what << " at " << i;
  } else {
    EXPECT_NEAR(actual, expected, 1e-12) << what << " at " << i;
  }
}

TEST(Macd, HandWorkedStreaming) {
  Macd m(2, 3, 2);
  for (size_t i = 0; i < kIn.size(); ++i) {
    EXPECT_EQ(m.update(kIn[i]), i >= 2);
    EXPECT_EQ(m.signal_ready(), i >= 3);
    expect_same(m.macd(), kMacd[i], i, "macd");
    expect_same(m.signal(), kSignal[i], i, "signal");
    expect_same(m.histogram(), kHistogram[i], i, "histogram");
  }
}

TEST(Macd, HandWorkedBatch) {
  auto s = macd(kIn, 2, 3, 2);
  for (size_t i = 0; i < kIn.size(); ++i) {
    expect_same(s.macd[i], kMacd[i], i, "macd");
    expect_same(s.signal[i], kSignal[i], i, "signal");
    expect_same(s.histogram[i], kHistogram[i], i, "histogram");
  }
}

TEST(Macd, FastLongerThanSlowIsSwappedAsTaLibDoes) {
  auto a = macd(kIn, 3, 2, 2);
  for (size_t i = 2; i < kIn.size(); ++i) EXPECT_NEAR(a.macd[i], kMacd[i], 1e-12);
  Macd m(3, 2, 2);
  for (double v : kIn) m.update(v);
  EXPECT_NEAR(m.macd(), kMacd.back(), 1e-12);
}

TEST(Macd, DefaultFirstOutputsAtIndex25And33) {
  auto closes = testing::real_closes();
  ASSERT_EQ(closes.size(), 375u);
  auto s = macd(closes);
  EXPECT_TRUE(std::isnan(s.macd[24]));
  EXPECT_FALSE(std::isnan(s.macd[25]));
  EXPECT_TRUE(std::isnan(s.signal[32]));
  EXPECT_FALSE(std::isnan(s.signal[33]));
  EXPECT_TRUE(std::isnan(s.histogram[32]));
  EXPECT_FALSE(std::isnan(s.histogram[33]));

  // Reference for index 25: mean(closes[14..25]) - mean(closes[0..25]).
  double fast = 0.0, slow = 0.0;
  for (size_t i = 14; i <= 25; ++i) fast += closes[i] / 12.0;
  for (size_t i = 0; i <= 25; ++i) slow += closes[i] / 26.0;
  EXPECT_NEAR(s.macd[25], fast - slow, 1e-9);
  // Index 33: the signal is the mean of macd[25..33].
  double signal = 0.0;
  for (size_t i = 25; i <= 33; ++i) signal += s.macd[i] / 9.0;
  EXPECT_NEAR(s.signal[33], signal, 1e-9);
}

TEST(Macd, StreamingEqualsBatchOnRealCloses) {
  auto closes = testing::real_closes();
  ASSERT_EQ(closes.size(), 375u);
  auto s = macd(closes);
  Macd m;
  for (size_t i = 0; i < closes.size(); ++i) {
    m.update(closes[i]);
    if (std::isnan(s.macd[i])) {
      ASSERT_TRUE(std::isnan(m.macd())) << i;
    } else {
      ASSERT_NEAR(m.macd(), s.macd[i], 1e-9) << i;
    }
    if (std::isnan(s.signal[i])) {
      ASSERT_TRUE(std::isnan(m.signal())) << i;
      ASSERT_TRUE(std::isnan(m.histogram())) << i;
    } else {
      ASSERT_NEAR(m.signal(), s.signal[i], 1e-9) << i;
      ASSERT_NEAR(m.histogram(), s.histogram[i], 1e-9) << i;
    }
  }
}

TEST(Macd, ResetAndRejection) {
  Macd m(2, 3, 2);
  for (double v : {100.0, 200.0, 300.0, 400.0}) m.update(v);
  m.reset();
  EXPECT_FALSE(m.ready());
  m.update(NAN);
  EXPECT_EQ(m.rejected(), 1);
  for (double v : kIn) m.update(v);
  EXPECT_NEAR(m.histogram(), kHistogram.back(), 1e-12);
}

}  // namespace
}  // namespace nifty::indicators
